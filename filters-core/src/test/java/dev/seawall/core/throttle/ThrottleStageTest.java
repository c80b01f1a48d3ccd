package dev.seawall.core.throttle;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Deferral;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.ratelimit.LimitSpec;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottleStageTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private ThrottleStageBuilder throttle(int max, int queue) {
        return ThrottleStage.builder("reports").maxConcurrent(max).queue(queue).maxWait(Duration.ofSeconds(2))
                .clock(clock);
    }

    /** Binds the stage's meters to this test's registry, as an engine does when it takes the stage into service. */
    private ThrottleStage bind(ThrottleStage stage) {
        SeawallMeters.bind(meters, stage);
        return stage;
    }

    private Admission admit(ThrottleStage t) {
        return t.admit(FakeRequest.get("/reports"), clock.nanoTime());
    }

    private Outcome ok() {
        return new Outcome(200, null, clock.nanoTime(), clock.nanoTime(), false);
    }

    /** Registers a callback recording the order in which waiters are decided. */
    private static Deferral watch(Admission a, List<String> order, String name) {
        assertThat(a.deferred()).as(name).isTrue();
        Deferral d = (Deferral) a;
        d.onDecided(() -> order.add(name));
        return d;
    }

    @Test
    void admitsUpToMaxConcurrentThenQueuesThenRefusesWith503() {
        ThrottleStage t = bind(throttle(2, 1).build());
        Admission a = admit(t);
        Admission b = admit(t);
        assertThat(a.admitted()).isTrue();
        assertThat(b.admitted()).isTrue();
        Admission c = admit(t);
        assertThat(c.deferred()).isTrue();
        Rejection d = admit(t).rejection();
        assertThat(d.status()).isEqualTo(503);
        assertThat(d.type()).endsWith("temporary-reduced-capacity");
        assertThat(d.extensions()).containsEntry("reason", "queue-full").containsEntry("policy", "reports");
        assertThat(Long.parseLong(d.header("Retry-After"))).isGreaterThanOrEqualTo(1);
        assertThat(t.inFlight()).isEqualTo(2);
        assertThat(t.queued()).isEqualTo(1);
        assertThat(meters.get("seawall.throttle.rejections").tag("reason", "queue-full").functionCounter().count()).isEqualTo(1);
    }

    @Test
    void aFreedSlotGoesToTheOldestWaiter() {
        ThrottleStage t = bind(throttle(1, 3).build());
        Admission running = admit(t);
        List<String> order = new ArrayList<>();
        Deferral first = watch(admit(t), order, "first");
        Deferral second = watch(admit(t), order, "second");
        running.permit().complete(ok());
        assertThat(order).containsExactly("first");
        assertThat(first.outcome().admitted()).isTrue();
        assertThat(second.outcome()).isNull();
        first.outcome().permit().complete(ok());
        assertThat(order).containsExactly("first", "second");
        second.outcome().permit().release();
        assertThat(t.inFlight()).isZero();
        assertThat(t.queued()).isZero();
    }

    @Test
    void higherClassesAreResumedFirst() {
        PriorityClassifier byHeader = r -> PriorityClassifier.parse(r.header("X-Priority")) < 0
                ? PriorityClassifier.NORMAL : PriorityClassifier.parse(r.header("X-Priority"));
        ThrottleStage t = bind(throttle(1, 5).classifier(byHeader).build());
        Admission running = admit(t);
        List<String> order = new ArrayList<>();
        Deferral low = watch(t.admit(FakeRequest.get("/").header("X-Priority", "low"), 0), order, "low");
        Deferral normal = watch(t.admit(FakeRequest.get("/"), 0), order, "normal");
        Deferral high = watch(t.admit(FakeRequest.get("/").header("X-Priority", "high"), 0), order, "high");
        running.permit().complete(ok());
        high.outcome().permit().complete(ok());
        normal.outcome().permit().complete(ok());
        low.outcome().permit().complete(ok());
        assertThat(order).containsExactly("high", "normal", "low");
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void aWaitLongerThanMaxWaitIsRefusedEvenWithoutAnyRelease() {
        ThrottleStage t = bind(throttle(1, 5).build());
        admit(t);
        List<String> order = new ArrayList<>();
        Deferral d = watch(admit(t), order, "waiter");
        clock.advance(Duration.ofMillis(1999));
        d.expire(clock.nanoTime());
        assertThat(d.outcome()).isNull();
        clock.advance(Duration.ofMillis(1));
        d.expire(clock.nanoTime());
        assertThat(order).containsExactly("waiter");
        assertThat(d.outcome().rejection().extensions()).containsEntry("reason", "wait-expired");
        assertThat(t.queued()).isZero();
        assertThat(meters.get("seawall.throttle.rejections").tag("reason", "wait-expired").functionCounter().count()).isEqualTo(1);
    }

    @Test
    void lowPriorityWaitersAreNotStarvedForeverTheyGetTheir503AtMaxWait() {
        PriorityClassifier lowIfHeader = r -> r.header("X-Low") != null ? PriorityClassifier.LOW : PriorityClassifier.HIGH;
        ThrottleStage t = bind(throttle(1, 10).classifier(lowIfHeader).build());
        Admission running = admit(t);
        Deferral low = (Deferral) t.admit(FakeRequest.get("/").header("X-Low", "1"), clock.nanoTime());
        // a steady stream of high-priority work keeps taking the slot
        for (int i = 0; i < 5; i++) {
            Deferral high = (Deferral) admit(t);
            clock.advance(Duration.ofMillis(300));
            running.permit().complete(ok());
            assertThat(high.outcome().admitted()).isTrue();
            running = high.outcome();
        }
        assertThat(low.outcome()).isNull();
        clock.advance(Duration.ofMillis(600));
        admit(t); // any queue activity expires overdue waiters
        assertThat(low.outcome().rejection().status()).isEqualTo(503);
    }

    @Test
    void fairShareKeepsOneKeyFromTakingEverySlot() {
        ThrottleStage t = bind(throttle(3, 10).fairShare(new ApiKeyResolver(null), 1).build());
        FakeRequest a = FakeRequest.get("/").header("X-API-Key", "tenant-a");
        FakeRequest b = FakeRequest.get("/").header("X-API-Key", "tenant-b");
        Admission a1 = t.admit(a, 0);
        assertThat(a1.admitted()).isTrue();
        Admission a2 = t.admit(a, 0);
        assertThat(a2.deferred()).as("tenant-a is at its share although slots are free").isTrue();
        assertThat(t.admit(a, 0).rejection().extensions()).containsEntry("reason", "key-limit");
        // b is not stuck behind a's waiter: a free slot goes to it at once
        Admission b1 = t.admit(b, 0);
        assertThat(b1.admitted()).isTrue();
        assertThat(t.inFlight()).isEqualTo(2);
        a1.permit().complete(ok());
        assertThat(((Deferral) a2).outcome().admitted()).isTrue();
    }

    @Test
    void cancellingAWaiterFreesItsPlaceAndCancellingAfterAGrantReleasesTheSlot() {
        ThrottleStage t = bind(throttle(1, 1).build());
        Admission running = admit(t);
        Deferral waiting = (Deferral) admit(t);
        assertThat(admit(t).rejection()).isNotNull(); // queue full
        waiting.cancel();
        assertThat(t.queued()).isZero();
        assertThat(waiting.outcome().rejection().extensions()).containsEntry("reason", "cancelled");
        Deferral next = (Deferral) admit(t);
        running.permit().complete(ok());
        assertThat(next.outcome().admitted()).isTrue();
        next.cancel(); // client went away after the grant: the slot must come back
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void aPermitIsFreedOnceEvenWhenCompletedAndReleasedConcurrently() throws Exception {
        ThrottleStage t = bind(throttle(4, 0).build());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 2_000; i++) {
                Admission a = admit(t);
                CountDownLatch go = new CountDownLatch(1);
                Future<?> f1 = pool.submit(() -> { go.await(); a.permit().complete(ok()); return null; });
                Future<?> f2 = pool.submit(() -> { go.await(); a.permit().release(); return null; });
                go.countDown();
                f1.get(10, TimeUnit.SECONDS);
                f2.get(10, TimeUnit.SECONDS);
                assertThat(t.inFlight()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void inTheChainAGrantResumesTheWalkAndARefusalRefundsEarlierLimits() {
        RateLimitStage limits = RateLimitStage.builder("reports").clock(clock)
                .limit(LimitSpec.builder("ip", new ClientIpResolver(TrustedProxies.none(), 64))
                        .rates(List.of(new Rate(2, Duration.ofHours(1)))).build()).build();
        ThrottleStage t = bind(throttle(1, 1).build());
        var chain = ChainBuilder.create().add(t).add(limits).build(); // sorted: rate limits first
        FakeRequest req = FakeRequest.get("/").from("192.0.2.1");
        Exchange running = chain.admit(req, clock.nanoTime());
        assertThat(running.admitted()).isTrue();
        Exchange waiting = chain.admit(req, clock.nanoTime());
        assertThat(waiting.pending()).isTrue();
        running.complete(ok());
        waiting.resume(req, clock.nanoTime());
        assertThat(waiting.admitted()).isTrue();
        waiting.complete(ok());

        // a refusal after waiting gives the rate-limit token back
        Exchange third = chain.admit(FakeRequest.get("/").from("192.0.2.9"), clock.nanoTime());
        Exchange queued = chain.admit(FakeRequest.get("/").from("192.0.2.9"), clock.nanoTime());
        assertThat(queued.pending()).isTrue();
        clock.advance(Duration.ofSeconds(3));
        queued.deferral().expire(clock.nanoTime());
        queued.resume(req, clock.nanoTime());
        assertThat(queued.rejection().status()).isEqualTo(503);
        third.complete(ok());
        assertThat(chain.admit(FakeRequest.get("/").from("192.0.2.9"), clock.nanoTime()).admitted()).isTrue();
    }

    @Test
    void releasingAPendingExchangeLeavesTheQueue() {
        ThrottleStage t = bind(throttle(1, 2).build());
        var chain = ChainBuilder.create().add(t).build();
        Exchange running = chain.admit(FakeRequest.get("/"), 0);
        Exchange waiting = chain.admit(FakeRequest.get("/"), 0);
        assertThat(t.queued()).isEqualTo(1);
        waiting.release();
        assertThat(t.queued()).isZero();
        running.complete(ok());
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void retryAfterGrowsWithObservedServiceTimeAndQueueLength() {
        ThrottleStage t = bind(throttle(1, 3).build());
        for (int i = 0; i < 40; i++) {
            Admission a = admit(t);
            clock.advance(Duration.ofSeconds(2));
            a.permit().complete(new Outcome(200, null, clock.nanoTime() - 2_000_000_000L, clock.nanoTime(), false));
        }
        admit(t);
        admit(t);
        admit(t);
        admit(t);
        Rejection full = admit(t).rejection();
        // ~2 s per request, 3 queued + this one, one slot: about 8 s
        assertThat(Long.parseLong(full.header("Retry-After"))).isBetween(6L, 9L);
    }

    @Test
    void stressNeverExceedsTheLimitsAndEndsEmpty() throws Exception {
        int max = 4;
        int queue = 16;
        ThrottleStage t = ThrottleStage.builder("stress").maxConcurrent(max).queue(queue).maxWait(Duration.ofSeconds(30))
                .build();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger maxQueued = new AtomicInteger();
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int th = 0; th < threads; th++) {
                int seed = th;
                futures.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 500; i++) {
                        Admission a = t.admit(FakeRequest.get("/"), System.nanoTime());
                        maxQueued.accumulateAndGet(t.queued(), Math::max);
                        if (a.rejection() != null) {
                            continue;
                        }
                        Admission granted = a;
                        if (a.deferred()) {
                            Deferral d = (Deferral) a;
                            if (random.nextInt(5) == 0) {
                                d.cancel();
                                continue;
                            }
                            CountDownLatch decided = new CountDownLatch(1);
                            d.onDecided(decided::countDown);
                            if (!decided.await(30, TimeUnit.SECONDS)) {
                                throw new AssertionError("lost wake-up");
                            }
                            granted = d.outcome();
                            if (granted.rejection() != null) {
                                continue;
                            }
                        }
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.onSpinWait();
                        inside.decrementAndGet();
                        if (random.nextBoolean()) {
                            granted.permit().complete(new Outcome(200, null, 0, 1, false));
                        } else {
                            granted.permit().release();
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
        assertThat(maxInside.get()).isLessThanOrEqualTo(max);
        assertThat(maxQueued.get()).isLessThanOrEqualTo(queue);
        assertThat(t.inFlight()).isZero();
        assertThat(t.queued()).isZero();
    }

    @Test
    void stressWithFairSharePrioritiesAndCancelsFromOtherThreadsNeverExceedsABoundAndEndsEmpty() throws Exception {
        int max = 4;
        int perKey = 2;
        int queue = 12;
        ThrottleStage t = bind(ThrottleStage.builder("fair-stress").maxConcurrent(max).queue(queue)
                .maxWait(Duration.ofSeconds(30)).classifier(r -> Integer.parseInt(r.header("X-Priority")))
                .fairShare(new ApiKeyResolver(null), perKey).build());
        String[] keys = {"k1", "k2", "k3", "k4"};
        java.util.Map<String, AtomicInteger> insideByKey = new java.util.concurrent.ConcurrentHashMap<>();
        for (String k : keys) {
            insideByKey.put(k, new AtomicInteger());
        }
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger maxInsideOneKey = new AtomicInteger();
        AtomicInteger maxQueued = new AtomicInteger();
        AtomicInteger cancelsThatWon = new AtomicInteger();
        int threads = 12;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 2);
        // waiters are cancelled by another thread, racing with the grants of releasing threads
        java.util.concurrent.LinkedBlockingQueue<Deferral> toCancel = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            Future<?> canceller = pool.submit(() -> {
                while (!done.get() || !toCancel.isEmpty()) {
                    Deferral d = toCancel.poll(10, TimeUnit.MILLISECONDS);
                    if (d != null) {
                        d.cancel();
                        Admission o = d.outcome();
                        if (o != null && o.rejection() != null
                                && "cancelled".equals(o.rejection().extensions().get("reason"))) {
                            cancelsThatWon.incrementAndGet();
                        }
                    }
                }
                return null;
            });
            List<Future<?>> futures = new ArrayList<>();
            for (int th = 0; th < threads; th++) {
                int seed = th;
                futures.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 400; i++) {
                        String key = keys[random.nextInt(keys.length)];
                        Admission a = t.admit(FakeRequest.get("/").header("X-API-Key", key)
                                .header("X-Priority", Integer.toString(random.nextInt(3))), System.nanoTime());
                        maxQueued.accumulateAndGet(t.queued(), Math::max);
                        if (a.rejection() != null) {
                            continue;
                        }
                        Admission granted = a;
                        if (a.deferred()) {
                            Deferral d = (Deferral) a;
                            CountDownLatch decided = new CountDownLatch(1);
                            d.onDecided(decided::countDown);
                            // an abandoned request never uses its answer: a slot granted before the cancel
                            // arrives is handed back by the cancel
                            boolean abandoned = random.nextInt(4) == 0;
                            if (abandoned) {
                                toCancel.add(d);
                            }
                            if (!decided.await(30, TimeUnit.SECONDS)) {
                                throw new AssertionError("lost wake-up");
                            }
                            granted = d.outcome();
                            if (abandoned || granted.rejection() != null) {
                                continue;
                            }
                        }
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        maxInsideOneKey.accumulateAndGet(insideByKey.get(key).incrementAndGet(), Math::max);
                        Thread.onSpinWait();
                        insideByKey.get(key).decrementAndGet();
                        inside.decrementAndGet();
                        if (random.nextBoolean()) {
                            granted.permit().complete(new Outcome(200, null, 0, 1, false));
                        } else {
                            granted.permit().release();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            done.set(true);
            canceller.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(maxInside.get()).isLessThanOrEqualTo(max);
        assertThat(maxInsideOneKey.get()).isLessThanOrEqualTo(perKey);
        assertThat(maxQueued.get()).isLessThanOrEqualTo(queue);
        assertThat(t.rejections(ThrottleStage.Reason.CANCELLED)).isEqualTo(cancelsThatWon.get());
        assertThat(t.inFlight()).isZero();
        assertThat(t.queued()).isZero();
    }
}
