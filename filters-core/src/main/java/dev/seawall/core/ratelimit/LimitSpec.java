package dev.seawall.core.ratelimit;

import dev.seawall.core.internal.sf.StructuredFields;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.OnMissing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One limit of a policy: what it is keyed by, its default rates, optional named plans, and what it does
 * for requests without a key. Immutable and thread-safe; built with {@link #builder}.
 */
public final class LimitSpec {

    /** Default bound on tracked keys per limit. */
    public static final long DEFAULT_MAX_KEYS = 100_000;

    private final String name;
    private final KeyResolver resolver;
    private final List<Rate> rates;
    private final Map<String, List<Rate>> plans;
    private final PlanResolver planResolver;
    private final OnMissing onMissing;
    private final long maxKeys;
    private final BucketStore store;
    private final RequestCost cost;
    private final boolean shadow;

    private LimitSpec(Builder b) {
        this.name = b.name;
        this.resolver = b.resolver;
        this.rates = b.rates;
        this.plans = Map.copyOf(b.plans);
        this.planResolver = b.planResolver;
        this.onMissing = b.onMissing;
        this.maxKeys = b.maxKeys;
        this.store = b.store;
        this.cost = b.cost;
        this.shadow = b.shadow;
    }

    /**
     * @param name     the limit's name in headers and metrics: a safe token such as {@code ip} or
     *                 {@code api-key}
     * @param resolver what the limit is keyed by
     */
    public static Builder builder(String name, KeyResolver resolver) {
        return new Builder(name, resolver);
    }

    public String name() {
        return name;
    }

    public KeyResolver resolver() {
        return resolver;
    }

    public List<Rate> rates() {
        return rates;
    }

    public Map<String, List<Rate>> plans() {
        return plans;
    }

    public PlanResolver planResolver() {
        return planResolver;
    }

    public OnMissing onMissing() {
        return onMissing;
    }

    public long maxKeys() {
        return maxKeys;
    }

    /** @return where the limit's buckets live */
    public BucketStore store() {
        return store;
    }

    /** @return how many tokens a request spends ({@link RequestCost#ONE} by default) */
    public RequestCost cost() {
        return cost;
    }

    /** @return true in shadow mode: every decision is made and counted, and the limit refuses nothing */
    public boolean shadow() {
        return shadow;
    }

    /** Collects a limit. Not thread-safe. Defaults: on-missing skip, max-keys {@value #DEFAULT_MAX_KEYS}, the
     * local store, a cost of one token, enforced. */
    public static final class Builder {
        private final String name;
        private final KeyResolver resolver;
        private List<Rate> rates;
        private final Map<String, List<Rate>> plans = new LinkedHashMap<>();
        private PlanResolver planResolver;
        private OnMissing onMissing = OnMissing.SKIP;
        private long maxKeys = DEFAULT_MAX_KEYS;
        private BucketStore store = LocalBucketStore.INSTANCE;
        private RequestCost cost = RequestCost.ONE;
        private boolean shadow;

        private Builder(String name, KeyResolver resolver) {
            Objects.requireNonNull(name, "name");
            if (!safeName(name)) {
                throw new IllegalArgumentException("name: \"" + name
                        + "\" must be 1-64 chars of [a-z0-9._-] starting with a letter or digit");
            }
            this.name = name;
            this.resolver = Objects.requireNonNull(resolver, "resolver");
        }

        public Builder rates(List<Rate> rates) {
            this.rates = checkRates("rates", rates);
            return this;
        }

        public Builder plan(String planName, List<Rate> planRates) {
            Objects.requireNonNull(planName, "planName");
            if (!safeName(planName)) {
                throw new IllegalArgumentException("plan: \"" + planName + "\" must be a safe name [a-z0-9._-]");
            }
            plans.put(planName, checkRates("plan " + planName, planRates));
            return this;
        }

        public Builder planResolver(PlanResolver resolver) {
            this.planResolver = resolver;
            return this;
        }

        public Builder onMissing(OnMissing onMissing) {
            this.onMissing = Objects.requireNonNull(onMissing, "onMissing");
            return this;
        }

        public Builder maxKeys(long maxKeys) {
            if (maxKeys < 1 || maxKeys > 100_000_000L) {
                throw new IllegalArgumentException("maxKeys: " + maxKeys + " is outside 1-100000000");
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /** Where the buckets live; default {@link LocalBucketStore#INSTANCE}. */
        public Builder store(BucketStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** How many tokens a request spends; default {@link RequestCost#ONE}. */
        public Builder cost(RequestCost cost) {
            this.cost = Objects.requireNonNull(cost, "cost");
            return this;
        }

        /** Shadow mode: decide and count, refuse nothing, describe nothing in headers. Default false (enforce). */
        public Builder shadow(boolean shadow) {
            this.shadow = shadow;
            return this;
        }

        public LimitSpec build() {
            if (rates == null) {
                throw new IllegalArgumentException("limit " + name + ": rates are required");
            }
            long most = cost.highestMethodCost();
            checkCost(most, rates, "its limit");
            plans.forEach((plan, planRates) -> checkCost(most, planRates, "plan " + plan));
            if (!plans.isEmpty() && planResolver == null) {
                throw new IllegalArgumentException("limit " + name + ": plans need a planResolver");
            }
            return new LimitSpec(this);
        }

        /** A method's cost above a bucket's capacity could never be paid: every such request would be refused. */
        private void checkCost(long most, List<Rate> rates, String what) {
            for (Rate r : rates) {
                if (most > r.tokens()) {
                    throw new IllegalArgumentException("limit " + name + ": a cost of " + most + " is more than "
                            + what + " holds (" + r.tokens() + " tokens); such a request could never pass");
                }
            }
        }

        private static List<Rate> checkRates(String field, List<Rate> rates) {
            if (rates == null || rates.isEmpty()) {
                throw new IllegalArgumentException(field + ": at least one rate is required");
            }
            for (Rate r : rates) {
                Objects.requireNonNull(r, field);
                if (r.tokens() > StructuredFields.MAX_INTEGER) {
                    throw new IllegalArgumentException(field + ": " + r.tokens() + " tokens is too many");
                }
            }
            return List.copyOf(rates);
        }
    }

    static boolean safeName(String s) {
        if (s.isEmpty() || s.length() > 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
