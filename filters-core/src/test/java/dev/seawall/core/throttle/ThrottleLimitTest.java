package dev.seawall.core.throttle;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Deferral;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The throttle against a moving limit: what it enforces, what it reports, shadow mode, and many threads at once. */
class ThrottleLimitTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** A limit the test moves by hand; records every sample. */
    static final class ScriptedLimit implements ConcurrencyLimit {
        volatile int current;
        final List<long[]> samples = Collections.synchronizedList(new ArrayList<>());

        ScriptedLimit(int current) {
            this.current = current;
        }

        @Override
        public int current() {
            return current;
        }

        @Override
        public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
            samples.add(new long[] {startNanos, rttNanos, inflight, dropped ? 1 : 0});
        }

        @Override
        public boolean adaptive() {
            return true;
        }

        @Override
        public long noLoadLatencyNanos() {
            return 2_000_000;
        }

        @Override
        public long recentLatencyNanos() {
            return 3_500_000;
        }

        @Override
        public long drops() {
            synchronized (samples) {
                return samples.stream().filter(s -> s[3] == 1).count();
            }
        }
    }

    private ThrottleStage stage(ConcurrencyLimit limit, int queue) {
        return ThrottleStage.builder("api").limit(limit).queue(queue).maxWait(Duration.ofSeconds(2)).clock(clock).build();
    }

    private Admission admit(ThrottleStage t) {
        return t.admit(FakeRequest.get("/api"), clock.nanoTime());
    }

    private Outcome answered(int status) {
        return new Outcome(status, null, clock.nanoTime(), clock.nanoTime(), false);
    }

    @Test
    void aLimitThatFallsBelowInFlightLetsNobodyInUntilEnoughHaveLeft() {
        ScriptedLimit limit = new ScriptedLimit(3);
        ThrottleStage t = stage(limit, 5);
        List<Admission> running = List.of(admit(t), admit(t), admit(t));
        limit.current = 1;
        Admission waiting = admit(t);
        assertThat(waiting.deferred()).isTrue();
        Deferral d = (Deferral) waiting;
        running.get(0).permit().complete(answered(200));
        running.get(1).permit().complete(answered(200));
        assertThat(d.outcome()).as("in-flight 1 is not below the limit 1").isNull();
        running.get(2).permit().complete(answered(200));
        assertThat(d.outcome().admitted()).isTrue();
        assertThat(t.inFlight()).isEqualTo(1);
        assertThat(t.statusView().maxConcurrent()).isEqualTo(1);
    }

    @Test
    void aLimitThatRisesIsHandedToTheWaitersByTheNextCompletion() {
        ScriptedLimit limit = new ScriptedLimit(1);
        ThrottleStage t = stage(limit, 5);
        Admission running = admit(t);
        Deferral first = (Deferral) admit(t);
        Deferral second = (Deferral) admit(t);
        limit.current = 3;
        assertThat(first.outcome()).as("the limit does not wake anyone by itself").isNull();
        running.permit().complete(answered(200));
        assertThat(first.outcome().admitted()).isTrue();
        assertThat(second.outcome().admitted()).isTrue();
        assertThat(t.inFlight()).isEqualTo(2);
        assertThat(admit(t).admitted()).as("the third slot of the new limit").isTrue();
    }

    @Test
    void everyCompletionIsOneSampleAndAReleaseIsNone() {
        ScriptedLimit limit = new ScriptedLimit(2);
        ThrottleStage t = stage(limit, 5);
        long granted = clock.nanoTime();
        Admission a = admit(t);
        Admission b = admit(t);
        clock.advance(Duration.ofMillis(40));
        a.permit().complete(answered(200));
        a.permit().complete(answered(200));
        a.permit().release();
        b.permit().release();
        b.permit().complete(answered(200));
        assertThat(limit.samples).hasSize(1);
        assertThat(limit.samples.get(0)).containsExactly(granted, Duration.ofMillis(40).toNanos(), 1, 0);
    }

    @Test
    void timeoutsFailuresAnd5xxAreDropsAndAGrantedWaiterIsTimedFromItsGrant() {
        ScriptedLimit limit = new ScriptedLimit(1);
        ThrottleStage t = stage(limit, 5);
        Admission a = admit(t);
        Deferral waiter = (Deferral) admit(t);
        clock.advance(Duration.ofMillis(10));
        a.permit().complete(answered(503));
        long grantedAt = clock.nanoTime();
        clock.advance(Duration.ofMillis(5));
        waiter.outcome().permit().complete(new Outcome(0, null, grantedAt, clock.nanoTime(), true));
        Admission c = admit(t);
        c.permit().complete(new Outcome(0, new IllegalStateException("boom"), clock.nanoTime(), clock.nanoTime(),
                false));
        Admission d = admit(t);
        d.permit().complete(answered(404));
        assertThat(limit.samples).hasSize(4);
        assertThat(limit.samples.get(0)[3]).as("503").isEqualTo(1);
        assertThat(limit.samples.get(1)).as("timed out, from its grant").containsExactly(grantedAt,
                Duration.ofMillis(5).toNanos(), 1, 1);
        assertThat(limit.samples.get(2)[3]).as("threw").isEqualTo(1);
        assertThat(limit.samples.get(3)[3]).as("404 is the client's, not overload").isZero();
    }

    @Test
    void retryAfterIsEstimatedFromTheCurrentLimit() {
        ScriptedLimit limit = new ScriptedLimit(1);
        ThrottleStage t = stage(limit, 0);
        Admission a = admit(t);
        clock.advance(Duration.ofSeconds(8));
        a.permit().complete(answered(200));
        Admission b = admit(t);
        // mean service: 100ms + (8s - 100ms) / 8 = 1.0875s; one in the queue's place over limit 1: 2s
        assertThat(admit(t).rejection().header("Retry-After")).isEqualTo("2");
        limit.current = 2;
        admit(t);
        assertThat(admit(t).rejection().header("Retry-After")).isEqualTo("1");
        b.permit().release();
    }

    @Test
    void shadowModeRefusesAndDelaysNothingButCountsWhatItWouldHaveRefusedAndStillFeedsTheLimit() {
        ScriptedLimit limit = new ScriptedLimit(1);
        ThrottleStage t = ThrottleStage.builder("api").limit(limit).queue(1).shadow(true).clock(clock).build();
        SeawallMeters.bind(meters, t);
        List<Admission> admitted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Admission a = admit(t);
            assertThat(a.admitted()).as("request %d", i).isTrue();
            assertThat(a.deferred()).isFalse();
            admitted.add(a);
        }
        // 1 inside the limit, 1 would have waited in the queue of 1, 3 would have been refused as queue-full
        assertThat(t.wouldReject(ThrottleStage.Reason.QUEUE_FULL)).isEqualTo(3);
        assertThat(t.rejections(ThrottleStage.Reason.QUEUE_FULL)).isZero();
        assertThat(t.inFlight()).isEqualTo(5);
        assertThat(meters.get("seawall.throttle.decisions").tags("policy", "api", "outcome", "would-reject",
                "reason", "queue-full").functionCounter().count()).isEqualTo(3);
        assertThat(meters.get("seawall.throttle.rejections").tags("reason", "queue-full").functionCounter().count())
                .isZero();
        admitted.forEach(a -> a.permit().complete(answered(200)));
        assertThat(limit.samples).hasSize(5);
        assertThat(limit.samples.stream().mapToLong(s -> s[2]).max().orElseThrow()).isEqualTo(5);
        assertThat(t.inFlight()).isZero();
        ThrottleStatus status = t.statusView();
        assertThat(status.mode()).isEqualTo("shadow");
        assertThat(status.wouldReject()).isEqualTo(3);
        assertThat(status.adaptive()).isTrue();
        assertThat(meters.get("seawall.throttle.latency").tags("policy", "api", "estimate", "recent").gauge().value())
                .isEqualTo(0.0035);
        assertThat(meters.get("seawall.throttle.limit").tags("policy", "api").gauge().value()).isEqualTo(1);
    }

    @Test
    void shadowModeCountsKeyLimitAndShedDecisionsToo() {
        ThrottleStage perKey = ThrottleStage.builder("api").maxConcurrent(4).queue(10).shadow(true).clock(clock)
                .fairShare(new ApiKeyResolver(null), 1).build();
        List<Admission> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(perKey.admit(FakeRequest.get("/").header("X-API-Key", "k1"), clock.nanoTime()));
        }
        assertThat(held).allMatch(Admission::admitted);
        assertThat(perKey.wouldReject(ThrottleStage.Reason.KEY_LIMIT)).as("one slot and one queue place").isEqualTo(1);
        held.forEach(a -> a.permit().complete(answered(200)));
        assertThat(perKey.inFlight()).isZero();

        PriorityClassifier sheddable = r -> PriorityClassifier.LOW;
        ThrottleStage shed = ThrottleStage.builder("api").maxConcurrent(1).queue(0).shadow(true).clock(clock)
                .criticality(sheddable, 0, new ClientIpResolver(TrustedProxies.none(), 64), Duration.ofMinutes(5))
                .build();
        int shedSeen = 0;
        for (int i = 0; i < 40 && shedSeen == 0; i++) {
            clock.advance(Duration.ofMillis(100));
            for (int ip = 0; ip < 50; ip++) {
                assertThat(shed.admit(FakeRequest.get("/").from("192.0.2." + ip), clock.nanoTime()).admitted())
                        .isTrue();
            }
            shedSeen = (int) shed.wouldReject(ThrottleStage.Reason.SHED);
        }
        assertThat(shedSeen).as("queue-full would-rejects raise the level, which then sheds").isPositive();
        assertThat(shed.rejections(ThrottleStage.Reason.SHED)).isZero();
        assertThat(shed.shedLevel("sheddable")).isPositive();
    }

    @Test
    void manyThreadsAdmittingAndCompletingNeverExceedTheLimitAndNeverLoseAWaiter() throws Exception {
        ScriptedLimit limit = new ScriptedLimit(3);
        hammer(limit, false);
    }

    @Test
    void aLimitMovingUnderManyThreadsNeverLetsMoreInThanItsHighestValueAndNeverStrandsAWaiter() throws Exception {
        ScriptedLimit limit = new ScriptedLimit(3);
        hammer(limit, true);
    }

    /** Eight threads admit and complete; with {@code moving}, they also move the limit between 1 and 3. */
    private void hammer(ScriptedLimit limit, boolean moving) throws Exception {
        int threads = 8;
        int rounds = 3000;
        ThrottleStage t = stage(limit, 4);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        if (moving && i % 50 == 0) {
                            limit.current = 1 + (i / 50) % 3;
                        }
                        Admission a = t.admit(FakeRequest.get("/api"), clock.nanoTime());
                        if (a.deferred()) {
                            Deferral d = (Deferral) a;
                            CountDownLatch decided = new CountDownLatch(1);
                            d.onDecided(decided::countDown);
                            // a lost wake-up would hang here: nothing expires on the manual clock
                            assertThat(decided.await(30, TimeUnit.SECONDS)).as("waiter decided").isTrue();
                            a = d.outcome();
                        }
                        if (a.admitted()) {
                            int now = inside.incrementAndGet();
                            maxInside.accumulateAndGet(now, Math::max);
                            inside.decrementAndGet();
                            a.permit().complete(answered(200));
                            completed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(maxInside.get()).isLessThanOrEqualTo(3);
        assertThat(t.inFlight()).isZero();
        assertThat(t.queued()).isZero();
        assertThat(limit.samples).hasSize(completed.get());
        assertThat(completed.get()).isPositive();
    }
}
