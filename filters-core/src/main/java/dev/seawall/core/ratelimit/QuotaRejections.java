package dev.seawall.core.ratelimit;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemTypes;

/**
 * The 429s of one limit, and the ones it built recently. Thread-safe.
 *
 * <p>When no earlier limit of the policy took part in a request, everything its 429 says follows from (tier,
 * retry-after, reset, remaining), which barely change while one client floods: the rejection built for the same
 * values (and with it the rendered body) is reused, so refusing a flood costs less than serving it. The cache is
 * direct-mapped by (retry-after, reset) and racy by design: each slot holds an immutable entry, so a reader without a
 * lock sees either the old entry or a complete new one, and a lost write only costs one more build.
 */
final class QuotaRejections {

    /** Slots of the cache: a power of two. */
    static final int SLOTS = 64;
    private static final String TITLE = "Too Many Requests";

    private final String policy;
    private final String limit;
    private final Entry[] slots = new Entry[SLOTS];

    QuotaRejections(String policy, String limit) {
        this.policy = policy;
        this.limit = limit;
    }

    /** @return the rejection built for the same values, or null */
    Rejection recent(Tier tier, long retryAfter, long reset, long remaining) {
        Entry e = slots[slot(retryAfter, reset)];
        return e != null && e.tier == tier && e.retryAfter == retryAfter && e.reset == reset
                && e.remaining == remaining ? e.rejection : null;
    }

    /** Keeps a rejection built for these values, replacing the slot's entry. */
    void remember(Tier tier, long retryAfter, long reset, long remaining, Rejection rejection) {
        slots[slot(retryAfter, reset)] = new Entry(tier, retryAfter, reset, remaining, rejection);
    }

    /** @return a 429 of this limit, without its rate-limit headers */
    Rejection.Builder builder(long retryAfter) {
        return Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, TITLE)
                .detail("The rate limit '" + limit + "' of policy '" + policy + "' is exhausted; retry after "
                        + retryAfter + (retryAfter == 1 ? " second." : " seconds."))
                .extension("policy", policy)
                .extension("limit", limit)
                .header("Retry-After", Long.toString(retryAfter));
    }

    private static int slot(long retryAfter, long reset) {
        return (int) ((retryAfter * 31 + reset) & (SLOTS - 1));
    }

    /** A rejection and the values it was built from. Immutable. */
    private record Entry(Tier tier, long retryAfter, long reset, long remaining, Rejection rejection) {
    }
}
