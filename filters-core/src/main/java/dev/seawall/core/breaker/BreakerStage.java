package dev.seawall.core.breaker;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.http.RetryAfter;
import dev.seawall.core.problem.ProblemTypes;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntPredicate;

/**
 * A policy's circuit breaker: asks the (possibly shared) {@link Breaker} for permission, and records each
 * call's outcome exactly once — a failure when the status is a failure status, the application threw, the
 * call timed out, or (with {@code slow-call}) it was slower than that; a success otherwise. A permit that
 * never reached the application is <em>released</em>, not recorded, so rejections by inner stages (throttle)
 * never count as failures and a half-open breaker never keeps a probe slot for a call that did not happen.
 *
 * <p>{@code shadow} mode records and reports but never refuses: the rollout switch.
 *
 * <p>Thread-safe. Admission costs one resilience4j permission check and one small permit.
 */
public final class BreakerStage implements Stage {

    /** Marker "exceptions" handed to resilience4j for failures that are not exceptions; no stack trace. */
    private static final Throwable FAILURE_STATUS = marker("failure status");
    private static final Throwable TIMED_OUT = marker("timed out");
    private static final Throwable SLOW_CALL = marker("slow call");

    private final String policy;
    private final Breaker breaker;
    private final IntPredicate failureStatus;
    private final long slowCallNanos;
    private final boolean shadow;

