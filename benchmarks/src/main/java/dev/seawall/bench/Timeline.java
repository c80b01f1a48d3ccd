package dev.seawall.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of events by the millisecond since an origin ({@link System#nanoTime()} reading), for one run of the outage
 * benchmark: requests sent, received, answered. Events before the origin or past the end land in the first or last
 * slot. Thread-safe (one atomic counter per millisecond).
 */
final class Timeline {

    private static final long MILLI = 1_000_000L;

    private final long origin;
    private final AtomicLongArray counts;

    Timeline(long originNanos, int millis) {
        this.origin = originNanos;
        this.counts = new AtomicLongArray(millis);
    }

    void record(long nanos) {
        counts.incrementAndGet(slot(nanos));
    }

    private int slot(long nanos) {
        return (int) Math.max(0, Math.min(counts.length() - 1, Math.floorDiv(nanos - origin, MILLI)));
    }

    /** @return the events in {@code [from, to)}, both {@link System#nanoTime()} readings, at 1 ms resolution */
    long count(long fromNanos, long toNanos) {
        long n = 0;
        for (int i = slot(fromNanos), end = slot(toNanos); i < end; i++) {
            n += counts.get(i);
        }
        return n;
    }
}
