package dev.seawall.core.throttle;

import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.time.NanoClock;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Collects a {@link ThrottleStage}. Defaults: queue 0, max-wait 1s, no priorities, enforce mode, no criticality. The
 * limit is required: {@link #maxConcurrent(int)} or {@link #limit(ConcurrencyLimit)}.
 *
 * <p>Not thread-safe; the stage it builds is.
 */
public final class ThrottleStageBuilder {

    /** The default time after which the callers' cohorts are reshuffled. */
    public static final Duration DEFAULT_COHORT_ROTATION = Duration.ofMinutes(5);

    final String policy;
    ConcurrencyLimit limit;
    int queue;
    Duration maxWait = Duration.ofSeconds(1);
    NanoClock clock = NanoClock.system();
    PriorityClassifier classifier = PriorityClassifier.NONE;
    KeyResolver fairShareKey;
    int maxPerKey;
    boolean shadow;
    KeyResolver cohortKey;
    int reservePercent;
    Duration cohortRotation = DEFAULT_COHORT_ROTATION;
    int seed = ThreadLocalRandom.current().nextInt();

    ThrottleStageBuilder(String policy) {
        this.policy = Objects.requireNonNull(policy, "policyName");
    }

    /** A fixed limit: {@code n} requests inside the application at once. */
    public ThrottleStageBuilder maxConcurrent(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxConcurrent: " + n + " must be at least 1");
        }
        this.limit = ConcurrencyLimit.fixed(n);
        return this;
    }

    /** The limit to enforce, fixed or adaptive; it receives a sample for every completed request. */
    public ThrottleStageBuilder limit(ConcurrencyLimit limit) {
        this.limit = Objects.requireNonNull(limit, "limit");
        return this;
    }

    public ThrottleStageBuilder queue(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("queue: " + n + " must not be negative");
        }
        this.queue = n;
        return this;
    }

    public ThrottleStageBuilder maxWait(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("maxWait: " + d + " must be positive");
        }
        this.maxWait = d;
        return this;
    }

    public ThrottleStageBuilder clock(NanoClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** Sorts waiting requests into high, normal and low priority (without criticality shedding). */
    public ThrottleStageBuilder classifier(PriorityClassifier classifier) {
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        return this;
    }

    /**
     * Sorts requests by criticality: the classifier answers {@link PriorityClassifier#HIGH} for critical,
     * {@link PriorityClassifier#NORMAL} for default and {@link PriorityClassifier#LOW} for sheddable. Turns on the
     * reserve, displacement of lower classes from a full queue, and cohort shedding (see {@link ThrottleStage}).
     *
     * @param classifier     the criticality of a request
     * @param reservePercent share of the limit only critical requests may use, 0-100
     * @param cohortKey      the caller's identity for its cohort when there is no fair-share key (the client IP)
     * @param cohortRotation how long a caller keeps its cohort before they are reshuffled
     */
    public ThrottleStageBuilder criticality(PriorityClassifier classifier, int reservePercent, KeyResolver cohortKey,
                                            Duration cohortRotation) {
        if (reservePercent < 0 || reservePercent > 100) {
            throw new IllegalArgumentException("reserve: " + reservePercent + " is outside 0-100");
        }
        if (cohortRotation == null || cohortRotation.isNegative() || cohortRotation.isZero()
                || cohortRotation.compareTo(Duration.ofDays(365)) > 0) {
            throw new IllegalArgumentException("cohortRotation: " + cohortRotation + " must be positive and at most"
                    + " 365 days");
        }
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.cohortKey = Objects.requireNonNull(cohortKey, "cohortKey");
        this.reservePercent = reservePercent;
        this.cohortRotation = cohortRotation;
        return this;
    }

    /** Shadow mode: decisions are counted as would-reject, nothing is refused or delayed. */
    public ThrottleStageBuilder shadow(boolean shadow) {
        this.shadow = shadow;
        return this;
    }

    /** One key may hold at most {@code maxPerKey} slots and {@code maxPerKey} queue places. */
    public ThrottleStageBuilder fairShare(KeyResolver key, int maxPerKey) {
        if (maxPerKey < 1) {
            throw new IllegalArgumentException("maxConcurrentPerKey: " + maxPerKey + " must be at least 1");
        }
        this.fairShareKey = Objects.requireNonNull(key, "key");
        this.maxPerKey = maxPerKey;
        return this;
    }

    /** Fixes the cohort hash's seed (random by default), so that tests can reproduce cohorts. */
    ThrottleStageBuilder seed(int seed) {
        this.seed = seed;
        return this;
    }

    public ThrottleStage build() {
        if (limit == null) {
            throw new IllegalArgumentException("maxConcurrent is required");
        }
        if (fairShareKey != null && !limit.adaptive() && maxPerKey > limit.current()) {
            throw new IllegalArgumentException("maxConcurrentPerKey: " + maxPerKey + " exceeds maxConcurrent "
                    + limit.current());
        }
        return ThrottleStage.create(this);
    }
}
