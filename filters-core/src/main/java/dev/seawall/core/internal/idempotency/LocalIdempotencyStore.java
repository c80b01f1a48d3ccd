package dev.seawall.core.internal.idempotency;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.seawall.core.idempotency.IdempotencyStore;
import dev.seawall.core.time.NanoClock;

import java.util.Arrays;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-JVM {@link IdempotencyStore}: a Caffeine cache bounded by weight (the bytes of the records and their keys)
 * with each record expiring at its own time on the engine's clock.
 *
 * <p><b>When full.</b> Kept answers are evicted early (Caffeine's size policy: the least likely to be asked again
 * first), counted by {@link #evictions()}: a repeat of an evicted key runs again. In-flight records weigh nothing,
 * so they are never evicted: a running request's lock holds until it finishes or its lease ends. Their number is bounded
 * by the requests running at once.
 *
 * <p>Thread-safe: every operation is one atomic {@code compute} on the key's entry.
 */
public final class LocalIdempotencyStore implements IdempotencyStore {

    /** What an entry weighs besides its record: the key, the entry and the cache's own bookkeeping, roughly. */
    static final int OVERHEAD = 160;

    private record Entry(byte[] value, long expiresAt) {
    }

    private final NanoClock clock;
    private final Cache<String, Entry> cache;
    private final ConcurrentMap<String, Entry> map;
    private final LongAdder evictions = new LongAdder();

    /** @param maxBytes the weight bound: records and their keys */
    public LocalIdempotencyStore(long maxBytes, NanoClock clock) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String k, Entry e) -> e.value()[0] == Records.IN_FLIGHT ? 0
                        : (int) Math.min(Integer.MAX_VALUE, (long) e.value().length + 2L * k.length() + OVERHEAD))
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long now) {
                        return Math.max(0, e.expiresAt() - now);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long now, long current) {
                        return Math.max(0, e.expiresAt() - now);
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long now, long current) {
                        return current;
                    }
                })
                .ticker(clock::nanoTime)
                .executor(Runnable::run)
                .removalListener((String k, Entry e, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evictions.increment();
                    }
                })
                .build();
        this.map = cache.asMap();
    }

    @Override
    public Present putIfAbsent(String key, byte[] value, long ttlMillis) {
        long now = clock.nanoTime();
        Entry mine = new Entry(value, now + ttlMillis * 1_000_000L);
        Entry held = map.compute(key, (k, old) -> old == null || old.expiresAt() - now <= 0 ? mine : old);
        if (held == mine) {
            return null;
        }
        return new Present(held.value(), Math.max(1, (held.expiresAt() - now) / 1_000_000L));
    }

    @Override
    public boolean replace(String key, byte[] expected, byte[] value, long ttlMillis) {
        long now = clock.nanoTime();
        Entry next = new Entry(value, now + ttlMillis * 1_000_000L);
        return map.computeIfPresent(key, (k, old) -> old.expiresAt() - now > 0 && Arrays.equals(old.value(), expected)
                ? next : old) == next;
    }

    @Override
    public boolean remove(String key, byte[] expected) {
        long now = clock.nanoTime();
        boolean[] removed = new boolean[1];
        map.computeIfPresent(key, (k, old) -> {
            if (old.expiresAt() - now > 0 && Arrays.equals(old.value(), expected)) {
                removed[0] = true;
                return null;
            }
            return old;
        });
        return removed[0];
    }

    /** @return the live record under {@code key} and its remaining time, or null; changes nothing */
    public Present get(String key) {
        long now = clock.nanoTime();
        Entry e = map.get(key);
        if (e == null || e.expiresAt() - now <= 0) {
            return null;
        }
        return new Present(e.value(), Math.max(1, (e.expiresAt() - now) / 1_000_000L));
    }

    @Override
    public String describe() {
        return "local";
    }

    /** @return records held (an estimate, expired ones included until cleaned up) */
    public long size() {
        return cache.estimatedSize();
    }

    /** @return kept answers evicted early because the store was full */
    public long evictions() {
        return evictions.sum();
    }

    /** Removes expired records now; for tests and status pages. */
    public void cleanUp() {
        cache.cleanUp();
    }
}
