package dev.seawall.core.ratelimit;

import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.RetryAfter;
import dev.seawall.core.internal.sf.StructuredFields;
import io.github.bucket4j.ConsumptionProbe;

/**
 * Serialises the rate-limit headers of one stage, in the stage's {@link RateLimitHeaders} mode, from the probes of
 * the limits applied to a request.
 *
 * <ul>
 *   <li><b>{@code RateLimit-Policy}</b>: the tiers' items, serialized once at build time; when every limit took part
 *       with its default rates (the usual case) the whole value is joined once too.</li>
 *   <li><b>{@code RateLimit}</b>: one member per limit applied, named after the rate whose bandwidth holds the
 *       remaining tokens ({@link Tier#holderOf}), so that {@code r} is read against that item's {@code q}.</li>
 *   <li><b>Refunded limits.</b> On a 429, the limits before the rejecting one (in this stage, or in a rate-limit
 *       filter stacked before the one that refused, through {@code Permit.writeReleasedHeaders}) took a token and
 *       are given it back; their members say what the client has after the refund: the request's cost more than the
 *       probe taken before it, and a reset that many refill intervals sooner (exact for a rate of its own; for several
 *       rates, the interval of the rate holding the fewest tokens).</li>
 *   <li><b>Shadow limits</b> are never described: a client must not slow down for a limit that refuses nothing.</li>
 *   <li><b>Cost.</b> Every value is in tokens, so with a cost above 1 {@code r} falls by the cost per request and
 *       {@code Retry-After} (written by the stage) is the wait until the cost is available.</li>
 * </ul>
 * Written on every admitted response, so the values are built by hand from those prefixes: in a JFR profile of a
 * trivial endpoint behind one IP limit, writing these headers was ~9 % of the server's samples. Only the integers
 * vary per request. Immutable and thread-safe.
 */
final class RateLimitHeaderWriter {

    private final RateLimitHeaders mode;
    /** each limit's default tier, to recognise the usual case */
    private final Tier[] defaultTiers;
    /** per limit: in shadow mode, so never described to the client (a client must not react to it) */
    private final boolean[] shadow;
    /** {@code RateLimit-Policy} when every limit applied with its default rates */
    private final String allDefaultPolicies;

