package dev.seawall.core.ratelimit;

import dev.seawall.core.internal.Gauges;
import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.http.RetryAfter;
import dev.seawall.core.http.sf.StructuredFields;
import dev.seawall.core.internal.SipHash;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * All rate limits of one policy, consumed together.
 *
 * <h2>Design note for the next maintainer</h2>
 * <ul>
 *   <li><b>Buckets.</b> Each (limit, plan) binds its buckets in the limit's {@link BucketStore}: by default the
 *       {@link LocalBucketStore} (a bounded Caffeine cache of lock-free buckets; see there), or a store shared by
 *       every node. A limit on a shared store hashes identities with the store's per-deployment key, so that every
 *       node derives the same bucket key. Time comes from the injected {@link NanoClock}.</li>
 *   <li><b>Consumed together.</b> {@link #admit} takes one token from each applicable limit in order. When a
 *       later limit rejects, the tokens already taken are given back with {@code addTokens}, which caps at
 *       capacity, so a refund can never overfill a bucket even if it refilled in the meantime. The permit's
 *       {@link Permit#release()} refunds the same way when a later stage refuses the request.</li>
 *   <li><b>No identity stored in clear.</b> API keys, user names and tenant ids are hashed with a keyed
 *       64-bit SipHash (random per process, or the shared store's per-deployment key) and the cache key is the boxed hash. IP addresses are keys as
 *       text: they are not secrets, and an operator debugging a flood needs them. A 64-bit collision merges
 *       two clients' buckets; with a secret key an attacker cannot aim for one.</li>
 *   <li><b>Headers.</b> The {@code RateLimit-Policy} member of each (limit, plan) is serialized once at build
 *       time; {@code RateLimit} is serialized per response from the consumption probe.</li>
 * </ul>
 * Thread-safe. Cost per admitted request: per limit one resolver call, one cache lookup, one CAS on the
 * bucket, one {@link ConsumptionProbe}; plus one permit and two small arrays.
 */
public final class RateLimitStage implements Stage, Gauges.Owner {

    private final Gauges gauges;

    @Override
    public Gauges gauges() {
        return gauges;
    }

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitStage.class);
    private static final String SHARED_KEY = "\u0000shared";
    /** {@link Limit#key}'s answer for a limit that does not apply to the request (on-missing: skip). */
    private static final Object SKIPPED = new Object();
    private static final String TITLE = "Too Many Requests";

    private final String policy;
    private final Limit[] limits;
    private final RateLimitHeaders headers;
    /** {@code RateLimit-Policy} when every limit applied with its default rates: the usual case, joined once. */
    private final String allDefaultPolicies;

    private RateLimitStage(Builder b) {
        this.policy = b.policy;
        this.headers = b.headers;
        this.gauges = new Gauges(b.registry);
        SipHash hasher = b.hasher != null ? b.hasher : SipHash.random();
        this.limits = new Limit[b.limits.size()];
        for (int i = 0; i < limits.length; i++) {
            limits[i] = new Limit(policy, b.limits.get(i), hasher, b.clock, b.registry, gauges);
        }
        StringBuilder joined = new StringBuilder();
        for (Limit l : limits) {
            joined.append(joined.length() == 0 ? "" : ", ").append(l.defaultTier.policyItems);
        }
        this.allDefaultPolicies = joined.toString();
    }

    /** @return true when every limit up to {@code upTo} took part with its default rates */
    private boolean allDefault(ConsumptionProbe[] probes, Tier[] tiers, int upTo) {
        if (upTo != limits.length) {
            return false;
        }
        for (int i = 0; i < upTo; i++) {
            if (probes[i] == null || tiers[i] != limits[i].defaultTier) {
                return false;
            }
        }
        return true;
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
            if (key == SKIPPED) {
                continue;
            }
            if (key instanceof Rejection refused) {
                refund(taken, tiers, i);
                return refused;
            }
            Tier tier = identity == null ? limit.defaultTier : limit.tierFor(identity);
            ConsumptionProbe probe = tier.buckets.tryConsumeOne(key);
            if (!probe.isConsumed()) {
                refund(taken, tiers, i);
                limit.rejected.increment();
                return rejection(i, probe, tier, probes, tiers);
            }
            taken[i] = key;
            probes[i] = probe;
            tiers[i] = tier;
        }
        // counted only now: a limit whose token was refunded because a later one rejected did not admit
        for (int i = 0; i < n; i++) {
            if (taken[i] != null) {
                limits[i].admitted.increment();
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
        if (key == SKIPPED) {
            return Permit.NONE; // nothing taken, no headers: what a permit of a skipped limit does
        }
        if (key instanceof Rejection refused) {
            return refused;
        }
        Tier tier = identity == null ? limit.defaultTier : limit.tierFor(identity);
        ConsumptionProbe probe = tier.buckets.tryConsumeOne(key);
        if (!probe.isConsumed()) {
            limit.rejected.increment();
            return rejection(0, probe, tier, null, null);
        }
        limit.admitted.increment();
        return new OnePermit(key, probe, tier);
    }

    private static void refund(Object[] taken, Tier[] tiers, int upTo) {
        for (int j = upTo - 1; j >= 0; j--) {
            if (taken[j] != null) {
                tiers[j].buckets.refundOne(taken[j]);
            }
        }
    }

    /** @param probes the earlier limits' probes, or null when no earlier limit exists (then built on demand) */
    private Rejection rejection(int rejecting, ConsumptionProbe probe, Tier tier, ConsumptionProbe[] probes,
                                Tier[] tiers) {
        Limit limit = limits[rejecting];
        long retryAfter = RetryAfter.seconds(probe.getNanosToWaitForRefill());
        // When no earlier limit took part, everything the rejection says follows from (tier, retry-after, reset,
        // remaining), which barely change while one client floods: reuse the rejection built for the same values
        // (and with it the rendered body), so refusing a flood costs less than serving it.
        boolean alone = true;
        for (int j = 0; probes != null && j < rejecting; j++) {
            if (probes[j] != null) {
                alone = false;
                break;
            }
        }
        long reset = RetryAfter.secondsOrZero(probe.getNanosToWaitForReset());
        long remaining = Math.max(0, probe.getRemainingTokens());
        int slot = (int) ((retryAfter * 31 + reset) & (Limit.RECENT - 1));
        if (alone) {
            RecentRejection c = limit.recent[slot];
            if (c != null && c.tier == tier && c.retryAfter == retryAfter && c.reset == reset
                    && c.remaining == remaining) {
                return c.rejection;
            }
        }
        Rejection.Builder r = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, TITLE)
                .detail("The rate limit '" + limit.name + "' of policy '" + policy + "' is exhausted; retry after "
                        + retryAfter + (retryAfter == 1 ? " second." : " seconds."))
                .extension("policy", policy)
                .extension("limit", limit.name)
                .header("Retry-After", Long.toString(retryAfter));
        if (probes == null) {
            probes = new ConsumptionProbe[rejecting + 1];
            tiers = new Tier[rejecting + 1];
        }
        probes[rejecting] = probe;
        tiers[rejecting] = tier;
        writeRateLimitHeaders(r::header, probes, tiers, rejecting + 1);
        Rejection built = r.build();
        if (alone) {
            limit.recent[slot] = new RecentRejection(tier, retryAfter, reset, remaining, built);
        }
        return built;
    }

    /**
     * A rejection and the values it was built from. Immutable (final fields), so a slot written by one thread and
     * read by another without a lock shows either the old entry or a complete new one.
     */
    private record RecentRejection(Tier tier, long retryAfter, long reset, long remaining, Rejection rejection) {
    }

    /** Writes the headers of the limits applied to this request (those with a probe), per mode. */
    private void writeRateLimitHeaders(HeaderSink sink, ConsumptionProbe[] probes, Tier[] tiers, int upTo) {
        if (headers == RateLimitHeaders.NONE) {
            return;
        }
        if (headers.ietf()) {
            // Written on every admitted response, so it is built by hand from per-limit prefixes serialized
            // (and validated) once at start-up: in a JFR profile of a trivial endpoint behind one IP limit,
            // writing these headers was ~9 % of the server's samples. Only the two integers vary per request.
            String policyValue = null;
            StringBuilder policies = null;
            StringBuilder state = null;
            boolean usual = allDefault(probes, tiers, upTo);
            for (int i = 0; i < upTo; i++) {
                if (probes[i] == null) {
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
                appendState(state, limits[i], probes[i]);
            }
            if (state != null) {
                sink.set("RateLimit-Policy", policies != null ? policies.toString() : policyValue);
                sink.set("RateLimit", state.toString());
            }
        }
        if (headers.legacy()) {
            int most = -1;
            for (int i = 0; i < upTo; i++) {
                if (probes[i] != null && (most < 0
                        || probes[i].getRemainingTokens() < probes[most].getRemainingTokens())) {
                    most = i;
                }
            }
            if (most >= 0) {
                sink.set("X-RateLimit-Limit", Long.toString(tiers[most].smallestQuota));
                sink.set("X-RateLimit-Remaining", Long.toString(Math.max(0, probes[most].getRemainingTokens())));
                sink.set("X-RateLimit-Reset",
                        Long.toString(RetryAfter.secondsOrZero(probes[most].getNanosToWaitForReset())));
            }
        }
    }

    private static void appendState(StringBuilder state, Limit limit, ConsumptionProbe probe) {
        state.append(limit.statePrefix);
        StructuredFields.appendInteger(state, Math.max(0, probe.getRemainingTokens()));
        state.append(";t=");
        StructuredFields.appendInteger(state, RetryAfter.secondsOrZero(probe.getNanosToWaitForReset()));
    }

    /** @return a read-only view of each limit for status pages and tests */
    public List<LimitView> limits() {
        List<LimitView> views = new ArrayList<>(limits.length);
        for (Limit l : limits) {
            views.add(new LimitView(l));
        }
        return views;
    }

    /** @return the header mode */
    public RateLimitHeaders headers() {
        return headers;
    }

    /** Removes expired entries now; for tests and status pages (the caches also clean up as they are used). */
    public void cleanUp() {
        for (Limit l : limits) {
            for (Tier t : l.allTiers) {
                t.buckets.cleanUp();
            }
        }
    }

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
            writeRateLimitHeaders(sink, probes, tiers, probes.length);
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

    /** The permit of a policy with one limit that took a token. Immutable. */
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
            if (headers != RateLimitHeaders.IETF) {
                // the other modes are rare; they share the general writer
                writeRateLimitHeaders(sink, new ConsumptionProbe[] {probe}, new Tier[] {tier}, 1);
                return;
            }
            StringBuilder state = new StringBuilder(40);
            appendState(state, limits[0], probe);
            sink.set("RateLimit-Policy", tier.policyItems);
            sink.set("RateLimit", state.toString());
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

    /** A read-only view of one limit. Thread-safe; counts are live. */
    public static final class LimitView {
        private final Limit limit;

        private LimitView(Limit limit) {
            this.limit = limit;
        }

        public String name() {
            return limit.name;
        }

        public KeyKind kind() {
            return limit.resolver.kind();
        }

        public List<Rate> rates() {
            return limit.defaultTier.rates;
        }

        /** @return keys currently tracked across the limit's plans (an estimate, as Caffeine reports it) */
        public long trackedKeys() {
            return limit.trackedKeys();
        }

        public long admitted() {
            return (long) limit.admitted.count();
        }

        public long rejected() {
            return (long) limit.rejected.count();
        }

        public long skipped() {
            return (long) limit.skipped.count();
        }

        public long missing() {
            return (long) limit.missing.count();
        }

        public long invalid() {
            return (long) limit.invalid.count();
        }
    }

    /** One limit and its plans. */
    private static final class Limit {
        final String name;
        final KeyResolver resolver;
        final OnMissing onMissing;
        final boolean hashIdentity;
        final ToLongFunction<String> hasher;
        final BucketStore store;
        final PlanResolver planResolver;
        final Tier defaultTier;
        final Map<String, Tier> tiers;
        final List<Tier> allTiers;
        final Rejection missingRejection;
        final Rejection invalidRejection;
        final DecisionCounter admitted;
        final DecisionCounter rejected;
        final DecisionCounter skipped;
        final DecisionCounter missing;
        final DecisionCounter invalid;
        final AtomicBoolean unknownPlanLogged = new AtomicBoolean();
        /** Slots of {@link #recent}: a power of two. */
        static final int RECENT = 64;
        /** Recently built rejections of this limit, direct-mapped by (retry-after, reset); racy by design. */
        final RecentRejection[] recent = new RecentRejection[RECENT];
        /** {@code "name";r=} of the {@code RateLimit} header, serialized (and so validated) once. */
        final String statePrefix;

        Limit(String policy, LimitSpec spec, SipHash hasher, NanoClock clock, MeterRegistry registry, Gauges gauges) {
            this.name = spec.name();
            this.statePrefix = new StructuredFields.ListBuilder().string(name).build() + ";r=";
            this.resolver = spec.resolver();
            this.onMissing = spec.onMissing();
            this.hashIdentity = resolver.kind() != KeyKind.IP;
            this.store = spec.store();
            ToLongFunction<String> shared = store.identityHash();
            this.hasher = shared != null ? shared : hasher::hash;
            this.planResolver = spec.planResolver();
            this.defaultTier = new Tier(policy, name, "default", spec.rates(), spec.maxKeys(), clock, store);
            Map<String, Tier> t = new LinkedHashMap<>();
            List<Tier> all = new ArrayList<>();
            all.add(defaultTier);
            for (Map.Entry<String, List<Rate>> e : spec.plans().entrySet()) {
                Tier tier = new Tier(policy, name, e.getKey(), e.getValue(), spec.maxKeys(), clock, store);
                t.put(e.getKey(), tier);
                all.add(tier);
            }
            this.tiers = Map.copyOf(t);
            this.allTiers = List.copyOf(all);
            KeyKind kind = resolver.kind();
            Rejection.Builder missingB = kind == KeyKind.TENANT
                    ? Rejection.builder(400, ProblemTypes.IDENTITY_REQUIRED, "Tenant Required")
                    .detail("This resource needs a tenant id.")
                    : Rejection.builder(401, ProblemTypes.IDENTITY_REQUIRED,
                    kind == KeyKind.API_KEY ? "API Key Required" : "Authentication Required")
                    .detail(kind == KeyKind.API_KEY ? "This resource needs an API key."
                            : "This resource needs an authenticated user.");
            if (kind == KeyKind.API_KEY && spec.resolver() instanceof dev.seawall.core.key.ApiKeyResolver a) {
                missingB.header("WWW-Authenticate", "ApiKey header=\"" + a.header() + "\"");
            }
            this.missingRejection = missingB.extension("policy", policy).extension("limit", name).build();
            this.invalidRejection = Rejection.builder(400, ProblemTypes.INVALID_IDENTITY, "Invalid Identity")
                    .detail("The request's " + kind.configName() + " is malformed.")
                    .extension("policy", policy).extension("limit", name).build();
            MeterRegistry r = registry;
            this.admitted = new DecisionCounter(r, policy, name, "admitted");
            this.rejected = new DecisionCounter(r, policy, name, "rejected");
            this.skipped = new DecisionCounter(r, policy, name, "skipped");
            this.missing = new DecisionCounter(r, policy, name, "missing");
            this.invalid = new DecisionCounter(r, policy, name, "invalid");
            gauges.add(Gauge.builder("seawall.ratelimit.tracked.keys", this, Limit::trackedKeys)
                    .description("Keys with a bucket in memory")
                    .tag("policy", policy).tag("limit", name));
        }

        /**
         * The bucket key for a resolved identity, counting the outcome when there is none: the key, {@link #SKIPPED},
         * or the rejection for a missing or malformed identity.
         */
        Object key(String identity) {
            if (identity == null) {
                switch (onMissing) {
                    case SKIP -> {
                        skipped.increment();
                        return SKIPPED;
                    }
                    case SHARED -> {
                        return SHARED_KEY;
                    }
                    default -> {
                        missing.increment();
                        return missingRejection;
                    }
                }
            }
            if (identity == KeyResolver.INVALID) {
                invalid.increment();
                return invalidRejection;
            }
            return hashIdentity ? (Object) hasher.applyAsLong(identity) : identity;
        }

        Tier tierFor(String identity) {
            if (planResolver == null) {
                return defaultTier;
            }
            String plan = planResolver.planFor(resolver.kind(), identity);
            if (plan == null) {
                return defaultTier;
            }
            Tier t = tiers.get(plan);
            if (t == null) {
                if (unknownPlanLogged.compareAndSet(false, true)) {
                    LOG.warn("limit {}: the plan resolver named a plan \"{}\" that the limit does not declare;"
                            + " using the default rates (logged once)", name, plan.length() > 40 ? plan.substring(0, 40) : plan);
                }
                return defaultTier;
            }
            return t;
        }

        long trackedKeys() {
            long sum = 0;
            for (Tier t : allTiers) {
                sum += t.buckets.trackedKeys();
            }
            return sum;
        }
    }

    /**
     * A counter that is both a Micrometer meter and a cheap local count (a {@code LongAdder}) for status
     * pages, because a registry may be a no-op.
     */
    private static final class DecisionCounter {
        private final Counter counter;
        private final java.util.concurrent.atomic.LongAdder local = new java.util.concurrent.atomic.LongAdder();

        DecisionCounter(MeterRegistry registry, String policy, String limit, String outcome) {
            this.counter = Counter.builder("seawall.ratelimit.decisions")
                    .description("Rate-limit decisions by policy, limit and outcome")
                    .tag("policy", policy).tag("limit", limit).tag("outcome", outcome)
                    .register(registry);
        }

        void increment() {
            counter.increment();
            local.increment();
        }

        double count() {
            return local.sum();
        }
    }

    /** The buckets of one (limit, plan), wherever the store keeps them, and its pre-serialized policy items. */
    private static final class Tier {
        final List<Rate> rates;
        final BucketStore.Buckets buckets;
        final String policyItems;
        final long smallestQuota;

        Tier(String policy, String limitName, String plan, List<Rate> rates, long maxKeys, NanoClock clock,
             BucketStore store) {
            this.rates = List.copyOf(rates);
            long smallest = Long.MAX_VALUE;
            StructuredFields.ListBuilder items = new StructuredFields.ListBuilder();
            for (int i = 0; i < rates.size(); i++) {
                Rate r = rates.get(i);
                smallest = Math.min(smallest, r.tokens());
                items.string(i == 0 ? limitName : limitName + "-" + (i + 1))
                        .param("q", r.tokens()).param("w", r.windowSeconds());
            }
            this.policyItems = items.build();
            this.smallestQuota = smallest;
            this.buckets = store.buckets(new BucketSpec(policy, limitName, plan, rates, maxKeys, clock));
        }
    }


    /** Collects a stage. Not thread-safe; the stage is. */
    public static final class Builder {
        private final String policy;
        private final List<LimitSpec> limits = new ArrayList<>();
        private RateLimitHeaders headers = RateLimitHeaders.IETF;
        private MeterRegistry registry = Metrics.globalRegistry;
        private NanoClock clock = NanoClock.system();
        private SipHash hasher;

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

        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The keyed hash for identities; default a random key per stage. */
        public Builder hasher(SipHash hasher) {
            this.hasher = Objects.requireNonNull(hasher, "hasher");
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
