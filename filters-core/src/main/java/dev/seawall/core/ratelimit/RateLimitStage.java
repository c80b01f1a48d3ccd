package dev.seawall.core.ratelimit;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.http.RetryAfter;
import dev.seawall.core.internal.SipHash;
import dev.seawall.core.internal.sf.StructuredFields;
import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.ConsumptionProbe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * All rate limits of one policy, consumed together.
 *
 * <h2>Design note for the next maintainer</h2>
 * <ul>
 *   <li><b>Where things live.</b> This class is the decision: walk the limits, take a token from each, refund on a
 *       later refusal, count each decision once. A {@link Limit} turns an identity into a bucket key (hashing it, see
 *       there); its {@link PlanTiers} resolve the plan to a {@link Tier}, whose buckets live in the limit's
 *       {@link BucketStore}; {@link QuotaRejections} builds and reuses 429s; {@link RateLimitHeaderWriter}
 *       serialises the headers. Meters are not registered here: {@code dev.seawall.core.metrics.RateLimitMeters}
 *       reads the counts through {@link #limits()}.</li>
 *   <li><b>Buckets.</b> By default the {@link LocalBucketStore} (a bounded Caffeine cache of lock-free buckets; see
 *       there), or a store shared by every node. Time comes from the injected {@link NanoClock}.</li>
 *   <li><b>Consumed together.</b> {@link #admit} takes one token from each applicable limit in order. When a
 *       later limit rejects, the tokens already taken are given back with {@code addTokens}, which caps at
 *       capacity, so a refund can never overfill a bucket even if it refilled in the meantime. The permit's
 *       {@link Permit#release()} refunds the same way when a later stage refuses the request. A limit whose token
 *       was refunded because a later one rejected is not counted as admitting.</li>
 *   <li><b>Cost.</b> A request takes its {@link RequestCost cost} in tokens from each limit, all at once or none
 *       ({@link BucketStore.Buckets#tryConsume}); refunds give back the same number. A cost above what the bucket
 *       holds when full (possible only through the cost attribute: a method's cost is checked against the rates when
 *       the limit is built) is refused with a 429 without {@code Retry-After}, as waiting cannot help.</li>
 *   <li><b>Shadow mode.</b> A shadow limit decides like an enforced one and counts
 *       {@link Decision#WOULD_REJECT} where it would refuse, but lets the request go on and writes no headers.
 *       A request it would refuse takes nothing from its bucket (nothing is there to take, and a refused request
 *       spends nothing either), so its count is what enforcing would refuse; a request it admits spends tokens, as
 *       it would when enforced, and gets them back when a later limit or stage refuses it. A missing or malformed
 *       identity is counted ({@link Decision#MISSING}, {@link Decision#INVALID}) and refuses nothing.</li>
 * </ul>
 * Thread-safe. Cost per admitted request: per limit one resolver call, one cache lookup, one CAS on the
 * bucket, one {@link ConsumptionProbe}; plus one permit, and with several limits three small arrays.
 */
public final class RateLimitStage implements Stage {

    private final String policy;
    private final Limit[] limits;
    private final RateLimitHeaderWriter headers;
    private final List<LimitView> views;
    /** Whether some limit's store sends ahead ({@link BucketStore.Buckets#sendsAhead}): then {@link #admitAhead}. */
    private final boolean ahead;

    private RateLimitStage(Builder b) {
        this.policy = b.policy;
        ToLongFunction<String> processHash = SipHash.random()::hash;
        this.limits = new Limit[b.limits.size()];
        List<LimitView> v = new ArrayList<>(limits.length);
        for (int i = 0; i < limits.length; i++) {
            limits[i] = new Limit(policy, b.limits.get(i), processHash, b.clock);
            v.add(new LimitView(limits[i]));
        }
        this.views = List.copyOf(v);
        this.headers = new RateLimitHeaderWriter(b.headers, limits);
        boolean sends = false;
        for (Limit l : limits) {
            for (Tier t : l.plans.all) {
                sends |= t.buckets.sendsAhead();
            }
        }
        this.ahead = sends && limits.length > 1;
    }

    /** @param policyName the policy's name, cited in problem bodies, headers and metric tags */
    public static Builder builder(String policyName) {
        return new Builder(policyName);
    }

    @Override
    public StageKind kind() {
        return StageKind.RATE_LIMIT;
    }

    @Override
    public String name() {
        return policy;
    }

    @Override
    public Admission admit(RequestView request, long nowNanos) {
        if (limits.length == 1) {
            return admitOne(request);
        }
        if (ahead) {
            return admitAhead(request);
        }
        int n = limits.length;
        Object[] taken = new Object[n];
        // the probes of enforced limits only: they alone are described in headers
        ConsumptionProbe[] probes = new ConsumptionProbe[n];
        Tier[] tiers = new Tier[n];
        long[] costs = null; // created at the first cost other than 1; until then every cost was 1
        for (int i = 0; i < n; i++) {
            Limit limit = limits[i];
            String identity = limit.resolver.resolve(request);
            Object key = limit.key(identity);
            if (key == Limit.SKIPPED) {
                continue;
            }
            if (key instanceof Rejection refused) {
                if (limit.shadow) {
                    continue; // counted as missing or invalid; a shadow limit refuses nothing
                }
                refund(taken, tiers, costs, i);
                return refused;
            }
            Tier tier = limit.plans.tierFor(identity);
            long cost = limit.cost(request);
            if (cost != 1 && costs == null) {
                costs = new long[n];
                Arrays.fill(costs, 1);
            }
            if (cost > tier.smallestQuota) {
                if (limit.shadow) {
                    limit.counts.add(Decision.WOULD_REJECT);
                    continue;
                }
                refund(taken, tiers, costs, i);
                limit.counts.add(Decision.REJECTED);
                return limit.costTooHigh;
            }
            ConsumptionProbe probe = tier.tryConsume(key, cost);
            if (!probe.isConsumed()) {
                if (limit.shadow) {
                    limit.counts.add(Decision.WOULD_REJECT); // nothing was taken: the bucket stays as it was
                    continue;
                }
                refund(taken, tiers, costs, i);
                limit.counts.add(Decision.REJECTED);
                return rejection(i, probe, tier, probes, tiers, costs);
            }
            taken[i] = key;
            tiers[i] = tier;
            if (costs != null) {
                costs[i] = cost;
            }
            if (!limit.shadow) {
                probes[i] = probe;
            }
        }
        // counted only now: a limit whose tokens were refunded because a later one rejected did not admit
        for (int i = 0; i < n; i++) {
            if (taken[i] != null) {
                limits[i].counts.add(Decision.ADMITTED);
            }
        }
        return new RateLimitPermit(taken, probes, tiers, costs);
    }

    /**
     * {@link #admit} over a store that sends ahead (Redis): every limit's take is started before the first answer is
     * awaited, so the request pays one round trip of latency for all its limits, not one per limit. The answers are
     * then walked in the limits' order exactly as {@link #admit} walks the limits: the same refusal, the same
     * headers, the same counts (a limit after the refusing one counts nothing: the walk never reaches it; only
     * {@code cost.defaulted} counts every limit whose take was sent). Every token a take got that the outcome does
     * not keep (after a refusal, also of limits after the refusing one) is given back. Sending stops at a limit
     * known to refuse before any answer (an identity it requires is missing, a cost above its bucket).
     */
    private Admission admitAhead(RequestView request) {
        int n = limits.length;
        String[] identities = new String[n];
        Object[] keys = new Object[n];
        Tier[] tiers = new Tier[n];
        long[] costs = new long[n];
        BucketStore.Pending[] pending = new BucketStore.Pending[n];
        int last = n - 1; // the last limit the walk can reach
        try {
            for (int i = 0; i < n; i++) {
                Limit limit = limits[i];
                String identity = limit.resolver.resolve(request);
                Object key = limit.peekKey(identity);
                identities[i] = identity;
                keys[i] = key;
                if (key == Limit.SKIPPED) {
                    continue;
                }
                if (key instanceof Rejection) {
                    if (!limit.shadow) {
                        last = i;
                        break;
                    }
                    continue;
                }
                Tier tier = limit.plans.tierFor(identity);
                long cost = limit.cost(request);
                tiers[i] = tier;
                costs[i] = cost;
                if (cost > tier.smallestQuota) {
                    if (!limit.shadow) {
                        last = i;
                        break;
                    }
                    continue;
                }
                pending[i] = tier.tryConsumeAhead(key, cost);
            }
        } catch (RuntimeException e) {
            // a resolver, cost attribute or plan resolver failed: no take started may stay taken or unawaited
            refuse(null, pending, new Object[n], tiers, keys, costs, -1);
            throw e;
        }
        ConsumptionProbe[] probes = new ConsumptionProbe[n]; // of enforced limits that paid: they go in headers
        Object[] taken = new Object[n];
        for (int i = 0; i <= last; i++) {
            Limit limit = limits[i];
            limit.count(identities[i]);
            Object key = keys[i];
            if (key == Limit.SKIPPED) {
                continue;
            }
            if (key instanceof Rejection refused) {
                if (limit.shadow) {
                    continue;
                }
                return refuse(refused, pending, taken, tiers, keys, costs, i);
            }
            if (pending[i] == null) { // a cost above the bucket
                if (limit.shadow) {
                    limit.counts.add(Decision.WOULD_REJECT);
                    continue;
                }
                limit.counts.add(Decision.REJECTED);
                return refuse(limit.costTooHigh, pending, taken, tiers, keys, costs, i);
            }
            ConsumptionProbe probe = tiers[i].completed(pending[i].join(), costs[i]);
            pending[i] = null;
            if (!probe.isConsumed()) {
                if (limit.shadow) {
                    limit.counts.add(Decision.WOULD_REJECT); // nothing was taken: the bucket stays as it was
                    continue;
                }
                limit.counts.add(Decision.REJECTED);
                return refuse(rejection(i, probe, tiers[i], probes, tiers, costs), pending, taken, tiers, keys,
                        costs, i);
            }
            taken[i] = key;
            if (!limit.shadow) {
                probes[i] = probe;
            }
        }
        for (int i = 0; i < n; i++) {
            if (taken[i] != null) {
                limits[i].counts.add(Decision.ADMITTED);
            }
        }
        return new RateLimitPermit(taken, probes, tiers, costs);
    }

    /**
     * The walk over takes sent ahead refused at {@code at}: every token taken is given back, those of the limits
     * before it and those the takes after it got (awaited here, so that none stays taken).
     */
    private static Rejection refuse(Rejection refusal, BucketStore.Pending[] pending, Object[] taken, Tier[] tiers,
                                    Object[] keys, long[] costs, int at) {
        refund(taken, tiers, costs, at);
        for (int j = at + 1; j < pending.length; j++) {
            if (pending[j] != null && pending[j].join().isConsumed()) {
                tiers[j].buckets.refund(keys[j], costs[j]);
            }
        }
        return refusal;
    }

    /**
     * {@link #admit} for the common policy of one limit, without the three per-request arrays a walk over several
     * limits needs: on a trivial endpoint every object per request shows in the server's CPU time.
     */
    private Admission admitOne(RequestView request) {
        Limit limit = limits[0];
        String identity = limit.resolver.resolve(request);
        Object key = limit.key(identity);
        if (key == Limit.SKIPPED) {
            return Permit.NONE; // nothing taken, no headers: what a permit of a skipped limit does
        }
        if (key instanceof Rejection refused) {
            return limit.shadow ? Permit.NONE : refused;
        }
        Tier tier = limit.plans.tierFor(identity);
        long cost = limit.cost(request);
        if (cost > tier.smallestQuota) {
            if (limit.shadow) {
                limit.counts.add(Decision.WOULD_REJECT);
                return Permit.NONE;
            }
            limit.counts.add(Decision.REJECTED);
            return limit.costTooHigh;
        }
        ConsumptionProbe probe = tier.tryConsume(key, cost);
        if (!probe.isConsumed()) {
            if (limit.shadow) {
                limit.counts.add(Decision.WOULD_REJECT); // nothing was taken: the bucket stays as it was
                return Permit.NONE;
            }
            limit.counts.add(Decision.REJECTED);
            return rejection(0, probe, tier, null, null, cost == 1 ? null : new long[] {cost});
        }
        limit.counts.add(Decision.ADMITTED);
        return new OnePermit(key, probe, tier, cost, !limit.shadow);
    }

    private static void refund(Object[] taken, Tier[] tiers, long[] costs, int upTo) {
        for (int j = upTo - 1; j >= 0; j--) {
            if (taken[j] != null) {
                if (costs == null) {
                    tiers[j].buckets.refundOne(taken[j]);
                } else {
                    tiers[j].buckets.refund(taken[j], costs[j]);
                }
            }
        }
    }

    /**
     * The 429 of the limit at {@code rejecting}; its headers also describe the earlier enforced limits, which were
     * refunded. Its {@code Retry-After} is the wait until the bucket holds the request's cost.
     *
     * @param probes the earlier limits' probes, or null when no earlier limit exists (then built on demand)
     * @param costs  the tokens each limit took or asked for, or null when every cost was 1
     */
    private Rejection rejection(int rejecting, ConsumptionProbe probe, Tier tier, ConsumptionProbe[] probes,
                                Tier[] tiers, long[] costs) {
        QuotaRejections quota = limits[rejecting].rejections;
        long retryAfter = RetryAfter.seconds(probe.getNanosToWaitForRefill());
        boolean alone = true;
        for (int j = 0; probes != null && j < rejecting; j++) {
            if (probes[j] != null) {
                alone = false;
                break;
            }
        }
        long reset = RetryAfter.secondsOrZero(probe.getNanosToWaitForReset());
        long remaining = Math.max(0, probe.getRemainingTokens());
        if (alone) {
            Rejection recent = quota.recent(tier, retryAfter, reset, remaining);
            if (recent != null) {
                return recent;
            }
        }
        Rejection.Builder r = quota.builder(retryAfter);
        if (probes == null) {
            probes = new ConsumptionProbe[rejecting + 1];
            tiers = new Tier[rejecting + 1];
        }
        probes[rejecting] = probe;
        tiers[rejecting] = tier;
        headers.write(r::header, probes, tiers, costs, rejecting + 1, rejecting);
        Rejection built = r.build();
        if (alone) {
            quota.remember(tier, retryAfter, reset, remaining, built);
        }
        return built;
    }

    /** @return the status view of each limit, in declaration order: settings and live counts */
    public List<LimitView> limits() {
        return views;
    }

    /** @return the header mode */
    public RateLimitHeaders headers() {
        return headers.mode();
    }

    /** Removes expired entries now; for tests and status pages (the caches also clean up as they are used). */
    public void cleanUp() {
        for (Limit l : limits) {
            l.plans.cleanUp();
        }
    }

    /**
     * The permit of a request that took tokens from several limits. Immutable; the chain releases it at most once.
     * Its released headers say what the client has after the refund.
     */
    private final class RateLimitPermit implements Permit {
        private final Object[] taken;
        private final ConsumptionProbe[] probes;
        private final Tier[] tiers;
        private final long[] costs;

        RateLimitPermit(Object[] taken, ConsumptionProbe[] probes, Tier[] tiers, long[] costs) {
            this.taken = taken;
            this.probes = probes;
            this.tiers = tiers;
            this.costs = costs;
        }

        @Override
        public void writeHeaders(HeaderSink sink) {
            headers.write(sink, probes, tiers, costs, probes.length, 0);
        }

        @Override
        public void writeReleasedHeaders(HeaderSink sink) {
            headers.write(sink, probes, tiers, costs, probes.length, probes.length);
        }

        @Override
        public void complete(Outcome outcome) {
            // tokens stay spent: the request was served
        }

        @Override
        public void release() {
            refund(taken, tiers, costs, taken.length);
        }
    }

    /**
     * The permit of a policy with one limit that took its tokens. Immutable; like {@link RateLimitPermit}. A limit in
     * shadow mode writes no headers.
     */
    private final class OnePermit implements Permit {
        private final Object key;
        private final ConsumptionProbe probe;
        private final Tier tier;
        private final long cost;
        private final boolean described;

        OnePermit(Object key, ConsumptionProbe probe, Tier tier, long cost, boolean described) {
            this.key = key;
            this.probe = probe;
            this.tier = tier;
            this.cost = cost;
            this.described = described;
        }

        @Override
        public void writeHeaders(HeaderSink sink) {
            if (described) {
                headers.writeOne(sink, probe, tier, 0);
            }
        }

        @Override
        public void writeReleasedHeaders(HeaderSink sink) {
            if (described) {
                headers.writeOne(sink, probe, tier, cost);
            }
        }

        @Override
        public void complete(Outcome outcome) {
            // tokens stay spent: the request was served
        }

        @Override
        public void release() {
            if (cost == 1) {
                tier.buckets.refundOne(key);
            } else {
                tier.buckets.refund(key, cost);
            }
        }
    }

    /** Collects a stage. Not thread-safe; the stage is. */
    public static final class Builder {
        private final String policy;
        private final List<LimitSpec> limits = new ArrayList<>();
        private RateLimitHeaders headers = RateLimitHeaders.IETF;
        private NanoClock clock = NanoClock.system();

        private Builder(String policy) {
            Objects.requireNonNull(policy, "policyName");
            if (!LimitSpec.safeName(policy) || !StructuredFields.isValidString(policy)) {
                throw new IllegalArgumentException("policyName: \"" + policy
                        + "\" must be 1-64 chars of [a-z0-9._-] starting with a letter or digit");
            }
            this.policy = policy;
        }

        public Builder headers(RateLimitHeaders mode) {
            this.headers = Objects.requireNonNull(mode, "headers");
            return this;
        }

        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder limit(LimitSpec spec) {
            Objects.requireNonNull(spec, "limit");
            for (LimitSpec l : limits) {
                if (l.name().equals(spec.name())) {
                    throw new IllegalArgumentException("limit: two limits are named " + spec.name()
                            + " in policy " + policy);
                }
            }
            limits.add(spec);
            return this;
        }

        public RateLimitStage build() {
            if (limits.isEmpty()) {
                throw new IllegalArgumentException("policy " + policy + ": a rate-limit stage needs at least one limit");
            }
            return new RateLimitStage(this);
        }
    }
}