    /**
     * @param failureStatus which response statuses count as failures
     * @param slowCall      calls slower than this are failures; null to ignore latency
     * @param shadow        record and report, never refuse
     */
    public BreakerStage(String policy, Breaker breaker, IntPredicate failureStatus, Duration slowCall, boolean shadow) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.failureStatus = Objects.requireNonNull(failureStatus, "failureStatus");
        this.slowCallNanos = slowCall == null ? Long.MAX_VALUE : slowCall.toNanos();
        this.shadow = shadow;
    }

    private static Throwable marker(String what) {
        return new Throwable(what, null, false, false) {
            private static final long serialVersionUID = 1L;
        };
    }

    @Override
    public StageKind kind() {
        return StageKind.CIRCUIT_BREAKER;
    }

    @Override
    public String name() {
        return breaker.name();
    }

    public Breaker breaker() {
        return breaker;
    }

    public boolean shadow() {
        return shadow;
    }

    /** @return a snapshot of the breaker's state and failure rate, for status pages (see {@link BreakerStatus}) */
    public BreakerStatus statusView() {
        return breaker.statusView(shadow);
    }

    @Override
    public Admission admit(RequestView request, long nowNanos) {
        CircuitBreaker cb = breaker.circuitBreaker();
        SharedLink link = breaker.shared;
        if (link != null) {
            link.tick(nowNanos);
        }
        boolean permitted = cb.tryAcquirePermission();
        breaker.observe(); // OPEN -> HALF_OPEN happens inside the permission check
        if (permitted) {
            long probe = 0;
            if (link != null && cb.getState() == CircuitBreaker.State.HALF_OPEN) {
                // a half-open node's probe also needs one of the fleet's permits
                probe = link.tryProbe();
            }
            if (probe >= 0) {
                return new Call(cb, link, probe);
            }
            cb.releasePermission();
        }
        breaker.notPermitted.increment();
        if (shadow) {
            return Permit.NONE;
        }
        long retryAfter = RetryAfter.seconds(breaker.remainingOpenNanos(nowNanos));
        return Rejection.builder(503, ProblemTypes.SERVICE_UNAVAILABLE, "Service Unavailable")
                .detail("The circuit breaker '" + breaker.name() + "' is open; retry after " + retryAfter
                        + (retryAfter == 1 ? " second." : " seconds."))
                .extension("policy", policy)
                .extension("breaker", breaker.name())
                .header("Retry-After", Long.toString(retryAfter))
                .build();
    }

    /** One permitted call; settled exactly once. */
    private final class Call extends AtomicBoolean implements Permit {
        private static final long serialVersionUID = 1L;
        private final transient CircuitBreaker cb;
        private final transient SharedLink link;
        /** The fleet's open generation this probe holds a permit of; 0 when it holds none. */
        private final long probe;

        Call(CircuitBreaker cb, SharedLink link, long probe) {
            this.cb = cb;
            this.link = link;
            this.probe = probe;
        }

        @Override
        public void complete(Outcome outcome) {
            if (!compareAndSet(false, true)) {
                return;
            }
            long elapsed = Math.max(0, outcome.elapsedNanos());
            Throwable failure = outcome.failure() != null ? outcome.failure()
                    : outcome.timedOut() ? TIMED_OUT
                    : failureStatus.test(outcome.status()) ? FAILURE_STATUS
                    : elapsed > slowCallNanos ? SLOW_CALL
                    : null;
            if (failure == null) {
                breaker.successes.increment();
                breaker.recordSuccess(elapsed);
            } else {
                (failure == SLOW_CALL ? breaker.slow : breaker.failures).increment();
                cb.onError(elapsed, TimeUnit.NANOSECONDS, failure);
            }
            breaker.observe();
            if (link != null) {
                link.flush(); // an opening this call caused reaches the fleet now
                if (probe > 0) {
                    link.probeDone(probe, failure != null);
                }
            }
        }

        @Override
        public void release() {
            if (compareAndSet(false, true)) {
                breaker.released.increment();
                cb.releasePermission();
                breaker.observe();
                if (probe > 0) {
                    link.probeReleased(probe);
                }
            }
        }
    }

    /**
     * @param policy  the policy the stage belongs to (metrics, problem details)
     * @param breaker the breaker, possibly shared with other policies
     * @return a builder counting 500-599 as failures, without a slow-call limit, enforcing
     */
    public static Builder builder(String policy, Breaker breaker) {
        return new Builder(policy, breaker);
    }

    /** Builds a {@link BreakerStage}; the defaults are the configuration's. Not thread-safe. */
    public static final class Builder {
        private final String policy;
        private final Breaker breaker;
        private IntPredicate failureStatus = status -> status >= 500 && status <= 599;
        private final dev.seawall.core.config.CircuitBreakerConfig.Builder config =
                dev.seawall.core.config.CircuitBreakerConfig.builder();

        private Builder(String policy, Breaker breaker) {
            this.policy = Objects.requireNonNull(policy, "policy");
            this.breaker = Objects.requireNonNull(breaker, "breaker");
        }

        /** The statuses counted as failures (default 500-599); exceptions and timeouts always count. */
        public Builder failureStatuses(dev.seawall.core.config.StatusRange... ranges) {
            java.util.List<dev.seawall.core.config.StatusRange> list = java.util.List.of(ranges);
            config.failureStatuses(list);
            this.failureStatus = status -> {
                for (dev.seawall.core.config.StatusRange r : list) {
                    if (r.contains(status)) {
                        return true;
                    }
                }
                return false;
            };
            return this;
        }

        /** Which statuses count as failures, as a predicate. */
        public Builder failureStatus(IntPredicate failureStatus) {
            this.failureStatus = Objects.requireNonNull(failureStatus, "failureStatus");
            return this;
        }

        /** Calls slower than this count as failures; null (default) to ignore latency. */
        public Builder slowCall(Duration slowCall) {
            config.slowCall(slowCall);
            return this;
        }

        /** Record and report, never refuse (default false). */
        public Builder shadow(boolean shadow) {
            config.mode(shadow ? "shadow" : "enforce");
            return this;
        }

        public BreakerStage build() {
            dev.seawall.core.config.CircuitBreakerConfig c = config.build();
            return new BreakerStage(policy, breaker, failureStatus, c.slowCall(), "shadow".equals(c.mode()));
        }
    }
}
