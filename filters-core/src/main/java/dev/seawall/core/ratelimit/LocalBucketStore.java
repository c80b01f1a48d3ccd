package dev.seawall.core.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
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
 *       an entry once it has not been accessed for {@link #idleFor the longest period and a margin}. Greedy refill
 *       restores a whole bandwidth in one period, so an entry idle that long is full, and recreating it full changes
 *       nothing. The margin covers how late an access may be recorded: Caffeine moves an entry's access time only
 *       when the recorded one is more than a second old (unless the expiry itself is a second or shorter), and this
 *       store records a busy key's access at most once per {@link #RECORD_EVERY_NANOS} (next item). Without it an
 *       entry of a per-minute limit could expire up to a second before it had refilled, and come back full. When
 *       the size bound is hit first (a flood of one-shot keys), Caffeine's W-TinyLFU evicts the rarely seen keys
 *       and keeps the frequent ones, so legitimate clients keep their state.</li>
 *   <li>Cache maintenance runs on the calling thread (no background executor), which keeps behaviour
 *       deterministic under a fake clock.</li>
 *   <li><b>A busy key's accesses are recorded once per {@link #RECORD_EVERY_NANOS}.</b> Recording an access is
 *       the dearer part of a Caffeine read (the access time, a read-buffer slot, and every sixteenth read the
 *       buffer's drain into the eviction policy, all on the request thread), and it tells the cache nothing new
 *       when the same key was recorded a moment ago. So a decision reads the bucket without side effects
 *       ({@link Policy#getIfPresentQuietly}) and records the access only when the last recorded one is older than
 *       that or when {@link #RECORD_EVERY_READS} reads went unrecorded; a key seen less often than once per
 *       millisecond, i.e. nearly every key, is recorded on every request as before, and a busy key on about one
 *       request in 64, so W-TinyLFU still sees it as the frequent key it is (its counter saturates at 15 either
 *       way) while a flood of one-shot keys streams past it.</li>
 * </ul>
 * Thread-safe and stateless itself (the state is in the {@link Buckets} it hands out): one shared
 * {@link #INSTANCE}. Cost per decision: one cache lookup and one compare-and-set on the key's bucket.
 */
public final class LocalBucketStore implements BucketStore {

    /** The local store; it holds no state of its own. */
    public static final LocalBucketStore INSTANCE = new LocalBucketStore();

    /** How long at most a busy key's access goes unrecorded in its cache (its expiry and eviction order). */
    static final long RECORD_EVERY_NANOS = 1_000_000;
    /**
     * How many reads at most a busy key's access goes unrecorded, however close together they come: W-TinyLFU must
     * see a key asked for a thousand times in one instant (a burst, a flood replayed faster than the clock moves) as
     * more frequent than a thousand one-shot keys. A power of two.
     */
    static final int RECORD_EVERY_READS = 64;
    /**
     * Caffeine updates a recorded access time only when it is more than this old, for expiries longer than this
     * ({@code BoundedLocalCache.EXPIRE_TOLERANCE}, Caffeine 3.x).
     */
    static final Duration CAFFEINE_ACCESS_TOLERANCE = Duration.ofSeconds(1);

    /**
     * How long an entry stays after its last recorded access: the longest period plus the most its last real access
     * can be later than the recorded one, so that it never expires before it has refilled.
     */
    static Duration idleFor(Duration longestPeriod) {
        Duration idle = longestPeriod.plusNanos(RECORD_EVERY_NANOS);
        return idle.compareTo(CAFFEINE_ACCESS_TOLERANCE) > 0 ? idle.plus(CAFFEINE_ACCESS_TOLERANCE) : idle;
    }

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
        private final Policy<Object, CompactBucket> quiet;
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
                    .expireAfterAccess(idleFor(longest))
                    .ticker(clock::nanoTime)
                    .executor(Runnable::run)
                    .build();
            this.quiet = cache.policy();
        }

        @Override
        public ConsumptionProbe tryConsumeOne(Object key) {
            return tryConsume(key, 1);
        }

        @Override
        public ConsumptionProbe tryConsume(Object key, long tokens) {
            long now = clock.nanoTime();
            CompactBucket bucket = quiet.getIfPresentQuietly(key);
            if (bucket == null || now - bucket.recordedNanos > RECORD_EVERY_NANOS
                    || (++bucket.quietReads & (RECORD_EVERY_READS - 1)) == 0) {
                bucket = cache.get(key, factory); // creates it, or records the access
                bucket.recordedNanos = now;
            }
            return bucket.tryConsume(tokens, now);
        }

        @Override
        public void refundOne(Object key) {
            refund(key, 1);
        }

        @Override
        public void refund(Object key, long tokens) {
            // an evicted bucket was full (or will be recreated full): nothing to give back
            CompactBucket bucket = cache.getIfPresent(key);
            if (bucket != null) {
                bucket.addTokens(tokens, clock);
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
