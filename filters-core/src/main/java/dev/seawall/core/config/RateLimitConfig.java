package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RequestCost;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One item of a policy's {@code rate-limits}. Immutable and thread-safe; built and validated by
 * {@link #builder(KeyKind)}.
 *
 * @param name      the limit's name in headers and metrics (default: the {@code by} value)
 * @param header    the header for api-key and tenant limits (null = the resolver's default)
 * @param maxKeys   the bound on tracked keys
 * @param attribute for {@code by: user}: a request attribute to read instead of the principal, or null
 * @param source    for {@code by: tenant}: where the tenant id is (null otherwise)
 * @param segment   for {@code source: path-segment}: the 0-based segment, else -1
 * @param plans     named plans and their rates
 * @param planOf    identity to plan name
 * @param local     {@code store: local}: this limit keeps per-node buckets even when a shared store is configured
 * @param mode      {@code enforce} or {@code shadow} (decide and count {@code would-reject}, refuse nothing)
 * @param cost      {@code cost}: the tokens a request spends ({@link RequestCost#ONE} when absent)
 */
public record RateLimitConfig(String name, KeyKind by, String header, List<Rate> rates,
                              OnMissing onMissing, long maxKeys, String attribute, TenantSource source, int segment,
                              Map<String, List<Rate>> plans, Map<String, String> planOf, boolean local, String mode,
                              RequestCost cost) {

    /** {@code mode}: {@code enforce} refuses requests over the limit; {@code shadow} only counts them. */
    public static final String DEFAULT_MODE = "enforce";

    /** {@code on-missing}: a request without the identity passes this limit. */
    public static final OnMissing DEFAULT_ON_MISSING = OnMissing.SKIP;
    /** {@code max-keys}: the bound on tracked keys (1-10000000). */
    public static final long DEFAULT_MAX_KEYS = 100_000;
    public static final long MAX_KEYS = 10_000_000;
    /** Most rates one limit (or plan) may hold. */
    public static final int MAX_RATES = 8;
    public static final int MAX_SEGMENT = 64;

    public RateLimitConfig {
        rates = List.copyOf(rates);
        plans = Map.copyOf(plans);
        planOf = Map.copyOf(planOf);
        mode = mode == null ? DEFAULT_MODE : mode;
        cost = cost == null ? RequestCost.ONE : cost;
    }

    /** A limit using the configuration's store. */
    public RateLimitConfig(String name, KeyKind by, String header, List<Rate> rates, OnMissing onMissing,
                           long maxKeys, String attribute, TenantSource source, int segment,
                           Map<String, List<Rate>> plans, Map<String, String> planOf) {
        this(name, by, header, rates, onMissing, maxKeys, attribute, source, segment, plans, planOf, false,
                DEFAULT_MODE, RequestCost.ONE);
    }

    /** @return true in shadow mode */
    public boolean shadow() {
        return "shadow".equals(mode);
    }

    /** @param by what the limit is keyed by ({@code by}); required */
    public static Builder builder(KeyKind by) {
        return new Builder(by);
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks
     * the rules between keys (which keys apply to which {@code by}). Not thread-safe.
     */
    public static final class Builder {
        private final KeyKind by;
        private String name;
        private String header;
        private boolean headerSet;
        private List<Rate> rates;
        private OnMissing onMissing;
        private long maxKeys = DEFAULT_MAX_KEYS;
        private String attribute;
        private TenantSource source;
        private Integer segment;
        private final Map<String, List<Rate>> plans = new LinkedHashMap<>();
        private final Map<String, String> planOf = new LinkedHashMap<>();
        private boolean local;
        private String mode = DEFAULT_MODE;
        private final Map<String, Long> costByMethod = new LinkedHashMap<>();
        private long costDefault = 1;
        private String costAttribute;
        private boolean costSet;

        private Builder(KeyKind by) {
            if (by == null) {
                throw Check.required("by", "(ip, user, api-key or tenant)");
            }
            this.by = by;
        }

        /** {@code limit}: one rate or several bandwidths on one bucket, all enforced (1-8). */
        public Builder rates(List<Rate> rates) {
            this.rates = checkRates("limit", rates);
            return this;
        }

        public Builder name(String name) {
            if (name == null || !Check.SAFE_NAME.matcher(name).matches()) {
                throw new InvalidSettingException("name", ConfigValues.quote(String.valueOf(name))
                        + " is not a valid name (1-64 chars of a-z, 0-9, '.', '_', '-', starting with a letter or digit)");
            }
            this.name = name;
            return this;
        }

        /** {@code header}: for by api-key and tenant (source: header). */
        public Builder header(String header) {
            if (by != KeyKind.API_KEY && by != KeyKind.TENANT) {
                throw new InvalidSettingException("header", "applies only to by: api-key or by: tenant");
            }
            this.header = Check.token("header", header, "header name");
            this.headerSet = true;
            return this;
        }

        public Builder onMissing(OnMissing onMissing) {
            if (by == KeyKind.IP) {
                throw new InvalidSettingException("on-missing", "does not apply to by: ip (every request has a peer"
                        + " address)");
            }
            this.onMissing = Objects.requireNonNull(onMissing, "on-missing");
            return this;
        }

        public Builder maxKeys(long maxKeys) {
            this.maxKeys = Check.rangeLong("max-keys", maxKeys, 1, MAX_KEYS);
            return this;
        }

        /** {@code attribute}: for by user, a request attribute read instead of the principal. */
        public Builder attribute(String attribute) {
            if (by != KeyKind.USER) {
                throw new InvalidSettingException("attribute", "applies only to by: user");
            }
            String a = attribute == null ? "" : attribute.trim();
            if (a.isEmpty() || a.length() > 200) {
                throw new InvalidSettingException("attribute", "must be a request attribute name");
            }
            this.attribute = a;
            return this;
        }

        /** {@code source}: for by tenant, where the tenant id is. */
        public Builder source(TenantSource source) {
            if (by != KeyKind.TENANT) {
                throw new InvalidSettingException("source", "applies only to by: tenant");
            }
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** {@code segment}: for source path-segment, the 0-based path segment. */
        public Builder segment(int segment) {
            if (effectiveSource() != TenantSource.PATH_SEGMENT) {
                throw new InvalidSettingException("segment", "applies only to source: path-segment");
            }
            this.segment = Check.range("segment", segment, 0, MAX_SEGMENT);
            return this;
        }

        /** One of {@code plans}: for by api-key and tenant. */
        public Builder plan(String plan, List<Rate> rates) {
            checkPlansApply("plans");
            if (plan == null || !Check.SAFE_NAME.matcher(plan).matches()) {
                throw new InvalidSettingException("plans." + plan, ConfigValues.quote(String.valueOf(plan))
                        + " is not a valid plan name");
            }
            plans.put(plan, checkRates("plans." + plan, rates));
            return this;
        }

        /** {@code plan-of}: identity to plan name; the plans must be given first. */
        public Builder planOf(Map<String, String> planOf) {
            checkPlansApply("plan-of");
            if (plans.isEmpty()) {
                throw new InvalidSettingException("plan-of", "needs plans to refer to");
            }
            planOf.forEach(this::planOf);
            return this;
        }

        /** One entry of {@code plan-of}: this identity uses this plan, which must be given first. */
        public Builder planOf(String identity, String plan) {
            checkPlansApply("plan-of");
            if (plans.isEmpty()) {
                throw new InvalidSettingException("plan-of", "needs plans to refer to");
            }
            if (!plans.containsKey(plan)) {
                throw new InvalidSettingException("plan-of", ConfigValues.quote(String.valueOf(plan))
                        + " is not one of the plans " + plans.keySet());
            }
            this.planOf.put(Objects.requireNonNull(identity, "identity"), plan);
            return this;
        }

        /** {@code store: local}: keep per-node buckets even when the configuration has a shared store. */
        public Builder local(boolean local) {
            this.local = local;
            return this;
        }

        /** {@code mode}: {@code enforce} (the default) or {@code shadow}. */
        public Builder mode(String mode) {
            this.mode = Check.mode(mode);
            return this;
        }

        /** One method of {@code cost}: requests with this method spend {@code cost} tokens (1-1000000). */
        public Builder cost(String method, long cost) {
            if (method == null || !Check.TOKEN.matcher(method).matches()) {
                throw new InvalidSettingException("cost", ConfigValues.quote(String.valueOf(method))
                        + " is not an HTTP method (expected a method, default or attribute)");
            }
            String m = method.toUpperCase(java.util.Locale.ROOT);
            costByMethod.put(m, Check.rangeLong("cost." + method, cost, 1, RequestCost.MAX));
            costSet = true;
            return this;
        }

        /** {@code cost.default}: what any other method costs (1-1000000; default 1). */
        public Builder costDefault(long cost) {
            this.costDefault = Check.rangeLong("cost.default", cost, 1, RequestCost.MAX);
            costSet = true;
            return this;
        }

        /**
         * {@code cost.attribute}: a request attribute, set by an earlier filter of the application, holding the
         * request's cost as a whole number; absent or invalid, the method's cost applies.
         */
        public Builder costAttribute(String attribute) {
            String a = attribute == null ? "" : attribute.trim();
            if (a.isEmpty() || a.length() > 200 || !a.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new InvalidSettingException("cost.attribute", "must be a request attribute name (1-200"
                        + " printable ASCII characters)");
            }
            this.costAttribute = a;
            costSet = true;
            return this;
        }

        private void checkPlansApply(String key) {
            if (by != KeyKind.API_KEY && by != KeyKind.TENANT) {
                throw new InvalidSettingException(key, "applies only to by: api-key or by: tenant");
            }
        }

        private TenantSource effectiveSource() {
            return by == KeyKind.TENANT && source == null ? TenantSource.HEADER : source;
        }

        private static List<Rate> checkRates(String key, List<Rate> rates) {
            if (rates == null || rates.isEmpty()) {
                throw new InvalidSettingException(key, "must hold at least one rate");
            }
            if (rates.size() > MAX_RATES) {
                throw new InvalidSettingException(key, "has more than " + MAX_RATES + " rates");
            }
            return List.copyOf(rates);
        }

        public RateLimitConfig build() {
            if (rates == null) {
                throw Check.required("limit", "(a rate like 100/1m, or a list of rates)");
            }
            TenantSource src = effectiveSource();
            if (src == TenantSource.PATH_SEGMENT && segment == null) {
                throw Check.required("segment", "with source: path-segment (0-based index)");
            }
            if (headerSet && src != null && src != TenantSource.HEADER) {
                throw new InvalidSettingException("header", "applies only to source: header");
            }
            RequestCost cost = costSet ? new RequestCost(costByMethod, costDefault, costAttribute) : RequestCost.ONE;
            long most = cost.highestMethodCost();
            checkCost(most, "limit", rates);
            plans.forEach((plan, planRates) -> checkCost(most, "plans." + plan, planRates));
            return new RateLimitConfig(name == null ? by.configName() : name, by, header, rates,
                    onMissing == null ? DEFAULT_ON_MISSING : onMissing, maxKeys, attribute, src,
                    segment == null ? -1 : segment, plans, planOf, local, mode, cost);
        }

        /** A method's cost above a bucket's capacity could never be paid: every such request would be refused. */
        private static void checkCost(long most, String key, List<Rate> rates) {
            for (Rate r : rates) {
                if (most > r.tokens()) {
                    throw new InvalidSettingException("cost", "a request costing " + most + " tokens could never pass:"
                            + " " + key + " holds " + r.tokens() + " when full");
                }
            }
        }
    }
}
