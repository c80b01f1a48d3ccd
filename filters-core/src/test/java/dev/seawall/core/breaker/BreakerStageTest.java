package dev.seawall.core.breaker;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.RecordingStage;
import dev.seawall.core.time.ManualClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BreakerStageTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private Breaker breaker(int minimumCalls, int window) {
        Breaker b = new Breaker("payments", 50, minimumCalls, window, null, Duration.ofSeconds(30), 2, clock);
        SeawallMeters.bind(meters, stage(b, false)); // registers the breaker's meters
        return b;
    }

    private BreakerStage stage(Breaker b, boolean shadow) {
        return new BreakerStage("pay", b, s -> s >= 500 && s <= 599, Duration.ofSeconds(2), shadow);
    }

    private Outcome status(int status) {
        return new Outcome(status, null, clock.nanoTime(), clock.nanoTime(), false);
    }

    private Admission call(BreakerStage s, int status) {
        Admission a = s.admit(FakeRequest.get("/pay"), clock.nanoTime());
        if (a.admitted()) {
            a.permit().complete(status(status));
        }
        return a;
    }

    @Test
    void opensWhenTheFailureRateIsReachedAndRefusesWithRetryAfterTheRemainingOpenTime() {
        Breaker b = breaker(4, 10);
        BreakerStage s = stage(b, false);
        call(s, 200);
        call(s, 500);
        call(s, 200);
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED); // 3 calls < minimum 4
        call(s, 503);
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
        Admission refused = s.admit(FakeRequest.get("/pay"), clock.nanoTime());
        assertThat(refused.rejection().status()).isEqualTo(503);
        assertThat(refused.rejection().type()).endsWith("service-unavailable");
        assertThat(refused.rejection().header("Retry-After")).isEqualTo("30");
        clock.advance(Duration.ofMillis(20_500));
        assertThat(s.admit(FakeRequest.get("/pay"), clock.nanoTime()).rejection().header("Retry-After")).isEqualTo("10");
        assertThat(meters.get("seawall.breaker.state").tag("breaker", "payments").gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("seawall.breaker.not.permitted").functionCounter().count()).isEqualTo(2);
    }

    @Test
    void afterOpenForItLetsHalfOpenProbesThroughAndClosesWhenTheySucceed() {
        Breaker b = breaker(2, 10);
        BreakerStage s = stage(b, false);
        call(s, 500);
        call(s, 500);
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
        clock.advance(Duration.ofSeconds(30));
        assertThat(s.admit(FakeRequest.get("/"), clock.nanoTime()).rejection().header("Retry-After"))
                .as("open for exactly 30 s: still open, answer at least 1").isEqualTo("1");
        clock.advance(Duration.ofMillis(1));
        Admission p1 = s.admit(FakeRequest.get("/"), clock.nanoTime());
        Admission p2 = s.admit(FakeRequest.get("/"), clock.nanoTime());
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(p1.admitted()).isTrue();
        assertThat(p2.admitted()).isTrue();
        assertThat(s.admit(FakeRequest.get("/"), clock.nanoTime()).rejection()).as("only 2 probes").isNotNull();
        p1.permit().complete(status(200));
        p2.permit().complete(status(204));
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void exceptionsTimeoutsAndSlowCallsAreFailuresButOtherStatusesAreNot() {
        Breaker b = breaker(4, 4);
        BreakerStage s = stage(b, false);
        s.admit(FakeRequest.get("/"), 0).permit().complete(new Outcome(200, new IllegalStateException(), 0, 1, false));
        s.admit(FakeRequest.get("/"), 0).permit().complete(new Outcome(200, null, 0, 1, true));
        s.admit(FakeRequest.get("/"), 0).permit().complete(new Outcome(200, null, 0, Duration.ofSeconds(3).toNanos(), false));
        s.admit(FakeRequest.get("/"), 0).permit().complete(new Outcome(404, null, 0, 1, false));
        assertThat(b.failureRate()).isEqualTo(75f);
        assertThat(meters.get("seawall.breaker.calls").tags("outcome", "slow").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("seawall.breaker.calls").tags("outcome", "failure").functionCounter().count()).isEqualTo(2);
        assertThat(meters.get("seawall.breaker.calls").tags("outcome", "success").functionCounter().count()).isEqualTo(1);
    }

    @Test
    void aCallRefusedByAnInnerStageIsReleasedNotRecorded() {
        Breaker b = breaker(2, 10);
        BreakerStage s = stage(b, false);
        RecordingStage refusesAll = new RecordingStage(dev.seawall.core.chain.StageKind.THROTTLE)
                .rejectWith(dev.seawall.core.http.Rejection.builder(503,
                        dev.seawall.core.problem.ProblemTypes.TEMPORARY_REDUCED_CAPACITY, "busy").build());
        var chain = ChainBuilder.create().add(s).add(refusesAll).build();
        for (int i = 0; i < 50; i++) {
            assertThat(chain.admit(FakeRequest.get("/"), 0).rejection().status()).isEqualTo(503);
        }
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(b.failureRate()).isEqualTo(-1f);
        assertThat(meters.get("seawall.breaker.calls").tags("outcome", "released").functionCounter().count()).isEqualTo(50);
    }

    @Test
    void shadowModeRecordsAndReportsButNeverRefuses() {
        Breaker b = breaker(2, 10);
        BreakerStage s = stage(b, true);
        call(s, 500);
        call(s, 500);
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
        for (int i = 0; i < 5; i++) {
            assertThat(s.admit(FakeRequest.get("/"), clock.nanoTime()).admitted()).isTrue();
        }
        assertThat(meters.get("seawall.breaker.not.permitted").functionCounter().count()).isEqualTo(5);
    }

    @Test
    void aNamedBreakerIsSharedByThePoliciesThatNameIt() {
        Breaker shared = breaker(2, 10);
        BreakerStage a = new BreakerStage("orders", shared, st -> st >= 500, null, false);
        BreakerStage c = new BreakerStage("refunds", shared, st -> st >= 500, null, false);
        call(a, 500);
        call(c, 500);
        assertThat(a.admit(FakeRequest.get("/"), 0).rejection().extensions()).containsEntry("policy", "orders")
                .containsEntry("breaker", "payments");
        assertThat(c.admit(FakeRequest.get("/"), 0).rejection()).isNotNull();
    }

    @Test
    void hammeringWithMixedOutcomesNeverLeavesTheBreakerStuckHalfOpen() throws Exception {
        Breaker b = new Breaker("hammer", 50, 4, 8, null, Duration.ofMillis(100), 3, clock);
        BreakerStage s = stage(b, false);
        var chain = ChainBuilder.create().add(s).build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < 3_000; i++) {
                        if (r.nextInt(50) == 0) {
                            clock.advance(Duration.ofMillis(40));
                        }
                        Exchange ex = chain.admit(FakeRequest.get("/"), clock.nanoTime());
                        if (!ex.admitted()) {
                            continue;
                        }
                        switch (r.nextInt(4)) {
                            case 0 -> ex.release();
                            case 1 -> ex.complete(new Outcome(500, null, 0, 1, false));
                            case 2 -> ex.complete(new Outcome(200, new RuntimeException(), 0, 1, false));
                            default -> ex.complete(new Outcome(200, null, 0, 1, false));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // every permission was settled: from any state, time plus successes bring the breaker back to closed
        for (int i = 0; i < 20 && b.state() != CircuitBreaker.State.CLOSED; i++) {
            clock.advance(Duration.ofMillis(200));
            for (int k = 0; k < 3; k++) {
                Exchange ex = chain.admit(FakeRequest.get("/"), clock.nanoTime());
                if (ex.admitted()) {
                    ex.complete(new Outcome(200, null, 0, 1, false));
                }
            }
        }
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
