package dev.seawall.core.internal.config;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.breaker.SharedBreakerState;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exemption;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ExemptConfig;
import dev.seawall.core.config.FallbackConfig;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.config.SourceMap;
import dev.seawall.core.config.StatusRange;
import dev.seawall.core.config.ThrottleConfig;
import dev.seawall.core.config.TimeoutConfig;
import dev.seawall.core.fallback.FallbackHandler;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.StaleCache;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.KeyResolvers;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.LimitSpec;
import dev.seawall.core.ratelimit.LocalBucketStore;
import dev.seawall.core.ratelimit.PlanResolver;
import dev.seawall.core.ratelimit.RateLimitHeaders;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.internal.throttle.AdaptiveLimits;
import dev.seawall.core.throttle.ConcurrencyLimit;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.core.throttle.ThrottleStageBuilder;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.TimeoutStage;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns validated configuration into policies and stages. Stateless and thread-safe; runs at start-up
 * and on reload, never per request.
 *
 * <p>Meters: the public builders of one stage and {@link #policies(SeawallConfig, Context, Breakers)} bind the stages'
 * meters to the context's registry (adapters call them for stages they run themselves); the variant for a reload
 * leaves that to the engine, which binds when it takes the stages into service.
 */
public final class PolicyFactory {

    /**
     * What stages need from their surroundings.
     *
     * @param planResolver an application's plan directory (SPI), consulted before the YAML's {@code plan-of};
     *                     null when none
     */
    public record Context(NanoClock clock, MeterRegistry meterRegistry, PlanResolver planResolver, BucketStore store) {
        public Context {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(meterRegistry, "meterRegistry");
            Objects.requireNonNull(store, "store");
        }

        /** A context whose limits keep their buckets in this JVM. */
        public Context(NanoClock clock, MeterRegistry meterRegistry, PlanResolver planResolver) {
            this(clock, meterRegistry, planResolver, LocalBucketStore.INSTANCE);
        }
    }

    /**
     * The configuration a reload replaces, and the policies built from it: a stage whose settings (and the global
     * settings it depends on) did not change is carried into the new configuration with its state, buckets,
     * breaker window, queue and cached copies included. Positions are not settings: they live beside them.
     *
     * @param store the bucket store the previous policies used
     */
    public record Previous(SeawallConfig config, List<Policy> policies, BucketStore store) {

        Stage stage(String policy, StageKind kind) {
            for (Policy p : policies) {
                if (p.name().equals(policy)) {
                    return p.chain().stage(kind);
                }
            }
            return null;
        }
    }

    /**
     * Where a policy's settings were written, for errors found while building its stages: the file and the
     * positions of its keys. Immutable and thread-safe.
     *
     * @param source    the name errors cite
     * @param positions key path to line ({@link SourceMap#EMPTY} for init-params and annotations)
     * @param path      the policy's key path, e.g. {@code policies[2]}; empty when the positions are empty
     */
    public record Where(String source, SourceMap positions, String path) {
        public Where {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(positions, "positions");
            Objects.requireNonNull(path, "path");
        }

        /** A source without positions (errors cite no line). */
        public static Where of(String source) {
            return new Where(source, SourceMap.EMPTY, "");
        }

        /** The {@code i}-th policy of a loaded configuration. */
        public static Where policy(SeawallConfig config, int i) {
            return new Where(config.source(), config.positions(), "policies[" + i + "]");
        }

        /** The policy of this name in a loaded configuration (no positions when it has none). */
        public static Where policy(SeawallConfig config, String name) {
            for (int i = 0; i < config.policies().size(); i++) {
                if (config.policies().get(i).name().equals(name)) {
                    return policy(config, i);
                }
            }
            return of(config.source());
        }

        /** @return the line of a key below the policy ({@code throttle}, {@code rate-limits[1]}), or 0 */
        public int line(String key) {
            if (path.isEmpty()) {
                return 0;
            }
            return positions.line(key.isEmpty() ? path : path + "." + key);
        }
    }

    private PolicyFactory() {
    }

    /** @return every policy of the file, each with its chain */
    public static List<Policy> policies(SeawallConfig config, Context context) {
        return policies(config, context, new Breakers());
    }

    /**
     * @param breakers named breakers shared with other configurations built with the same instance (the JAX-RS
     *                 feature builds one configuration per annotated resource method, and methods naming the same
     *                 breaker share it)
     * @return every policy of the file, each with its chain
     */
    public static List<Policy> policies(SeawallConfig config, Context context, Breakers breakers) {
        List<Policy> built = policies(config, context, breakers, null);
        SeawallMeters.bind(context.meterRegistry(), built);
        return built;
    }

    /**
     * @param previous the configuration being replaced by a reload, whose unchanged stages are carried over; null
     *                 at start-up
     * @return every policy of the file, each with its chain; their meters are not bound (the engine binds them when
     *         it takes them into service)
     */
    public static List<Policy> policies(SeawallConfig config, Context context, Breakers breakers, Previous previous) {
        TrustedProxies trusted = TrustedProxies.of(config.trustedProxies());
        Carry carry = previous == null ? null : new Carry(previous, config, context);
        if (carry != null) {
            carry.seed(breakers);
        }
        List<Policy> out = new ArrayList<>();
        for (int i = 0; i < config.policies().size(); i++) {
            PolicyConfig p = config.policies().get(i);
            out.add(policy(Where.policy(config, i), p, trusted, config.ipv6Prefix(), config.rateLimitHeaders(), context,
                    breakers, config.exemptFor(p), carry));
        }
        return out;
    }

    /** Decides, stage by stage, whether a reload may keep the previous stage. Build-time only. */
    private static final class Carry {
        private final Previous previous;
        private final boolean sameKeys;
        private final boolean sameStore;
        private final boolean sameLimits;

        Carry(Previous previous, SeawallConfig next, Context context) {
            this.previous = previous;
            SeawallConfig old = previous.config();
            this.sameKeys = ReloadCarry.sameKeys(old, next);
            this.sameStore = previous.store() == context.store();
            this.sameLimits = ReloadCarry.sameLimits(old, next, sameStore);
        }

        /**
         * Offers the previous breakers, so that a breaker declared with the same name and settings keeps its window.
         */
        void seed(Breakers breakers) {
            for (Policy p : previous.policies()) {
                if (p.chain().stage(StageKind.CIRCUIT_BREAKER) instanceof BreakerStage b) {
                    PolicyConfig pc = previous.config().policy(p.name());
                    // a shared breaker follows its store's record: it is carried only while the store stays
                    if (pc != null && pc.circuitBreaker() != null
                            && (!pc.circuitBreaker().shared() || sameStore)) {
                        breakers.carried.putIfAbsent(b.breaker().name(),
                                new SharedBreaker(b.breaker(), pc.circuitBreaker()));
                    }
                }
            }
        }

        Stage stage(PolicyConfig p, StageKind kind) {
            PolicyConfig old = previous.config().policy(p.name());
            return old != null && ReloadCarry.keepsStage(old, p, kind, sameKeys, sameLimits)
                    ? previous.stage(p.name(), kind) : null;
        }

        /** @return the previous policy's idempotency step when nothing it depends on changed, so its keys survive */
        IdempotencyGuard idempotency(PolicyConfig p) {
            PolicyConfig old = previous.config().policy(p.name());
            if (old == null || !ReloadCarry.keepsIdempotency(old, p, sameLimits)) {
                return null;
            }
            return previousIdempotency(p);
        }

        /** @return the previous step of the policy of this name, whatever changed: a new step takes over its keys */
        IdempotencyGuard previousIdempotency(PolicyConfig p) {
            for (Policy q : previous.policies()) {
                if (q.name().equals(p.name())) {
                    return CoreAccess.idempotency(q);
                }
            }
            return null;
        }
    }

    /** A named breaker and the settings of its first declaration, which later declarations must repeat. */
    private record SharedBreaker(Breaker breaker, CircuitBreakerConfig settings) {
    }

    /** The named breakers of one configuration while it is being built. Not thread-safe; build-time only. */
    public static final class Breakers {
        private final Map<String, SharedBreaker> byName = new HashMap<>();
        /** breakers of the configuration a reload replaces, by effective name */
        private final Map<String, SharedBreaker> carried = new HashMap<>();

        public Breakers() {
        }
    }

    static Policy policy(Where source, PolicyConfig p, TrustedProxies trusted, int ipv6Prefix,
                         RateLimitHeaders headers, Context context, Breakers breakers) {
        return policy(source, p, trusted, ipv6Prefix, headers, context, breakers, p.exempt(), null);
    }

    /** @param exempt what is exempt in this policy: its own block and the file's, or null */
    private static Policy policy(Where source, PolicyConfig p, TrustedProxies trusted, int ipv6Prefix,
                                 RateLimitHeaders headers, Context context, Breakers breakers, ExemptConfig exempt,
                                 Carry carry) {
        List<Stage> stages = new ArrayList<>();
        if (!p.rateLimits().isEmpty()) {
            Stage kept = carry == null ? null : carry.stage(p, StageKind.RATE_LIMIT);
            stages.add(kept != null ? kept : buildRateLimitStage(source, p.name(), p.rateLimits(), trusted,
                    ipv6Prefix, headers, context));
        }
        if (p.throttle() != null) {
            Stage kept = carry == null ? null : carry.stage(p, StageKind.THROTTLE);
            stages.add(kept != null ? kept : buildThrottleStage(source, p.name(), p.throttle(), trusted, ipv6Prefix,
                    context));
        }
        if (p.circuitBreaker() != null) {
            stages.add(buildBreakerStage(source, p.name(), p.circuitBreaker(), context, breakers));
        }
        if (p.timeout() != null) {
            Stage kept = carry == null ? null : carry.stage(p, StageKind.TIMEOUT);
            stages.add(kept != null ? kept : buildTimeoutStage(source, p.name(), p.timeout()));
        }
        if (p.fallback() != null) {
            Stage kept = carry == null ? null : carry.stage(p, StageKind.FALLBACK);
            stages.add(kept != null ? kept : buildFallbackStage(source, p.name(), p.fallback(), p.failClosed(),
                    identityHeaders(p.rateLimits()), context));
        }
        ChainBuilder chain = ChainBuilder.create().label("policy " + p.name())
                .exemption(StageResolvers.exemption(p, exempt, trusted));
        if (p.idempotency() != null) {
            chain.allowEmpty();
        }
        if (p.order() != null) {
            chain.keepOrder();
            for (StageKind k : p.order()) {
                for (Stage s : stages) {
                    if (s.kind() == k) {
                        chain.add(s);
                    }
                }
            }
        } else {
            stages.forEach(chain::add);
        }
        Policy policy = new Policy(p.name(), p.paths(), p.methods(), chain.build(), p.failClosed(), p.bufferBytes());
        if (p.idempotency() == null) {
            return policy;
        }
        IdempotencyGuard kept = carry == null ? null : carry.idempotency(p);
        return CoreAccess.withIdempotency(policy, kept != null ? kept
                : IdempotencyFactory.guard(p, trusted, ipv6Prefix, context.store(), context.clock(),
                        carry == null ? null : carry.previousIdempotency(p)));
    }

    /**
     * Who skips the rate limits and throttle of one policy of a file: the policy's own {@code exempt} block and the
     * file's top-level one, with the file's trusted proxies; the same exemption the policy gets in a whole engine.
     * For the standalone filters built from {@code config} plus {@code policy}.
     *
     * @return the exemption, or null when nothing is exempt or the policy has neither rate limits nor a throttle
     */
    public static Exemption exemption(SeawallConfig config, PolicyConfig p) {
        return StageResolvers.exemption(p, config.exemptFor(p), TrustedProxies.of(config.trustedProxies()));
    }

    /**
     * Builds the rate-limit stage of one policy (also used by the standalone {@code RateLimitFilter}).
     *
     * @throws ConfigException when a limit cannot be built, citing the limit's line
     */
    public static RateLimitStage rateLimitStage(Where source, String policyName, List<RateLimitConfig> limits,
                                                TrustedProxies trusted, int ipv6Prefix, RateLimitHeaders headers,
                                                Context context) {
        return SeawallMeters.bind(context.meterRegistry(),
                buildRateLimitStage(source, policyName, limits, trusted, ipv6Prefix, headers, context));
    }

    private static RateLimitStage buildRateLimitStage(Where source, String policyName, List<RateLimitConfig> limits,
                                                      TrustedProxies trusted, int ipv6Prefix,
                                                      RateLimitHeaders headers, Context context) {
        RateLimitStage.Builder b = RateLimitStage.builder(policyName)
                .headers(headers)
                .clock(context.clock());
        for (int i = 0; i < limits.size(); i++) {
            RateLimitConfig l = limits.get(i);
            try {
                LimitSpec.Builder spec = LimitSpec.builder(l.name(), StageResolvers.resolver(l, trusted, ipv6Prefix))
                        .store(l.local() ? LocalBucketStore.INSTANCE : context.store())
                        .rates(l.rates())
                        .onMissing(l.onMissing())
                        .maxKeys(l.maxKeys())
                        .cost(l.cost())
                        .shadow(l.shadow());
                if (!l.plans().isEmpty()) {
                    l.plans().forEach(spec::plan);
                    spec.planResolver(StageResolvers.planResolver(l, context.planResolver()));
                }
                b.limit(spec.build());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source.source(), source.line("rate-limits[" + i + "]"),
                        "policy " + policyName + ", limit " + l.name(),
                        e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.source(), source.line(""), "policy " + policyName, e.getMessage());
        }
    }

    /**
     * Builds the throttle stage of one policy (also used by the standalone {@code ThrottleFilter}).
     *
     * @throws ConfigException when the stage cannot be built, citing the throttle's line
     */
    public static ThrottleStage throttleStage(Where source, String policyName, ThrottleConfig t,
                                              TrustedProxies trusted, int ipv6Prefix, Context context) {
        return SeawallMeters.bind(context.meterRegistry(),
                buildThrottleStage(source, policyName, t, trusted, ipv6Prefix, context));
    }

    private static ThrottleStage buildThrottleStage(Where source, String policyName, ThrottleConfig t,
                                                    TrustedProxies trusted, int ipv6Prefix, Context context) {
        try {
            ThrottleStageBuilder b = ThrottleStage.builder(policyName)
                    .limit(t.adaptive() ? AdaptiveLimits.create(t.limit(), context.clock(), t.shadow())
                            : ConcurrencyLimit.fixed(t.maxConcurrent()))
                    .queue(t.queue())
                    .maxWait(t.maxWait())
                    .shadow(t.shadow())
                    .clock(context.clock());
            if (t.priority() != null) {
                b.classifier(StageResolvers.classifier(t.priority()));
            }
            KeyResolver key = null;
            if (t.maxPerKey() > 0) {
                key = switch (t.perKey()) {
                    case IP -> KeyResolvers.ip(trusted, ipv6Prefix);
                    case API_KEY -> KeyResolvers.apiKey(null);
                    case USER -> KeyResolvers.user(null);
                    case TENANT -> KeyResolvers.tenant(TenantSource.HEADER, null, -1);
                };
                b.fairShare(key, t.maxPerKey());
            }
            ThrottleConfig.Criticality c = t.criticality();
            if (c != null) {
                if (c.header() != null && trusted.isEmpty()) {
                    throw new IllegalArgumentException("criticality.header: is believed only from trusted callers,"
                            + " and trusted-proxies is empty (list the proxies that set it, or drop the header)");
                }
                // the stage takes a caller's fair-share key for its cohort when it resolves, else this: the client IP
                b.criticality(StageResolvers.criticality(c, trusted), c.reserve(), KeyResolvers.ip(trusted, ipv6Prefix),
                        c.cohortRotation());
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.source(), source.line("throttle"), "policy " + policyName + ", throttle", e.getMessage());
        }
    }

    /**
     * Builds the circuit-breaker stage of one policy (also used by the standalone {@code CircuitBreakerFilter}).
     * A breaker with a {@code name} is shared by every policy naming it; they must declare the same settings.
     *
     * @param breakers named breakers built so far (a new {@link Breakers} per configuration)
     */
    public static BreakerStage breakerStage(Where source, String policyName, CircuitBreakerConfig c, Context context,
                                            Breakers breakers) {
        return SeawallMeters.bind(context.meterRegistry(), buildBreakerStage(source, policyName, c, context, breakers));
    }

    private static BreakerStage buildBreakerStage(Where source, String policyName, CircuitBreakerConfig c,
                                                  Context context, Breakers breakers) {
        Map<String, SharedBreaker> shared = breakers.byName;
        String name = c.name() != null ? c.name() : policyName;
        CircuitBreakerConfig settings = c;
        SharedBreaker existing = c.name() == null ? null : shared.get(name);
        SharedBreaker carried = breakers.carried.get(name);
        if (existing == null && carried != null && carried.settings().equals(settings)) {
            // a reload that kept this breaker's settings keeps its window and state
            existing = carried;
            if (c.name() != null) {
                shared.put(name, carried);
            }
        }
        Breaker breaker;
        if (existing != null) {
            if (!existing.settings().equals(settings)) {
                throw new ConfigException(source.source(), source.line("circuit-breaker"), "policy " + policyName
                        + ", circuit-breaker",
                        "the shared breaker \"" + name + "\" is declared with other settings elsewhere; declare it"
                                + " identically in every policy that names it");
            }
            breaker = existing.breaker();
        } else {
            try {
                breaker = new Breaker(name, c.failureRate(), c.minimumCalls(), c.windowCalls(), c.windowTime(),
                        c.openFor(), c.halfOpenCalls(), context.clock());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source.source(), source.line("circuit-breaker"), "policy " + policyName
                        + ", circuit-breaker", e.getMessage());
            }
            if (c.shared()) {
                SharedBreakerState state = context.store().sharedBreakers();
                if (state == null) {
                    int line = source.line("circuit-breaker.shared");
                    throw new ConfigException(source.source(), line != 0 ? line : source.line("circuit-breaker"),
                            "policy " + policyName + ", circuit-breaker.shared", "a shared breaker needs a shared"
                                    + " store (store: {type: redis, ...}); the store is " + context.store().describe());
                }
                breaker.shareThrough(state);
            }
            if (c.name() != null) {
                shared.put(name, new SharedBreaker(breaker, settings));
            }
        }
        List<StatusRange> statuses = c.failureStatuses();
        return new BreakerStage(policyName, breaker, status -> {
            for (StatusRange r : statuses) {
                if (r.contains(status)) {
                    return true;
                }
            }
            return false;
        }, c.slowCall(), "shadow".equals(c.mode()));
    }

    /**
     * Builds the timeout stage of one policy (also used by the standalone {@code TimeoutFilter}).
     */
    public static TimeoutStage timeoutStage(Where source, String policyName, TimeoutConfig t, Context context) {
        return SeawallMeters.bind(context.meterRegistry(), buildTimeoutStage(source, policyName, t));
    }

    private static TimeoutStage buildTimeoutStage(Where source, String policyName, TimeoutConfig t) {
        try {
            return new TimeoutStage(policyName, t.after(), t.status(), t.deadlineHeader());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.source(), source.line("timeout"), "policy " + policyName + ", timeout", e.getMessage());
        }
    }

    /**
     * Builds the fallback stage of one policy (also used by the standalone {@code FallbackFilter}); instantiates
     * its {@code handler} class through the thread's context class loader.
     *
     * @param identityHeaders request headers, besides the standard ones, that identify a caller for the stale cache
     */
    public static FallbackStage fallbackStage(Where source, String policyName, FallbackConfig f, boolean failClosed,
                                              List<String> identityHeaders, Context context) {
        return SeawallMeters.bind(context.meterRegistry(),
                buildFallbackStage(source, policyName, f, failClosed, identityHeaders, context));
    }

    private static FallbackStage buildFallbackStage(Where source, String policyName, FallbackConfig f,
                                                    boolean failClosed, List<String> identityHeaders,
                                                    Context context) {
        String where = "policy " + policyName + ", fallback";
        try {
            FallbackStage.Builder b = FallbackStage.builder(policyName)
                    .on(f.on())
                    .failClosed(failClosed);
            if (f.hasStatic()) {
                List<Rejection.Header> headers = new ArrayList<>();
                headers.add(new Rejection.Header("Content-Type", f.contentType()));
                f.headers().forEach((n, v) -> headers.add(new Rejection.Header(n, v)));
                String body = f.body() == null ? "" : f.body();
                b.staticResponse(new FallbackResponse(f.status(), headers, body.getBytes(StandardCharsets.UTF_8),
                        "fallback"));
            }
            if (f.handler() != null) {
                b.handler(handler(source, f, where));
            }
            if (f.staleCache() != null) {
                b.staleCache(new StaleCache(f.staleCache(), f.cacheEntries(), f.cacheBytes(), identityHeaders,
                        context.clock(), f.cacheNoStore()));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.source(), source.line("fallback"), where, e.getMessage());
        }
    }

    private static FallbackHandler handler(Where source, FallbackConfig f, String where) {
        int line = source.line("fallback");
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = PolicyFactory.class.getClassLoader();
        }
        Class<?> type;
        try {
            type = Class.forName(f.handler(), true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(source.source(), line, where + ".handler", "class " + f.handler() + " is not found"
                    + " on the application's class path");
        }
        if (!FallbackHandler.class.isAssignableFrom(type)) {
            throw new ConfigException(source.source(), line, where + ".handler", "class " + f.handler()
                    + " does not implement " + FallbackHandler.class.getName());
        }
        try {
            return (FallbackHandler) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ConfigException(source.source(), line, where + ".handler", "class " + f.handler()
                    + " cannot be created through a public no-argument constructor");
        }
    }

    /** The API-key and tenant headers a policy's limits read: they identify callers for the stale cache too. */
    static List<String> identityHeaders(List<RateLimitConfig> limits) {
        List<String> out = new ArrayList<>();
        for (RateLimitConfig l : limits) {
            if (l.header() != null && (l.by() == KeyKind.API_KEY || l.by() == KeyKind.TENANT)) {
                out.add(l.header());
            }
        }
        return out;
    }
}
