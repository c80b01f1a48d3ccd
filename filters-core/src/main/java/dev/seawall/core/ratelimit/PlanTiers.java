package dev.seawall.core.ratelimit;

import dev.seawall.core.key.KeyKind;
import dev.seawall.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Plan resolution of one limit: which {@link Tier} (default rates, or a named plan's) a resolved identity uses.
 * Built once; thread-safe (the tiers are immutable, the resolver is an application SPI required to be thread-safe,
 * and the unknown-plan warning is logged once through a compare-and-set).
 */
final class PlanTiers {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitStage.class);

    private final String limitName;
    private final KeyKind kind;
    private final PlanResolver planResolver;
    final Tier defaultTier;
    private final Map<String, Tier> byPlan;
    /** The default tier first, then each plan's, in declaration order. */
    final List<Tier> all;
    private final AtomicBoolean unknownPlanLogged = new AtomicBoolean();

    PlanTiers(String policy, LimitSpec spec, NanoClock clock) {
        this.limitName = spec.name();
        this.kind = spec.resolver().kind();
        this.planResolver = spec.planResolver();
        BucketStore store = spec.store();
        this.defaultTier = new Tier(policy, limitName, "default", spec.rates(), spec.maxKeys(), clock, store);
        Map<String, Tier> t = new LinkedHashMap<>();
        List<Tier> tiers = new ArrayList<>();
        tiers.add(defaultTier);
        for (Map.Entry<String, List<Rate>> e : spec.plans().entrySet()) {
            Tier tier = new Tier(policy, limitName, e.getKey(), e.getValue(), spec.maxKeys(), clock, store);
            t.put(e.getKey(), tier);
            tiers.add(tier);
        }
        this.byPlan = Map.copyOf(t);
        this.all = List.copyOf(tiers);
    }

    /** @return the tier of a resolved identity (null: no identity, the default rates) */
    Tier tierFor(String identity) {
        if (identity == null || planResolver == null) {
            return defaultTier;
        }
        String plan = planResolver.planFor(kind, identity);
        if (plan == null) {
            return defaultTier;
        }
        Tier t = byPlan.get(plan);
        if (t == null) {
            if (unknownPlanLogged.compareAndSet(false, true)) {
                LOG.warn("limit {}: the plan resolver named a plan \"{}\" that the limit does not declare;"
                        + " using the default rates (logged once)", limitName,
                        plan.length() > 40 ? plan.substring(0, 40) : plan);
            }
            return defaultTier;
        }
        return t;
    }

    /** @return keys with a bucket in this node's memory, over every plan (an estimate) */
    long trackedKeys() {
        long sum = 0;
        for (Tier t : all) {
            sum += t.buckets.trackedKeys();
        }
        return sum;
    }

    void cleanUp() {
        for (Tier t : all) {
            t.buckets.cleanUp();
        }
    }
}
