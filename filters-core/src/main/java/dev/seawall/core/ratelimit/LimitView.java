package dev.seawall.core.ratelimit;

import dev.seawall.core.key.KeyKind;

import java.util.List;

/**
 * The status view of one limit of a {@link RateLimitStage}: its settings and live counts, for status pages and
 * meter binders. Thread-safe; every count is read when asked, without locking, so two counts read one after the
 * other may be a few requests apart.
 */
public final class LimitView {

    private final Limit limit;

    LimitView(Limit limit) {
        this.limit = limit;
    }

    public String name() {
        return limit.name;
    }

    public KeyKind kind() {
        return limit.resolver.kind();
    }

    /** @return the default rates (plans aside) */
    public List<Rate> rates() {
        return limit.plans.defaultTier.rates;
    }

    /** @return keys currently tracked across the limit's plans (an estimate, as the store reports it) */
    public long trackedKeys() {
        return limit.plans.trackedKeys();
    }

    /** @return true when the limit is in shadow mode (decides and counts, refuses nothing) */
    public boolean shadow() {
        return limit.shadow;
    }

    /** @return requests whose cost attribute was absent or invalid, so that their method's cost applied */
    public long costDefaulted() {
        return limit.costDefaulted.sum();
    }

    /** @return how many requests this limit decided so far with this outcome */
    public long count(Decision decision) {
        return limit.counts.count(decision);
    }

    public long admitted() {
        return count(Decision.ADMITTED);
    }

    public long rejected() {
        return count(Decision.REJECTED);
    }

    /** @return requests this shadow limit would have refused (0 for an enforced limit) */
    public long wouldReject() {
        return count(Decision.WOULD_REJECT);
    }

    public long skipped() {
        return count(Decision.SKIPPED);
    }

    public long missing() {
        return count(Decision.MISSING);
    }

    public long invalid() {
        return count(Decision.INVALID);
    }
}
