package dev.seawall.core.ratelimit;

import dev.seawall.core.time.ManualClock;
import io.github.bucket4j.ConsumptionProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviour every {@link BucketStore} must have, run against each implementation (the local store here, the
 * Redis store in {@code redis-store}). Time is the injected {@link #clock}; a store under test must take its time
 * from it.
 */
public abstract class BucketStoreContract {

    /** The clock every store under test reads. */
    protected final ManualClock clock = new ManualClock();

    /** @return the store under test (one per test) */
    protected abstract BucketStore store();

    private static int specs;

    /** A fresh (limit, plan) so that tests sharing a backend do not see each other's buckets. */
    protected BucketStore.Buckets buckets(Rate... rates) {
        return store().buckets(new BucketSpec("contract", "limit" + (++specs), "default", List.of(rates), 10_000,
                clock));
    }

    private static Rate rate(long n, Duration d) {
        return new Rate(n, d);
    }

    @Test
    void admitsTheCapacityThenRejectsWithTheWaitForOneToken() {
        BucketStore.Buckets b = buckets(rate(5, Duration.ofMinutes(1)));
        for (int i = 4; i >= 0; i--) {
            ConsumptionProbe p = b.tryConsumeOne("192.0.2.1");
            assertThat(p.isConsumed()).isTrue();
            assertThat(p.getRemainingTokens()).isEqualTo(i);
        }
        ConsumptionProbe sixth = b.tryConsumeOne("192.0.2.1");
        assertThat(sixth.isConsumed()).isFalse();
        assertThat(sixth.getNanosToWaitForRefill()).isBetween(Duration.ofSeconds(12).toNanos() - 1_000_000,
                Duration.ofSeconds(12).toNanos() + 1_000_000);
    }

    @Test
    void aCostTakesThatManyTokensAtOnceOrNoneAndWaitsForThemAll() {
        BucketStore.Buckets b = buckets(rate(5, Duration.ofMinutes(1)));
        ConsumptionProbe first = b.tryConsume("192.0.2.1", 3);
        assertThat(first.isConsumed()).isTrue();
        assertThat(first.getRemainingTokens()).isEqualTo(2);
        ConsumptionProbe second = b.tryConsume("192.0.2.1", 3);
        assertThat(second.isConsumed()).as("2 left, 3 asked").isFalse();
        assertThat(second.getRemainingTokens()).isEqualTo(2);
        // one token more is needed, and one arrives every 12 s
        assertThat(second.getNanosToWaitForRefill()).isBetween(Duration.ofSeconds(12).toNanos() - 1_000_000,
                Duration.ofSeconds(12).toNanos() + 1_000_000);
        assertThat(b.tryConsume("192.0.2.1", 2).getRemainingTokens()).as("the refused cost took nothing").isZero();
        b.refund("192.0.2.1", 4);
        ConsumptionProbe afterRefund = b.tryConsume("192.0.2.1", 4);
        assertThat(afterRefund.isConsumed()).isTrue();
        assertThat(afterRefund.getRemainingTokens()).isZero();
        b.refund("192.0.2.1", 50);
        assertThat(b.tryConsume("192.0.2.1", 1).getRemainingTokens()).as("a refund is capped at capacity")
                .isEqualTo(4);
    }

    @Test
    void refillsGreedilyOverTime() {
        BucketStore.Buckets b = buckets(rate(5, Duration.ofMinutes(1)));
        for (int i = 0; i < 5; i++) {
            b.tryConsumeOne(7L);
        }
        assertThat(b.tryConsumeOne(7L).isConsumed()).isFalse();
        clock.advance(Duration.ofSeconds(11));
        assertThat(b.tryConsumeOne(7L).isConsumed()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.tryConsumeOne(7L).isConsumed()).isTrue();
        clock.advance(Duration.ofMinutes(5));
        for (int i = 0; i < 5; i++) {
            assertThat(b.tryConsumeOne(7L).isConsumed()).as("full again, never more than capacity").isTrue();
        }
        assertThat(b.tryConsumeOne(7L).isConsumed()).isFalse();
    }

    @Test
    void keysAreIndependent() {
        BucketStore.Buckets b = buckets(rate(1, Duration.ofHours(1)));
        assertThat(b.tryConsumeOne("192.0.2.1").isConsumed()).isTrue();
        assertThat(b.tryConsumeOne("192.0.2.1").isConsumed()).isFalse();
        assertThat(b.tryConsumeOne("192.0.2.2").isConsumed()).isTrue();
        assertThat(b.tryConsumeOne(42L).isConsumed()).isTrue();
        assertThat(b.tryConsumeOne(43L).isConsumed()).isTrue();
    }

    @Test
    void aRefundGivesOneTokenBackAndNeverOverfills() {
        BucketStore.Buckets b = buckets(rate(2, Duration.ofHours(1)));
        b.refundOne("192.0.2.9"); // a bucket that does not exist is full: nothing to give back
        b.tryConsumeOne("192.0.2.9");
        b.tryConsumeOne("192.0.2.9");
        assertThat(b.tryConsumeOne("192.0.2.9").isConsumed()).isFalse();
        b.refundOne("192.0.2.9");
        assertThat(b.tryConsumeOne("192.0.2.9").isConsumed()).isTrue();
        assertThat(b.tryConsumeOne("192.0.2.9").isConsumed()).isFalse();

        BucketStore.Buckets c = buckets(rate(2, Duration.ofHours(1)));
        c.tryConsumeOne("192.0.2.9");
        c.refundOne("192.0.2.9");
        c.refundOne("192.0.2.9");
        assertThat(c.tryConsumeOne("192.0.2.9").getRemainingTokens()).as("capped at capacity").isEqualTo(1);
    }

    @Test
    void everyBandwidthIsEnforced() {
        BucketStore.Buckets b = buckets(rate(2, Duration.ofSeconds(1)), rate(3, Duration.ofMinutes(1)));
        assertThat(b.tryConsumeOne(1L).isConsumed()).isTrue();
        assertThat(b.tryConsumeOne(1L).isConsumed()).isTrue();
        assertThat(b.tryConsumeOne(1L).isConsumed()).as("2 per second").isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.tryConsumeOne(1L).isConsumed()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        ConsumptionProbe fourth = b.tryConsumeOne(1L);
        assertThat(fourth.isConsumed()).as("3 per minute").isFalse();
        assertThat(fourth.getNanosToWaitForRefill()).isGreaterThan(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void concurrentDecisionsOnOneKeyAdmitExactlyTheCapacity() throws Exception {
        BucketStore.Buckets b = buckets(rate(500, Duration.ofHours(1)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    int admitted = 0;
                    for (int i = 0; i < 100; i++) {
                        if (b.tryConsumeOne("198.51.100.7").isConsumed()) {
                            admitted++;
                        }
                    }
                    return admitted;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(500);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBucketWithOtherRatesStartsAfresh() {
        BucketStore.Buckets before = buckets(rate(1, Duration.ofHours(1)));
        assertThat(before.tryConsumeOne(5L).isConsumed()).isTrue();
        assertThat(before.tryConsumeOne(5L).isConsumed()).isFalse();
        BucketStore.Buckets after = store().buckets(new BucketSpec("contract", "changing", "default",
                List.of(rate(3, Duration.ofHours(1))), 100, clock));
        assertThat(after.tryConsumeOne(5L).getRemainingTokens()).isEqualTo(2);
    }
}
