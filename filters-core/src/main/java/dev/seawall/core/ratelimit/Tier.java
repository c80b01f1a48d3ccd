package dev.seawall.core.ratelimit;

import dev.seawall.core.internal.sf.StructuredFields;
import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.ConsumptionProbe;

import java.util.List;

/**
 * The buckets of one (limit, plan), wherever the store keeps them, and what its headers need, serialized (and so
 * validated) once at build time: the {@code RateLimit-Policy} items, one per rate, and the {@code "name";r=} prefix
 * of the {@code RateLimit} member naming each rate. Immutable apart from the buckets, which are thread-safe.
 */
final class Tier {

    final List<Rate> rates;
    final BucketStore.Buckets buckets;
    /** {@code "ip";q=100;w=60}, or for several rates {@code "ip";q=100;w=60, "ip-2";q=10;w=1}. */
    final String policyItems;
    final long smallestQuota;
    /** {@code "ip";r=}, {@code "ip-2";r=}, ... one per rate, in the order of {@link #rates}. */
    private final String[] statePrefixes;
    /** Per rate: its capacity and the nanoseconds greedy refill takes to add one token. */
    private final long[] quota;
    private final double[] intervalNanos;
    /** Whether {@link #buckets} use the one-token default of {@code tryConsume}, whose waits are completed here. */
    private final boolean oneTokenAtATime;

    Tier(String policy, String limitName, String plan, List<Rate> rates, long maxKeys, NanoClock clock,
         BucketStore store) {
        this.rates = List.copyOf(rates);
        int n = this.rates.size();
        this.statePrefixes = new String[n];
        this.quota = new long[n];
        this.intervalNanos = new double[n];
        long smallest = Long.MAX_VALUE;
        StructuredFields.ListBuilder items = new StructuredFields.ListBuilder();
        for (int i = 0; i < n; i++) {
            Rate r = this.rates.get(i);
            String itemName = i == 0 ? limitName : limitName + "-" + (i + 1);
            smallest = Math.min(smallest, r.tokens());
            items.string(itemName).param("q", r.tokens()).param("w", r.windowSeconds());
            statePrefixes[i] = new StructuredFields.ListBuilder().string(itemName).build() + ";r=";
            quota[i] = r.tokens();
            intervalNanos[i] = (double) r.period().toNanos() / r.tokens();
        }
        this.policyItems = items.build();
        this.smallestQuota = smallest;
        this.buckets = store.buckets(new BucketSpec(policy, limitName, plan, rates, maxKeys, clock));
        this.oneTokenAtATime = usesDefaultTryConsume(buckets);
    }

    /** @return whether the buckets leave {@code tryConsume(key, tokens)} to the interface's one-token default */
    static boolean usesDefaultTryConsume(BucketStore.Buckets buckets) {
        try {
            return buckets.getClass().getMethod("tryConsume", Object.class, long.class).isDefault();
        } catch (NoSuchMethodException e) {
            throw new AssertionError("BucketStore.Buckets declares tryConsume(Object, long)", e);
        }
    }

    /**
     * Takes {@code cost} tokens from the key's bucket, or none. A rejected probe waits until the bucket holds the whole
     * cost, whatever the store: the one-token default of {@link BucketStore.Buckets#tryConsume} cannot know the refill
     * rate, so for a store using it the wait is completed here from this tier's rates.
     */
    ConsumptionProbe tryConsume(Object key, long cost) {
        return completed(buckets.tryConsume(key, cost), cost);
    }

    /** {@link #tryConsume} started ahead ({@link BucketStore.Buckets#tryConsumeAhead}); complete it with {@link #completed}. */
    BucketStore.Pending tryConsumeAhead(Object key, long cost) {
        return buckets.tryConsumeAhead(key, cost);
    }

    /** @return the probe of a take of {@code cost} tokens, its wait completed for a one-token-at-a-time store */
    ConsumptionProbe completed(ConsumptionProbe probe, long cost) {
        if (probe.isConsumed() || cost == 1 || !oneTokenAtATime) {
            return probe;
        }
        return waitForWholeCost(probe, cost);
    }

