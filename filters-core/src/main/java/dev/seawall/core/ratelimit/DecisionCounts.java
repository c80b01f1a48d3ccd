package dev.seawall.core.ratelimit;

import java.util.concurrent.atomic.LongAdder;

/**
 * The decisions of one limit, each counted once, here: the status page reads them directly and the meter binder
 * ({@code dev.seawall.core.metrics.RateLimitMeters}) reads them by pull. Thread-safe; a {@code LongAdder} per
 * outcome keeps concurrent increments off one cache line.
 */
final class DecisionCounts {

    private final LongAdder[] counts = new LongAdder[Decision.values().length];

    DecisionCounts() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void add(Decision d) {
        counts[d.ordinal()].increment();
    }

    long count(Decision d) {
        return counts[d.ordinal()].sum();
    }
}
