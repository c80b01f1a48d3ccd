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
 * </ul>
 * Thread-safe. Cost per admitted request: per limit one resolver call, one cache lookup, one CAS on the
 * bucket, one {@link ConsumptionProbe}; plus one permit, and with several limits three small arrays.
 */
public final class RateLimitStage implements Stage {

    private final String policy;
    private final Limit[] limits;
    private final RateLimitHeaderWriter headers;
    private final List<LimitView> views;

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
        int n = limits.length;
        Object[] taken = new Object[n];
        ConsumptionProbe[] probes = new ConsumptionProbe[n];
        Tier[] tiers = new Tier[n];
        for (int i = 0; i < n; i++) {
            Limit limit = limits[i];
            String identity = limit.resolver.resolve(request);
            Object key = limit.key(identity);
            if (key == Limit.SKIPPED) {
                continue;
            }
            if (key instanceof Rejection refused) {
                refund(taken, tiers, i);
                return refused;
            }
            Tier tier = limit.plans.tierFor(identity);
            ConsumptionProbe probe = tier.buckets.tryConsumeOne(key);
            if (!probe.isConsumed()) {
                refund(taken, tiers, i);
                limit.counts.add(Decision.REJECTED);
                return rejection(i, probe, tier, probes, tiers);
            }
            taken[i] = key;
            probes[i] = probe;
            tiers[i] = tier;
        }
        // counted only now: a limit whose token was refunded because a later one rejected did not admit
        for (int i = 0; i < n; i++) {
            if (taken[i] != null) {
                limits[i].counts.add(Decision.ADMITTED);
            }
        }
        return new RateLimitPermit(taken, probes, tiers);
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
            return refused;
        }
        Tier tier = limit.plans.tierFor(identity);
        ConsumptionProbe probe = tier.buckets.tryConsumeOne(key);
        if (!probe.isConsumed()) {
            limit.counts.add(Decision.REJECTED);
            return rejection(0, probe, tier, null, null);
        }
        limit.counts.add(Decision.ADMITTED);
        return new OnePermit(key, probe, tier);
    }

    private static void refund(Object[] taken, Tier[] tiers, int upTo) {
        for (int j = upTo - 1; j >= 0; j--) {
            if (taken[j] != null) {
                tiers[j].buckets.refundOne(taken[j]);
            }
        }
    }

    /**
     * The 429 of the limit at {@code rejecting}; its headers also describe the earlier limits, which were refunded.
     *
     * @param probes the earlier limits' probes, or null when no earlier limit exists (then built on demand)
     */
    private Rejection rejection(int rejecting, ConsumptionProbe probe, Tier tier, ConsumptionProbe[] probes,
                                Tier[] tiers) {
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
        headers.write(r::header, probes, tiers, rejecting + 1, rejecting);
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

        RateLimitPermit(Object[] taken, ConsumptionProbe[] probes, Tier[] tiers) {
            this.taken = taken;
            this.probes = probes;
            this.tiers = tiers;
        }

        @Override
        public void writeHeaders(HeaderSink sink) {
            headers.write(sink, probes, tiers, probes.length, 0);
        }

        @Override
        public void writeReleasedHeaders(HeaderSink sink) {
            headers.write(sink, probes, tiers, probes.length, probes.length);
        }

        @Override
        public void complete(Outcome outcome) {
            // tokens stay spent: the request was served
        }

        @Override
        public void release() {
            refund(taken, tiers, taken.length);
        }
    }

    /** The permit of a policy with one limit that took a token. Immutable; like {@link RateLimitPermit}. */
    private final class OnePermit implements Permit {
        private final Object key;
        private final ConsumptionProbe probe;
        private final Tier tier;

        OnePermit(Object key, ConsumptionProbe probe, Tier tier) {
            this.key = key;
            this.probe = probe;
            this.tier = tier;
        }

        @Override
        public void writeHeaders(HeaderSink sink) {
            headers.writeOne(sink, probe, tier, false);
        }

        @Override
        public void writeReleasedHeaders(HeaderSink sink) {
            headers.writeOne(sink, probe, tier, true);
        }

        @Override
        public void complete(Outcome outcome) {
            // tokens stay spent: the request was served
        }

        @Override
        public void release() {
            tier.buckets.refundOne(key);
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
