package dev.seawall.core.event;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.event.BreakerTransition.Cause;
import dev.seawall.core.event.BreakerTransition.State;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.testing.CapturedStderr;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.TextSource;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The listener API on the core engine: every event kind, a throwing listener, and many threads refused at once. */
class SeawallListenerTest {

    private static final String CONFIG = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 2/1m
                circuit-breaker:
                  name: backend
                  failure-rate: 50
                  minimum-calls: 4
                  window: 4
                  open-for: 30s
                  half-open-calls: 2
              - name: reports
                paths: [/reports/*]
                circuit-breaker:
                  name: backend
                  failure-rate: 50
                  minimum-calls: 4
                  window: 4
                  open-for: 30s
                  half-open-calls: 2
            """;

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RecordingListener events = new RecordingListener();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private Seawall engine(String yaml, SeawallListener... listeners) {
        Seawall.Builder b = Seawall.builder().clock(clock).meterRegistry(meters).yaml("seawall.yaml", yaml);
        for (SeawallListener l : listeners) {
            b.listener(l);
        }
        Seawall s = b.build();
        closing.add(s);
        return s;
    }

    /** Runs one request from {@code ip} with the application answering {@code status}; false when refused. */
    private boolean call(Seawall engine, String path, String ip, int status) {
        Policy p = engine.match("GET", path);
        Exchange e = p.chain().admit(FakeRequest.get(path).from(ip), clock.nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(status, null, clock.nanoTime(), clock.nanoTime(), false));
        }
        return e.admitted();
    }

    @Test
    void breakerTransitionsAreReportedWithTheirCauseAndThePoliciesUsingTheBreaker() {
        Seawall engine = engine(CONFIG, events);
        for (int i = 0; i < 4; i++) {
            call(engine, "/reports/x", "192.0.2.1", 500);
        }
        assertThat(events.of(BreakerTransition.class)).containsExactly(
                new BreakerTransition("backend", List.of("api", "reports"), State.CLOSED, State.OPEN, Cause.FAILURE_RATE));

        clock.advance(Duration.ofSeconds(31));
        assertThat(call(engine, "/reports/x", "192.0.2.1", 500)).isTrue(); // the first probe fails
        call(engine, "/reports/x", "192.0.2.1", 500);
        clock.advance(Duration.ofSeconds(31));
        call(engine, "/reports/x", "192.0.2.1", 200);
        call(engine, "/reports/x", "192.0.2.1", 200);
        Breaker breaker = engine.breakers().get("backend");
        breaker.forceOpen();
        breaker.close();

        assertThat(events.of(BreakerTransition.class)).extracting(t -> t.from() + "->" + t.to() + " " + t.cause())
                .containsExactly(
                        "CLOSED->OPEN FAILURE_RATE",
                        "OPEN->HALF_OPEN OPEN_TIME_ELAPSED",
                        "HALF_OPEN->OPEN PROBES_FAILED",
                        "OPEN->HALF_OPEN OPEN_TIME_ELAPSED",
                        "HALF_OPEN->CLOSED PROBES_SUCCEEDED",
                        "CLOSED->FORCED_OPEN FORCED_OPEN",
                        "FORCED_OPEN->CLOSED FORCED_CLOSED");
        assertThat(events.events).allSatisfy(e -> assertThat(e).isInstanceOf(BreakerTransition.class));
    }