    RateLimitHeaderWriter(RateLimitHeaders mode, Limit[] limits) {
        this.mode = mode;
        this.defaultTiers = new Tier[limits.length];
        this.shadow = new boolean[limits.length];
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < limits.length; i++) {
            defaultTiers[i] = limits[i].plans.defaultTier;
            shadow[i] = limits[i].shadow;
            if (!shadow[i]) {
                joined.append(joined.length() == 0 ? "" : ", ").append(defaultTiers[i].policyItems);
            }
        }
        this.allDefaultPolicies = joined.toString();
    }

    RateLimitHeaders mode() {
        return mode;
    }

    /**
     * The headers of a policy of one limit that admitted the request: the common case, without arrays.
     *
     * @param refunded the tokens given back since the probe (a later stage or filter refused): 0, or the cost
     */
    void writeOne(HeaderSink sink, ConsumptionProbe probe, Tier tier, long refunded) {
        if (mode != RateLimitHeaders.IETF) {
            // the other modes are rare; they share the general writer
            write(sink, new ConsumptionProbe[] {probe}, new Tier[] {tier}, null, 1, refunded > 0 ? 1 : 0,
                    refunded);
            return;
        }
        StringBuilder state = new StringBuilder(40);
        appendState(state, tier, probe, refunded);
        sink.set("RateLimit-Policy", tier.policyItems);
        sink.set("RateLimit", state.toString());
    }

    /**
     * Writes the headers of the enforced limits applied to a request (those with a probe); limits in shadow mode are
     * left out.
     *
     * @param costs          the tokens each limit took, or null when every limit took one
     * @param upTo           how many entries of {@code probes} and {@code tiers} to read
     * @param refundedBefore the limits before this index were refunded after their probe (0: none)
     */
    void write(HeaderSink sink, ConsumptionProbe[] probes, Tier[] tiers, long[] costs, int upTo,
               int refundedBefore) {
        write(sink, probes, tiers, costs, upTo, refundedBefore, 1);
    }

    /** @param oneCost the cost when {@code costs} is null */
    private void write(HeaderSink sink, ConsumptionProbe[] probes, Tier[] tiers, long[] costs, int upTo,
                       int refundedBefore, long oneCost) {
        if (mode.ietf()) {
            String policyValue = null;
            StringBuilder policies = null;
            StringBuilder state = null;
            boolean usual = allDefault(probes, tiers, upTo);
            for (int i = 0; i < upTo; i++) {
                if (probes[i] == null || shadowAt(i)) {
                    continue;
                }
                if (state == null) {
                    policyValue = usual ? allDefaultPolicies : tiers[i].policyItems;
                    state = new StringBuilder(40 * upTo);
                } else {
                    state.append(", ");
                    if (!usual) { // the usual joined value is policyValue already
                        if (policies == null) {
                            policies = new StringBuilder(policyValue.length() * upTo + 2 * upTo).append(policyValue);
                        }
                        policies.append(", ").append(tiers[i].policyItems);
                    }
                }
                appendState(state, tiers[i], probes[i], i < refundedBefore ? cost(costs, i, oneCost) : 0);
            }
            if (state != null) {
                sink.set("RateLimit-Policy", policies != null ? policies.toString() : policyValue);
                sink.set("RateLimit", state.toString());
            }
        }
        if (mode.legacy()) {
            int most = -1;
            long mostRemaining = 0;
            for (int i = 0; i < upTo; i++) {
                if (probes[i] != null && !shadowAt(i)) {
                    long remaining = remaining(probes[i], i < refundedBefore ? cost(costs, i, oneCost) : 0);
                    if (most < 0 || remaining < mostRemaining) {
                        most = i;
                        mostRemaining = remaining;
                    }
                }
            }
            if (most >= 0) {
                long refunded = most < refundedBefore ? cost(costs, most, oneCost) : 0;
                sink.set("X-RateLimit-Limit", Long.toString(tiers[most].smallestQuota));
                sink.set("X-RateLimit-Remaining", Long.toString(mostRemaining));
                sink.set("X-RateLimit-Reset", Long.toString(RetryAfter.secondsOrZero(
                        resetNanos(tiers[most], probes[most], refunded))));
            }
        }
    }

    /** @return whether entry {@code i} (entries are indexed like the stage's limits) is a limit in shadow mode */
    private boolean shadowAt(int i) {
        return i < shadow.length && shadow[i];
    }

    private static long cost(long[] costs, int i, long oneCost) {
        return costs == null ? oneCost : costs[i];
    }

    /** @return true when every enforced limit took part with its default rates */
    private boolean allDefault(ConsumptionProbe[] probes, Tier[] tiers, int upTo) {
        if (upTo != defaultTiers.length) {
            return false;
        }
        for (int i = 0; i < upTo; i++) {
            if (!shadow[i] && (probes[i] == null || tiers[i] != defaultTiers[i])) {
                return false;
            }
        }
        return true;
    }

    private static void appendState(StringBuilder state, Tier tier, ConsumptionProbe probe, long refunded) {
        long remaining = Math.max(0, probe.getRemainingTokens());
        int holder = tier.holderOf(remaining, probe.getNanosToWaitForReset());
        state.append(tier.statePrefix(holder));
        StructuredFields.appendInteger(state, Math.min(tier.quotaOf(holder), remaining + refunded));
        state.append(";t=");
        StructuredFields.appendInteger(state, RetryAfter.secondsOrZero(resetNanos(tier, probe, refunded)));
    }

    private static long remaining(ConsumptionProbe probe, long refunded) {
        return Math.max(0, probe.getRemainingTokens()) + refunded;
    }

    /**
     * @param refunded tokens given back since the probe (capacity caps the refund, and the reset cannot go below 0)
     * @return nanoseconds until every bandwidth is full, after the refund when there was one
     */
    private static long resetNanos(Tier tier, ConsumptionProbe probe, long refunded) {
        long reset = probe.getNanosToWaitForReset();
        if (refunded == 0) {
            return reset;
        }
        int holder = tier.holderOf(Math.max(0, probe.getRemainingTokens()), reset);
        return Math.max(0, reset - refunded * tier.intervalNanos(holder));
    }
}
