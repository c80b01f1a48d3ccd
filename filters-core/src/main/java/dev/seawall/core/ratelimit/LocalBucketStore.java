package dev.seawall.core.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Buckets in this JVM: a Caffeine cache per (limit, plan) from key to a {@link CompactBucket}.
 *
 * <ul>
 *   <li>All buckets of one (limit, plan) share one {@link BucketConfiguration}, so a bucket costs only its
 *       state.</li>
 *   <li><b>Bounded, and eviction loses nothing.</b> Each cache holds at most {@code maxKeys} entries and expires
 *       an entry after {@code longest period} without access. Greedy refill restores a whole bandwidth in one
 *       period, so an entry idle that long is full, and recreating it full changes nothing. When the size bound is
 *       hit first (a flood of one-shot keys), Caffeine's W-TinyLFU evicts the rarely seen keys and keeps the
 *       frequent ones, so legitimate clients keep their state.</li>
 *   <li>Cache maintenance runs on the calling thread (no background executor), which keeps behaviour
 *       deterministic under a fake clock.</li>
 * </ul>
 * Thread-safe and stateless itself (the state is in the {@link Buckets} it hands out): one shared
 * {@link #INSTANCE}. Cost per decision: one cache lookup and one compare-and-set on the key's bucket.
 */
public final class LocalBucketStore implements BucketStore {

    /** The local store; it holds no state of its own. */
    public static final LocalBucketStore INSTANCE = new LocalBucketStore();

    private LocalBucketStore() {
    }

    @Override
    public Buckets buckets(BucketSpec spec) {
        return new LocalBuckets(spec);
    }

    @Override
    public String describe() {
        return "local";
    }

    /** One (limit, plan)'s buckets. Thread-safe; contention is per key. */
    private static final class LocalBuckets implements Buckets {
        private final Cache<Object, CompactBucket> cache;
        private final Function<Object, CompactBucket> factory;
        private final NanoClock clock;

        LocalBuckets(BucketSpec spec) {
            this.clock = spec.clock();
            List<Bandwidth> bandwidths = new ArrayList<>();
            Duration longest = Duration.ZERO;
            for (Rate r : spec.rates()) {
                bandwidths.add(Bandwidth.builder().capacity(r.tokens()).refillGreedy(r.tokens(), r.period()).build());
                if (r.period().compareTo(longest) > 0) {
                    longest = r.period();
                }
            }
            BucketConfiguration configuration = new BucketConfiguration(bandwidths);
            NanoClock c = clock;
            this.factory = k -> new CompactBucket(configuration, c.nanoTime());
            this.cache = Caffeine.newBuilder()
                    .maximumSize(spec.maxKeys())
                    .expireAfterAccess(longest)
                    .ticker(clock::nanoTime)
                    .executor(Runnable::run)
                    .build();
        }

        @Override
        public ConsumptionProbe tryConsumeOne(Object key) {
            return cache.get(key, factory).tryConsumeOne(clock);
        }

        @Override
        public void refundOne(Object key) {
            // an evicted bucket was full (or will be recreated full): nothing to give back
            CompactBucket bucket = cache.getIfPresent(key);
            if (bucket != null) {
                bucket.addTokens(1, clock);
            }
        }

        @Override
        public long trackedKeys() {
            return cache.estimatedSize();
        }

        @Override
        public void cleanUp() {
            cache.cleanUp();
        }
    }
}
