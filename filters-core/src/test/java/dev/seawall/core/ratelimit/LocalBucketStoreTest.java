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

    @Test
    void dividesCapacityByNodesRoundingUp() {
        BucketSpec spec = new BucketSpec("p", "l", "default", List.of(new Rate(10, Duration.ofMinutes(1)),
                new Rate(1, Duration.ofSeconds(1))), 100, clock);
        assertThat(spec.dividedBy(3).rates()).containsExactly(new Rate(4, Duration.ofMinutes(1)),
                new Rate(1, Duration.ofSeconds(1)));
        assertThat(spec.dividedBy(1)).isSameAs(spec);
    }
}
