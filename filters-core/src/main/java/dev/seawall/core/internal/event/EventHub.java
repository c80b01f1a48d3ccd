package dev.seawall.core.internal.event;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.event.BreakerTransition;
import dev.seawall.core.event.ConfigReload;
import dev.seawall.core.event.FallbackServed;
import dev.seawall.core.event.Refusal;
import dev.seawall.core.event.SeawallListener;
import dev.seawall.core.event.StoreHealth;
import dev.seawall.core.event.TimeoutAnswered;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.policy.Policy;
import io.micrometer.core.instrument.Counter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The listeners of one engine (and of every engine its reloads build), and their delivery: synchronous, in
 * registration order, on the caller's thread; callers never hold a lock of their own while they publish. A listener's
 * {@link RuntimeException} is caught, counted in {@code seawall.listener.failures{listener}} and logged once per
 * listener.
 *
 * <p>With no listener every method returns after one array-length check and allocates nothing: the events are built
 * only when someone listens.
 *
 * <p>Thread-safe: the listener array is fixed at construction.
 */
public final class EventHub {

    private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);

    /** No listener: nothing is delivered, nothing is allocated. */
    public static final EventHub NONE = new EventHub(List.of(), null);

    private final Entry[] entries;
    /** Where the decisions go as key-values and events of the current observation; null for none. */
    private final ObservationRegistry observations;

    private static final class Entry {
        final SeawallListener listener;
        final Counter failures;
        final AtomicBoolean logged = new AtomicBoolean();

        Entry(SeawallListener listener, Counter failures) {
            this.listener = listener;
            this.failures = failures;
        }
    }

    /**
     * @param listeners in delivery order
     * @param registry  where {@code seawall.listener.failures} is registered (null only for no listener)
     */
    public EventHub(List<SeawallListener> listeners, MeterRegistry registry) {
        this(listeners, registry, null);
    }

    /**
     * @param observations where decisions are added to the current observation; null or {@code NOOP} for none
     */
    public EventHub(List<SeawallListener> listeners, MeterRegistry registry, ObservationRegistry observations) {
        this.observations = observations == null || observations.isNoop() ? null : observations;
        this.entries = new Entry[listeners.size()];
        for (int i = 0; i < entries.length; i++) {
            SeawallListener l = listeners.get(i);
            Counter c = Counter.builder("seawall.listener.failures")
                    .description("Exceptions thrown by Seawall event listeners (caught; the request went on)")
                    .tag("listener", name(l)).register(registry);
            entries[i] = new Entry(l, c);
        }
    }

    private static String name(SeawallListener l) {
        String n = l.getClass().getSimpleName();
        return n.isEmpty() ? l.getClass().getName() : n;
    }

    /** @return whether any listener or an observation registry is registered */
    public boolean active() {
        return entries.length > 0 || observations != null;
    }

    /** @return the current observation, or null (no registry, or none is open on this thread) */
    public Observation currentObservation() {
        ObservationRegistry r = observations;
        return r == null ? null : r.getCurrentObservation();
    }

    /** @return the listeners' count */
    public int size() {
        return entries.length;
    }

    /** Events of one policy, for the stages and answers that know only their own. */
    public PolicyEvents policy(String policy) {
        return new PolicyEvents(this, policy);
    }

    /** Events of one breaker, which knows the policies using it. */
    public BreakerEvents breaker(List<String> policies) {
        return new BreakerEvents(this, List.copyOf(policies));
    }

    /**
     * Points every policy's chain and answer plan, and every breaker, at these listeners; at start-up, after a reload,
     * or when a framework deploys policies (never per request). A stage or breaker a reload kept is pointed at the new
     * engine's events: the same hub, with the new list of policies using a breaker.
     */
    public void attach(List<Policy> policies) {
        Map<Breaker, List<String>> users = new LinkedHashMap<>();
        for (Policy p : policies) {
            PolicyEvents pe = policy(p.name());
            CoreAccess.events(p.chain(), pe);
            CoreAccess.answerPlan(p).events(pe);
            for (Stage s : p.chain().stages()) {
                if (s instanceof BreakerStage b) {
                    users.computeIfAbsent(b.breaker(), k -> new ArrayList<>()).add(p.name());
                }
            }
        }
        users.forEach((b, names) -> CoreAccess.events(b, breaker(names)));
    }

    public void reload(ConfigReload event) {
        if (entries.length > 0) {
            publish(event);
        }
    }

    public void storeHealth(StoreHealth event) {
        if (entries.length > 0) {
            publish(event);
        }
    }

    private void publish(Object event) {
        for (Entry e : entries) {
            try {
                if (event instanceof Refusal r) {
                    e.listener.onRefusal(r);
                } else if (event instanceof BreakerTransition t) {
                    e.listener.onBreakerTransition(t);
                } else if (event instanceof FallbackServed f) {
                    e.listener.onFallback(f);
                } else if (event instanceof TimeoutAnswered t) {
                    e.listener.onTimeout(t);
                } else if (event instanceof ConfigReload r) {
                    e.listener.onReload(r);
                } else if (event instanceof StoreHealth s) {
                    e.listener.onStoreHealth(s);
                }
            } catch (Exception x) { // an undeclared checked exception (a "sneaky" throw) too
                e.failures.increment();
                if (e.logged.compareAndSet(false, true)) {
                    LOG.warn("Seawall: event listener {} threw on {}; Seawall goes on (logged once per listener, "
                            + "counted in seawall.listener.failures)", name(e.listener),
                            event.getClass().getSimpleName(), x);
                }
            }
        }
    }

    /**
     * The events of one policy: to the listeners, and to the current observation as key-values {@code seawall.policy}
     * and {@code seawall.outcome} and events (see {@link SeawallObservations}). Immutable and thread-safe.
     */
    public static final class PolicyEvents {
        private final EventHub hub;
        private final String policy;
        private final KeyValue policyKey;

        PolicyEvents(EventHub hub, String policy) {
            this.hub = hub;
            this.policy = policy;
            this.policyKey = KeyValue.of(SeawallObservations.POLICY, policy);
        }

        public String policy() {
            return policy;
        }

        /** @return the current observation, or null */
        public Observation currentObservation() {
            return hub.currentObservation();
        }

        /** Every stage admitted the request (after {@code waitedNanos} in a queue, 0 when it did not wait). */
        public void allowed(long waitedNanos) {
            Observation o = hub.currentObservation();
            if (o != null) {
                outcome(o, SeawallObservations.ALLOWED);
                if (waitedNanos > 0) {
                    o.event(SeawallObservations.QUEUE_WAIT);
                }
            }
        }

        public void refused(StageKind stage, String stageName, Rejection r) {
            Observation o = hub.currentObservation();
            if (o != null) {
                outcome(o, SeawallObservations.refusal(stage));
                o.event(SeawallObservations.REFUSED);
            }
            if (hub.entries.length > 0) {
                hub.publish(new Refusal(policy, stage, stageName, r.status(), r.type(), r.title()));
            }
        }

        /** @param o the request's observation (captured on its thread), or null */
        public void fallback(FallbackTrigger trigger, FallbackResponse answer, Observation o) {
            if (answer == null) {
                return;
            }
            if (o != null) {
                outcome(o, SeawallObservations.FALLBACK);
                o.event(SeawallObservations.FALLBACK_SERVED);
            }
            if (hub.entries.length > 0) {
                hub.publish(new FallbackServed(policy, trigger, answer.source() == null ? "fallback" : answer.source(),
                        answer.status()));
            }
        }

        /**
         * @param timeoutPolicy the policy whose timeout answered (in stacked filters, maybe not this one)
         * @param o             the request's observation (captured on its thread: this runs on the deadline's), or null
         */
        public void timeout(String timeoutPolicy, long afterNanos, boolean fallback, Observation o) {
            if (o != null) {
                outcome(o, SeawallObservations.TIMEOUT);
                o.event(SeawallObservations.TIMED_OUT);
            }
            if (hub.entries.length > 0) {
                hub.publish(new TimeoutAnswered(timeoutPolicy, Duration.ofNanos(afterNanos), fallback));
            }
        }

        /**
         * High-cardinality on purpose, although the values are few: a low-cardinality key-value becomes a tag of the
         * server's own meter ({@code http.server.requests}) for the requests Seawall saw only, and a registry like
         * Prometheus's requires one set of tag keys per meter name. Tracers put both kinds on the span.
         */
        private void outcome(Observation o, KeyValue outcome) {
            o.highCardinalityKeyValue(policyKey);
            o.highCardinalityKeyValue(outcome);
        }
    }

    /** The events of one breaker. Immutable and thread-safe. */
    public static final class BreakerEvents {
        private final EventHub hub;
        private final List<String> policies;

        BreakerEvents(EventHub hub, List<String> policies) {
            this.hub = hub;
            this.policies = policies;
        }

        /**
         * @param operator the cause when an operator acted ({@code FORCED_CLOSED}); null to derive it from the states
         */
        public void transition(String breaker, CircuitBreaker.State from, CircuitBreaker.State to,
                               BreakerTransition.Cause operator) {
            BreakerTransition.State f = state(from);
            BreakerTransition.State t = state(to);
            if (f == null || t == null || f == t) {
                return;
            }
            BreakerTransition.Cause cause = operator != null ? operator : switch (t) {
                case HALF_OPEN -> BreakerTransition.Cause.OPEN_TIME_ELAPSED;
                case CLOSED -> BreakerTransition.Cause.PROBES_SUCCEEDED;
                case FORCED_OPEN -> BreakerTransition.Cause.FORCED_OPEN;
                case OPEN -> f == BreakerTransition.State.HALF_OPEN ? BreakerTransition.Cause.PROBES_FAILED
                        : BreakerTransition.Cause.FAILURE_RATE;
            };
            Observation o = hub.currentObservation();
            if (o != null) {
                o.event(SeawallObservations.breaker(t)); // the request whose call moved the breaker
            }
            if (hub.entries.length > 0) {
                hub.publish(new BreakerTransition(breaker, policies, f, t, cause));
            }
        }

        private static BreakerTransition.State state(CircuitBreaker.State s) {
            return switch (s) {
                case CLOSED -> BreakerTransition.State.CLOSED;
                case OPEN -> BreakerTransition.State.OPEN;
                case HALF_OPEN -> BreakerTransition.State.HALF_OPEN;
                case FORCED_OPEN -> BreakerTransition.State.FORCED_OPEN;
                default -> null; // resilience4j's DISABLED and METRICS_ONLY: Seawall never uses them
            };
        }
    }
}