    @Test
    void aRefusalNamesPolicyStageAndProblemButNeverTheClient() {
        Seawall engine = engine(CONFIG, events);
        assertThat(call(engine, "/api/x", "203.0.113.77", 200)).isTrue();
        assertThat(call(engine, "/api/x", "203.0.113.77", 200)).isTrue();
        assertThat(call(engine, "/api/x", "203.0.113.77", 200)).isFalse();

        Refusal r = events.of(Refusal.class).get(0);
        assertThat(events.events).hasSize(1);
        assertThat(r.policy()).isEqualTo("api");
        assertThat(r.stage()).isEqualTo(StageKind.RATE_LIMIT);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.problemType()).isEqualTo(ProblemTypes.QUOTA_EXCEEDED);
        assertThat(r.reason()).isNotBlank();
        assertThat(r.toString()).doesNotContain("203.0.113.77");
    }

    @Test
    void anOpenBreakersRefusalIsReported() {
        Seawall engine = engine(CONFIG, events);
        for (int i = 0; i < 4; i++) {
            call(engine, "/reports/x", "192.0.2.1", 503);
        }
        assertThat(call(engine, "/reports/x", "192.0.2.1", 200)).isFalse();

        assertThat(events.of(Refusal.class)).singleElement().satisfies(r -> {
            assertThat(r.policy()).isEqualTo("reports");
            assertThat(r.stage()).isEqualTo(StageKind.CIRCUIT_BREAKER);
            assertThat(r.stageName()).isEqualTo("backend");
            assertThat(r.status()).isEqualTo(503);
        });
    }

    @Test
    void reloadsReportWhatTheyKeptResetAddedAndRemoved() {
        TextSource source = new TextSource("seawall.yaml", CONFIG);
        LiveSeawall live = new LiveSeawall(engine(CONFIG, events), source, CONFIG, meters, Clock.systemUTC());
        source.text = CONFIG.replace("limit: 2/1m", "limit: 3/1m")
                .replace("- name: reports\n    paths: [/reports/*]", "- name: charts\n    paths: [/charts/*]");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        source.text = CONFIG.replace("limit: 2/1m", "limit: 2/zz").replace("open-for: 30s", "open-for: soon");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
        source.text = "not: [valid";
        live.reload();

        List<ConfigReload> reloads = events.of(ConfigReload.class);
        assertThat(reloads).hasSize(3);
        assertThat(reloads.get(0)).isEqualTo(new ConfigReload(ConfigReload.Outcome.APPLIED, "seawall.yaml", 0,
                List.of(), List.of("api"), List.of("charts"), List.of("reports")));
        assertThat(reloads.get(1).outcome()).isEqualTo(ConfigReload.Outcome.REFUSED);
        assertThat(reloads.get(1).errors()).as("one rate and two durations").isEqualTo(3);
        assertThat(reloads.get(2).errors()).isEqualTo(1);

        // the engine the reload built keeps the listeners: its breaker reports to them
        for (int i = 0; i < 4; i++) {
            call(live.current(), "/charts/x", "192.0.2.1", 500);
        }
        assertThat(events.of(BreakerTransition.class)).singleElement()
                .satisfies(t -> assertThat(t.policies()).containsExactly("api", "charts"));
    }

    @Test
    void aReloadOfUnchangedPoliciesReportsThemKept() {
        TextSource source = new TextSource("seawall.yaml", CONFIG);
        LiveSeawall live = new LiveSeawall(engine(CONFIG, events), source, CONFIG, meters, Clock.systemUTC());
        source.text = "# a comment\n" + CONFIG;
        live.reload();
        assertThat(events.of(ConfigReload.class)).singleElement()
                .satisfies(r -> assertThat(r.kept()).containsExactly("api", "reports"));
    }

    @Test
    void aThrowingListenerNeverBreaksARequestIsCountedAndLoggedOnce() {
        class Broken implements SeawallListener {
            @Override
            public void onRefusal(Refusal event) {
                throw new IllegalStateException("listener bug");
            }
        }
        Seawall engine = engine(CONFIG, new Broken(), events);
        String log;
        try (CapturedStderr err = new CapturedStderr()) {
            call(engine, "/api/x", "192.0.2.9", 200);
            call(engine, "/api/x", "192.0.2.9", 200);
            assertThat(call(engine, "/api/x", "192.0.2.9", 200)).isFalse();
            assertThat(call(engine, "/api/x", "192.0.2.9", 200)).isFalse();
            log = err.text();
        }
        assertThat(events.of(Refusal.class)).as("the next listener still hears every event").hasSize(2);
        assertThat(meters.get("seawall.listener.failures").tag("listener", "Broken").counter().count())
                .isEqualTo(2.0);
        assertThat(log.split("event listener Broken threw", -1)).hasSize(2);
    }

    @Test
    void manyThreadsRefusedAtOnceDeliverEveryEventExactlyOnce() throws Exception {
        AtomicInteger refusals = new AtomicInteger();
        SeawallListener counting = new SeawallListener() {
            @Override
            public void onRefusal(Refusal event) {
                refusals.incrementAndGet();
            }
        };
        Seawall engine = engine(CONFIG, counting);
        int threads = 8;
        int perThread = 400;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> refusedByThread = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String ip = "198.51.100." + (t % 2); // two clients: two buckets shared by four threads each
                refusedByThread.add(pool.submit(() -> {
                    start.await();
                    int refused = 0;
                    for (int i = 0; i < perThread; i++) {
                        refused += call(engine, "/api/x", ip, 200) ? 0 : 1;
                    }
                    return refused;
                }));
            }
            start.countDown();
            int refused = 0;
            for (Future<Integer> f : refusedByThread) {
                refused += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(refused).isEqualTo(threads * perThread - 4);
            assertThat(refusals.get()).isEqualTo(refused);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void listenersAreCalledInRegistrationOrder() {
        List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        SeawallListener first = new SeawallListener() {
            @Override
            public void onRefusal(Refusal event) {
                order.add("first");
            }
        };
        SeawallListener second = new SeawallListener() {
            @Override
            public void onRefusal(Refusal event) {
                order.add("second");
            }
        };
        Seawall engine = engine(CONFIG, first, second);
        for (int i = 0; i < 3; i++) {
            call(engine, "/api/x", "192.0.2.3", 200);
        }
        assertThat(order).containsExactly("first", "second");
    }
}
