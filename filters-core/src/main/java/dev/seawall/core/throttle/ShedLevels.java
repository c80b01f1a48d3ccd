package dev.seawall.core.throttle;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cohort shedding of a throttle with criticality classes: every caller falls in a cohort 0-99 (a hash of its
 * identity and the current epoch), every class has a shed level 0-100, and an arriving request that cannot take a slot
 * at once is refused when its cohort is below its class's level. A caller therefore stays on one side of the level —
 * served, or refused at once — for as long as the level and the epoch stay put, instead of failing every other request.
 *
 * <p>The level of a class rises by {@link #STEP} points when a request of that class is refused for overload (queue
 * full, wait expired, displaced), at most once per {@link #RISE_INTERVAL_NANOS}, so a burst of refusals raises it by
 * one step rather than to 100 at once; it decays linearly by {@link #DECAY_PER_SECOND} points a second since its last
 * rise. Shed refusals themselves do not raise it: the level settles where shedding keeps the queue from overflowing.
 * Each level is one immutable snapshot behind an {@link AtomicReference}: reading is one volatile read and a
 * subtraction; a rise allocates one small object (at most ten a second per class).
 *
 * <p>The epoch ({@code cohort-rotation}) reshuffles the cohorts, so no caller is at the bottom for ever. The hash is
 * seeded per stage, so a caller cannot work out an identity that lands in a high cohort of every deployment.
 *
 * <p>Thread-safe.
 */
final class ShedLevels {

    /** Cohorts 0 to COHORTS - 1. */
    static final int COHORTS = 100;
    /** Points a level rises per overload refusal (at most once per rise interval). */
    static final int STEP = 5;
    /** The shortest time between two rises of one class's level. */
    static final long RISE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Points a level falls per second after its last rise. */
    static final int DECAY_PER_SECOND = 2;

    private record Level(int points, long atNanos) {
    }

    private static final Level ZERO = new Level(0, 0);

    private final long epochNanos;
    private final int seed;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private final AtomicReference<Level>[] levels = new AtomicReference[] {
            new AtomicReference<>(ZERO), new AtomicReference<>(ZERO), new AtomicReference<>(ZERO)};

    ShedLevels(long epochNanos, int seed) {
        this.epochNanos = Math.max(1, epochNanos);
        this.seed = seed;
    }

    /** @return the level of a class (0 to 100) at this time */
    int level(int cls, long nowNanos) {
        return decayed(levels[cls].get(), nowNanos);
    }

    private static int decayed(Level l, long nowNanos) {
        if (l.points == 0) {
            return 0;
        }
        long elapsed = Math.max(0, nowNanos - l.atNanos);
        long fallen = elapsed / (TimeUnit.SECONDS.toNanos(1) / DECAY_PER_SECOND);
        return (int) Math.max(0, l.points - fallen);
    }

    /** @return true when a request of this class and cohort is refused at once */
    boolean sheds(int cls, int cohort, long nowNanos) {
        return cohort < level(cls, nowNanos);
    }

    /** A request of this class was refused for overload: the level rises, unless it rose within the interval. */
    void overload(int cls, long nowNanos) {
        AtomicReference<Level> ref = levels[cls];
        while (true) {
            Level l = ref.get();
            if (l.points > 0 && nowNanos - l.atNanos < RISE_INTERVAL_NANOS) {
                return;
            }
            Level next = new Level(Math.min(COHORTS, decayed(l, nowNanos) + STEP), nowNanos);
            if (ref.compareAndSet(l, next)) {
                return;
            }
        }
    }

    /**
     * @param identity the caller's identity (fair-share key or client IP); null counts as the empty identity
     * @return the caller's cohort, 0 to 99, stable within an epoch
     */
    int cohort(String identity, long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, epochNanos);
        int h = (identity == null ? 0 : identity.hashCode()) * 0x9E3779B9;
        h ^= seed ^ (int) (epoch * 0x85EBCA6BL) ^ (int) (epoch >>> 32);
        // murmur3's finaliser: every input bit moves every output bit
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return (h >>> 1) % COHORTS;
    }
}
