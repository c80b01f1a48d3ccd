package dev.seawall.core.ratelimit;

import dev.seawall.core.time.NanoClock;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link BucketStore} needs to know about the buckets of one (limit, plan). Immutable and thread-safe.
 *
 * @param policy  the policy's name
 * @param limit   the limit's name
 * @param plan    the plan's name, or {@code default}
 * @param rates   the bandwidths of every bucket: capacity {@code tokens}, refilled greedily over {@code period}
 * @param maxKeys the bound on keys held in this JVM's memory
 * @param clock   the engine's monotonic clock
 */
public record BucketSpec(String policy, String limit, String plan, List<Rate> rates, long maxKeys, NanoClock clock) {

    public BucketSpec {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(plan, "plan");
        rates = List.copyOf(rates);
        Objects.requireNonNull(clock, "clock");
        if (rates.isEmpty()) {
            throw new IllegalArgumentException("rates: at least one rate is required");
        }
    }

    /** @return the same buckets with every capacity divided by {@code nodes} (rounded up, at least 1 token) */
    public BucketSpec dividedBy(int nodes) {
        if (nodes <= 1) {
            return this;
        }
        List<Rate> divided = rates.stream()
                .map(r -> new Rate(Math.max(1, (r.tokens() + nodes - 1) / nodes), r.period()))
                .toList();
        return new BucketSpec(policy, limit, plan, divided, maxKeys, clock);
    }
}
