package dev.seawall.core.internal.event;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.event.BreakerTransition;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;

/**
 * The key-values and events Seawall adds to the current observation, built once: adding one allocates nothing of
 * Seawall's. An event's contextual name is its name, which is what a tracer writes on the span. Names are documented in docs/operations/traces-and-events.md. Stateless and thread-safe.
 */
public final class SeawallObservations {

    /** Key (added as high-cardinality, see {@code EventHub.PolicyEvents}): the policy that applied. */
    public static final String POLICY = "seawall.policy";
    /** Key (added as high-cardinality): what Seawall did with the request. */
    public static final String OUTCOME = "seawall.outcome";

    static final KeyValue ALLOWED = KeyValue.of(OUTCOME, "allowed");
    static final KeyValue RATE_LIMITED = KeyValue.of(OUTCOME, "rate-limited");
    static final KeyValue THROTTLED = KeyValue.of(OUTCOME, "throttled");
    static final KeyValue BREAKER_OPEN = KeyValue.of(OUTCOME, "breaker-open");
    static final KeyValue REFUSED_OTHER = KeyValue.of(OUTCOME, "refused");
    static final KeyValue FALLBACK = KeyValue.of(OUTCOME, "fallback");
    static final KeyValue TIMEOUT = KeyValue.of(OUTCOME, "timeout");

    static final Observation.Event QUEUE_WAIT = Observation.Event.of("seawall.queue.waited");
    static final Observation.Event REFUSED = Observation.Event.of("seawall.refused");
    static final Observation.Event FALLBACK_SERVED = Observation.Event.of("seawall.fallback");
    static final Observation.Event TIMED_OUT = Observation.Event.of("seawall.timeout");
    private static final Observation.Event[] BREAKER = {
        Observation.Event.of("seawall.breaker.closed"),
        Observation.Event.of("seawall.breaker.open"),
        Observation.Event.of("seawall.breaker.half-open"),
        Observation.Event.of("seawall.breaker.forced-open"),
    };

    private SeawallObservations() {
    }

    static KeyValue refusal(StageKind stage) {
        return switch (stage) {
            case RATE_LIMIT -> RATE_LIMITED;
            case THROTTLE -> THROTTLED;
            case CIRCUIT_BREAKER -> BREAKER_OPEN;
            default -> REFUSED_OTHER;
        };
    }

    static Observation.Event breaker(BreakerTransition.State to) {
        return BREAKER[to.ordinal()];
    }
}
