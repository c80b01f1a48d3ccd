package dev.seawall.core.event;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Seawall's decisions on the current observation (the one the server opened for the request). */
class ObservationTest {

    private static final String CONFIG = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 1/1m
              - name: pool
                paths: [/pool/*]
                throttle:
                  max-concurrent: 1
                  queue: 1
                  max-wait: 10s
              - name: payments
                paths: [/payments/*]
                circuit-breaker:
                  failure-rate: 50
                  minimum-calls: 2
                  window: 2
                  open-for: 30s
            """;

    private final ManualClock clock = new ManualClock();
    private final TestObservationRegistry observations = TestObservationRegistry.create();
    /** The events each observation received, by its name's context. */
    private final Map<Observation.Context, List<String>> events = new ConcurrentHashMap<>();
    private final List<Seawall> engines = new ArrayList<>();

    ObservationTest() {
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onEvent(Observation.Event event, Observation.Context context) {
                events.computeIfAbsent(context, c -> new CopyOnWriteArrayList<>()).add(event.getName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
    }

    @AfterEach
    void close() {
        engines.forEach(Seawall::close);
    }

    private Seawall engine(ObservationRegistry registry) {
        Seawall s = Seawall.builder().clock(clock).meterRegistry(new SimpleMeterRegistry()).observationRegistry(registry)
                .yaml("seawall.yaml", CONFIG).build();
        engines.add(s);
        return s;
    }

    /** One request inside a server observation named {@code name}, as a framework would run it. */
    private Observation.Context call(Seawall engine, String path, int status, String name) {
        Observation server = Observation.start(name, observations);
        try (Observation.Scope scope = server.openScope()) {
            Policy p = engine.match("GET", path);
            Exchange e = p.chain().admit(FakeRequest.get(path).from("192.0.2.5"), clock.nanoTime());
            if (e.admitted()) {
                e.complete(new Outcome(status, null, clock.nanoTime(), clock.nanoTime(), false));
            }
        } finally {
            server.stop();
        }
        return server.getContext();
    }

    @Test
    void seawallNeverChangesTheServerMetersTagKeys() {
        Seawall engine = engine(observations);
        Observation.Context c = call(engine, "/api/x", 200, "server");
        assertThat(c.getLowCardinalityKeyValues()).isEmpty();
    }

    @Test
    void anAllowedAndARefusedRequestCarryPolicyAndOutcome() {
        Seawall engine = engine(observations);
        Observation.Context allowed = call(engine, "/api/x", 200, "first");
        Observation.Context refused = call(engine, "/api/x", 200, "second");

        TestObservationRegistryAssert.assertThat(observations)
                .hasObservationWithNameEqualTo("first").that()
                .hasHighCardinalityKeyValue("seawall.policy", "api")
                .hasHighCardinalityKeyValue("seawall.outcome", "allowed");
        TestObservationRegistryAssert.assertThat(observations)
                .hasObservationWithNameEqualTo("second").that()
                .hasHighCardinalityKeyValue("seawall.policy", "api")
                .hasHighCardinalityKeyValue("seawall.outcome", "rate-limited");
        assertThat(events.get(allowed)).isNull();
        assertThat(events.get(refused)).containsExactly("seawall.refused");
    }

    @Test
    void theRequestThatOpensABreakerAndTheOneItRefusesSayWhatHappened() {
        Seawall engine = engine(observations);
        call(engine, "/payments/x", 500, "fails");
        Observation.Context opening = call(engine, "/payments/x", 500, "opens");
        Observation.Context refused = call(engine, "/payments/x", 200, "refused");

        assertThat(events.get(opening)).containsExactly("seawall.breaker.open");
        assertThat(events.get(refused)).containsExactly("seawall.refused");
        TestObservationRegistryAssert.assertThat(observations).hasObservationWithNameEqualTo("refused").that()
                .hasHighCardinalityKeyValue("seawall.outcome", "breaker-open")
                .hasHighCardinalityKeyValue("seawall.policy", "payments");
    }

    @Test
    void aRequestThatWaitedInTheQueueSaysSoWhenItIsAdmitted() {
        Seawall engine = engine(observations);
        Policy p = engine.match("GET", "/pool/x");
        Exchange first = p.chain().admit(FakeRequest.get("/pool/x").from("192.0.2.7"), clock.nanoTime());
        assertThat(first.admitted()).isTrue();

        Observation server = Observation.start("queued", observations);
        Exchange second;
        try (Observation.Scope scope = server.openScope()) {
            second = p.chain().admit(FakeRequest.get("/pool/x").from("192.0.2.8"), clock.nanoTime());
            assertThat(second.pending()).isTrue();
        }
        clock.advance(java.time.Duration.ofMillis(30));
        first.complete(new Outcome(200, null, 0, clock.nanoTime(), false)); // hands its slot to the waiter
        try (Observation.Scope scope = server.openScope()) { // the adapter resumes it on a request thread again
            second.resume(FakeRequest.get("/pool/x").from("192.0.2.8"), clock.nanoTime());
        }
        server.stop();

        assertThat(second.admitted()).isTrue();
        assertThat(events.get(server.getContext())).containsExactly("seawall.queue.waited");
        TestObservationRegistryAssert.assertThat(observations).hasObservationWithNameEqualTo("queued").that()
                .hasHighCardinalityKeyValue("seawall.outcome", "allowed")
                .hasHighCardinalityKeyValue("seawall.policy", "pool");
    }

    @Test
    void withoutAnOpenObservationNothingIsRecordedAndWithNoopNothingIsLookedUp() {
        Seawall engine = engine(observations);
        Policy p = engine.match("GET", "/api/x");
        assertThat(p.chain().admit(FakeRequest.get("/api/x").from("192.0.2.6"), clock.nanoTime()).admitted()).isTrue();
        TestObservationRegistryAssert.assertThat(observations).doesNotHaveAnyObservation();

        Seawall quiet = engine(ObservationRegistry.NOOP);
        Observation.Context c = call(quiet, "/api/x", 200, "untouched");
        assertThat(c.getHighCardinalityKeyValues()).isEmpty();
        assertThat(events.get(c)).isNull();
    }
}