    /**
     * The probe of a rejected one-token-at-a-time take, waiting for {@code cost} tokens. The bucket holds
     * {@code available} tokens and lacks {@code missing = cost - available}; the rate holding the fewest tokens
     * ({@link #holderOf}) adds one every {@code interval}.
     * <ul>
     *   <li>When the probe gave the wait for the next token, each further one comes an interval later.</li>
     *   <li>When it gave none (the default's first take reported too few tokens and was given back at once), its
     *       reset was measured with that token taken, so the bucket as it is fills one interval sooner; the holder
     *       then holds {@code cost} tokens {@code (quota - cost) × interval} before it is full. That is exact for a
     *       limit of one rate, and is kept within the interval it must fall in, {@code ((missing - 1) × interval,
     *       missing × interval]}, for several.</li>
     * </ul>
     */
    ConsumptionProbe waitForWholeCost(ConsumptionProbe probe, long cost) {
        long available = Math.max(0, probe.getRemainingTokens());
        long missing = cost - available;
        if (missing <= 0) {
            return probe;
        }
        long next = probe.getNanosToWaitForRefill();
        long reset = probe.getNanosToWaitForReset();
        if (next > 0) {
            double interval = intervalNanos[holderOf(available, reset)];
            return ConsumptionProbe.rejected(probe.getRemainingTokens(),
                    Math.max(next, nanos(next + (missing - 1) * interval)), reset);
        }
        int holder = holderOf(Math.max(0, available - 1), reset);
        double interval = intervalNanos[holder];
        long before = Math.max(0, reset - nanos(interval));
        double toCost = before - (quota[holder] - cost) * interval;
        double wait = Math.max((missing - 1) * interval + 1, Math.min(missing * interval, toCost));
        return ConsumptionProbe.rejected(available, nanos(wait), before);
    }

    private static long nanos(double nanos) {
        return (long) Math.min(Long.MAX_VALUE, Math.ceil(nanos));
    }

    /** @return the {@code RateLimit} prefix naming the rate at {@code index} */
    String statePrefix(int index) {
        return statePrefixes[index];
    }

    /**
     * The rate whose bandwidth holds the {@code remaining} tokens a probe reported.
     *
     * <p>A probe carries the fewest tokens over all bandwidths ({@code remaining}) and the longest time until every
     * bandwidth is full ({@code resetNanos}), not which bandwidth each came from, and a shared store answers with
     * nothing more. So it is derived: rate {@code i} holding {@code remaining} tokens would be full in
     * {@code (quota_i - remaining) × interval_i} less the part of one interval already under way (strictly less than
     * one interval), which cannot exceed {@code resetNanos}. Of the rates for which that holds, the one that would
     * take longest is named: a rate holding more tokens than {@code remaining} fills sooner than it would from {@code
     * remaining}, so it can pass the test only when it would take less time than the holder, or the same within one of
     * its refill intervals. With two rates this is exact except for that near-tie; with more, it names the tightest
     * rate consistent with the probe.
     *
     * @return an index into {@link #rates}; 0 for a tier of one rate
     */
    int holderOf(long remaining, long resetNanos) {
        if (quota.length == 1) {
            return 0;
        }
        int best = 0;
        double bestFill = -1;
        for (int i = 0; i < quota.length; i++) {
            double fill = (quota[i] - Math.min(quota[i], remaining)) * intervalNanos[i];
            // strictly sooner, by more than Bucket4j's nanosecond rounding: a rate one token above remaining whose
            // last token just arrived would otherwise pass, being full in exactly (quota - remaining - 1) intervals
            if (fill - intervalNanos[i] < resetNanos - 1 && fill > bestFill) {
                best = i;
                bestFill = fill;
            }
        }
        return best;
    }

    /** @return the capacity of the rate at {@code index} */
    long quotaOf(int index) {
        return quota[index];
    }

    /** @return nanoseconds greedy refill takes to add one token to the rate at {@code index} */
    long intervalNanos(int index) {
        return (long) Math.ceil(intervalNanos[index]);
    }
}
