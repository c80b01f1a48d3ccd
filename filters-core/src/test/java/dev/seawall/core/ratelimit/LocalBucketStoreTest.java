package dev.seawall.core.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The bucket-store contract for the in-JVM store, plus its own bound. */
class LocalBucketStoreTest extends BucketStoreContract {

    @Override
    protected BucketStore store() {
        return LocalBucketStore.INSTANCE;
    }

    @Test
    void holdsAtMostMaxKeys() {
        BucketStore.Buckets b = store().buckets(new BucketSpec("p", "l", "default",
                List.of(new Rate(1, Duration.ofHours(1))), 100, clock));
        for (long k = 0; k < 10_000; k++) {
            b.tryConsumeOne(k);
        }
        b.cleanUp();
        assertThat(b.trackedKeys()).isLessThanOrEqualTo(100);
    }

    /**
     * A busy key is read without recording the access, except once per {@link LocalBucketStore#RECORD_EVERY_NANOS}:
     * that must be enough to keep its bucket. Recreating it (as if idle) would hand out a whole capacity again.
     */
    @Test
    void aBusyKeyKeepsItsBucketAlthoughItsAccessIsRecordedOnlyOncePerInterval() {
        BucketStore.Buckets b = buckets(new Rate(10, Duration.ofSeconds(1)));
        int admitted = 0;
        for (int i = 0; i < 30_000; i++) { // one request every 100 µs for 3 s
            if (b.tryConsumeOne("203.0.113.9").isConsumed()) {
                admitted++;
            }
            clock.advance(Duration.ofNanos(100_000));
        }
        // the capacity once, then the refill of 3 s; a recreated bucket would add another 10
        assertThat(admitted).isBetween(39, 41);
        b.cleanUp();
        assertThat(b.trackedKeys()).isEqualTo(1);
    }

    /**
     * A bucket emptied just after its last recorded access refills a moment later than one period after that access;
     * it must not expire (and come back full) before then. For a period under a second Caffeine records every access
     * it is told of and only this store's own interval lags: 20 tokens taken 1 ms after the recorded access (not recorded: not later than the interval,
     * fewer than {@link LocalBucketStore#RECORD_EVERY_READS} reads), so the bucket is full only at 21 ms. At 20.5 ms it
     * must still be there with 19 tokens, not recreated with 20.
     */
    @Test
    void aShortPeriodsBucketOutlivesTheIntervalByWhichItsLastAccessMayGoUnrecorded() {
        BucketStore.Buckets b = buckets(new Rate(20, Duration.ofMillis(20)));
        assertThat(b.tryConsumeOne("k").isConsumed()).isTrue(); // creates it: recorded at 0
        clock.advance(Duration.ofNanos(LocalBucketStore.RECORD_EVERY_NANOS));
        int taken = 0;
        while (b.tryConsumeOne("k").isConsumed()) {
            taken++;
        }
        assertThat(taken).isEqualTo(20); // 19 left plus the token refilled in 1 ms
        clock.advance(Duration.ofNanos(19_500_000)); // 20.5 ms after the recorded access
        int later = 0;
        while (b.tryConsumeOne("k").isConsumed()) {
            later++;
        }
        assertThat(later).isEqualTo(19); // refilled for 19.5 ms, not recreated full
    }

    /**
     * Caffeine records an access only when the recorded one is more than a second old, so for a per-minute limit
     * the last real access can be a second later than the recorded one. The entry must still live until the bucket
     * has refilled: here a token refilled 1 s after the recorded access is taken, so the bucket is full only at 61 s.
     */
    @Test
    void aLongPeriodsBucketOutlivesTheSecondByWhichCaffeineMayRecordAnAccessLate() {
        BucketStore.Buckets b = buckets(new Rate(60, Duration.ofMinutes(1)));
        for (int i = 0; i < 60; i++) {
            assertThat(b.tryConsumeOne("k").isConsumed()).isTrue();
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.tryConsumeOne("k").isConsumed()).isTrue(); // the refilled token; the access is not recorded
        clock.advance(Duration.ofMillis(59_500)); // 60.5 s
        int later = 0;
        while (b.tryConsumeOne("k").isConsumed()) {
            later++;
        }
        assertThat(later).isEqualTo(59); // 59.5 tokens refilled since 1 s, not a new bucket's 60
    }

    @Test
    void anIdleBucketStaysUntilItHasRefilledAndGoesOnceTheMarginHasPassed() {
        assertThat(LocalBucketStore.idleFor(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(2001));
        assertThat(LocalBucketStore.idleFor(Duration.ofMillis(500))).isEqualTo(Duration.ofMillis(501));
        BucketStore.Buckets b = buckets(new Rate(5, Duration.ofSeconds(1)));
        b.tryConsumeOne("idle");
        clock.advance(Duration.ofSeconds(2));
        b.cleanUp();
        assertThat(b.trackedKeys()).isEqualTo(1);
        clock.advance(Duration.ofNanos(LocalBucketStore.RECORD_EVERY_NANOS));
        b.cleanUp();
        assertThat(b.trackedKeys()).isZero();
    }

    @Test
    void dividesCapacityByNodesRoundingUp() {
        BucketSpec spec = new BucketSpec("p", "l", "default", List.of(new Rate(10, Duration.ofMinutes(1)),
                new Rate(1, Duration.ofSeconds(1))), 100, clock);
        assertThat(spec.dividedBy(3).rates()).containsExactly(new Rate(4, Duration.ofMinutes(1)),
                new Rate(1, Duration.ofSeconds(1)));
        assertThat(spec.dividedBy(1)).isSameAs(spec);
    }
}
