package dev.seawall.core.breaker;

import dev.seawall.core.time.NanoClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One circuit breaker — a resilience4j {@link CircuitBreaker} driven by Seawall's clock — shared by every
 * policy that names it. Knows when it opened, so that a refusal can say how long it stays open.
 *
 * <p>No background thread: resilience4j's automatic open-to-half-open transition is off (its scheduler
 * thread leaks on redeploy); the breaker moves to half-open on the first request after {@code open-for}.
 * Transitions are logged once each (WARN when opening, INFO when closing) and counted.
 *
 * <p>Meters are not registered here: {@code dev.seawall.core.metrics.BreakerMeters} reads the counts below by pull.
 *
 * <p>A breaker may be shared across nodes ({@link #shareThrough}, {@code circuit-breaker.shared}): it still judges its
 * own window, and follows the fleet's state kept by a {@link SharedBreakerState} (package-private {@code SharedLink}).
 *
 * <p>Thread-safe.
 */
public final class Breaker {

    private static final Logger LOG = LoggerFactory.getLogger(Breaker.class);

    static {
        dev.seawall.core.internal.CoreAccess.registerBreaker((b, e) -> b.events = e);
    }

    /** Where transitions are published; set by the newest engine using this breaker, null before (or without) one. */
    private volatile dev.seawall.core.internal.event.EventHub.BreakerEvents events;

    private final String name;
    private final CircuitBreaker circuitBreaker;
    private final NanoClock clock;
    private final long openForNanos;
    private volatile long openedAtNanos;
    private final Duration openFor;
    /** The count window's size, or 0 for a time window (see {@link #recordSuccess}). */
    private final int countWindow;
    /** resilience4j's own slow-call duration: a success longer than this is a different outcome in its window. */
    private final long slowSuccessNanos;
    /** The last state seen by {@link #observe()}; compare-and-set so that one thread reports each transition. */
    /** What {@link #recordCall} records as the error: resilience4j only counts it, so one stackless instance serves. */
    private static final Throwable CALL_FAILED = new RuntimeException("call failed", null, false, false) {
        private static final long serialVersionUID = 1L;
    };
    private final AtomicReference<CircuitBreaker.State> observedState = new AtomicReference<>();
    final LongAdder successes = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder slow = new LongAdder();
    final LongAdder released = new LongAdder();
    final LongAdder notPermitted = new LongAdder();
    /** The fleet's state when the breaker is shared ({@code circuit-breaker.shared}); null for this node's alone. */
    volatile SharedLink shared;

    /**
     * @param window number of calls (count-based) or null for a time window
     * @param windowTime the time window, or null for count-based
     */
    public Breaker(String name, int failureRate, int minimumCalls, Integer window, Duration windowTime, Duration openFor,
                   int halfOpenCalls, NanoClock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (windowTime != null) {
            // resilience4j counts a time window in whole seconds: refuse what it would round
            dev.seawall.core.config.CircuitBreakerConfig.checkWindowTime(windowTime);
        }
        this.openForNanos = openFor.toNanos();
        CircuitBreakerConfig.Builder config = CircuitBreakerConfig.custom()
                .failureRateThreshold(failureRate)
                .minimumNumberOfCalls(minimumCalls)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .clock(new NanoBackedClock(clock))
                .currentTimestampFunction(c -> clock.nanoTime(), TimeUnit.NANOSECONDS);
        if (windowTime != null) {
            config.slidingWindow((int) windowTime.toSeconds(), minimumCalls,
                    CircuitBreakerConfig.SlidingWindowType.TIME_BASED);
        } else {
            // every settled request records into this window, so a lock would be shared by all of the breaker's
            // requests: the count window uses resilience4j's lock-free one.
            // The time window keeps the synchronized one: its lock-free variant reads its own clock instead of the
            // injected one, and fails with a 1-second window (a known resilience4j limitation)
            config.slidingWindow(window, Math.min(minimumCalls, window), CircuitBreakerConfig.SlidingWindowType.COUNT_BASED,
                    CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE);
        }
        this.circuitBreaker = CircuitBreaker.of(name, config.build());
        this.countWindow = windowTime == null ? window : 0;
        this.slowSuccessNanos = circuitBreaker.getCircuitBreakerConfig().getSlowCallDurationThreshold().toNanos();
        // No event consumer: with any consumer registered, resilience4j builds an event object (with a
        // ZonedDateTime) for every recorded call, which showed in settlement profiles. Transitions are observed
        // instead, by the thread that caused them, right after each call into the breaker (observe()).
        this.openFor = openFor;
        this.observedState.set(circuitBreaker.getState());
    }

    public String name() {
        return name;
    }

    /**
     * Reports a state change caused by the call just made into the breaker: logs it once, and notes when the breaker
     * opened. One volatile read when nothing changed; called after every permission, record and release.
     */
    void observe() {
        CircuitBreaker.State now = circuitBreaker.getState();
        CircuitBreaker.State last = observedState.get();
        if (now == last) {
            return;
        }
        if (!observedState.compareAndSet(last, now)) {
            return; // another thread reports this change
        }
        SharedLink link = shared;
        if (link != null) {
            link.transitioned(last, now); // notes an opening to publish; never waits
        }
        if (now == CircuitBreaker.State.OPEN) {
            openedAtNanos = clock.nanoTime();
            LOG.warn("Seawall: circuit breaker {} opened ({} -> OPEN) for {}", name, last,
                    dev.seawall.core.internal.config.ConfigValues.formatDuration(openFor));
        } else if (now == CircuitBreaker.State.CLOSED) {
            LOG.info("Seawall: circuit breaker {} closed", name);
        }
        publish(last, now, null);
    }

    /** Publishes a transition to the listeners, on the thread that caused it; no lock is held. */
    private void publish(CircuitBreaker.State from, CircuitBreaker.State to,
                         dev.seawall.core.event.BreakerTransition.Cause operator) {
        dev.seawall.core.internal.event.EventHub.BreakerEvents e = events;
        if (e != null) {
            e.transition(name, from, to, operator);
        }
    }

    /**
     * Records a successful call into the window.
     *
     * <p>A closed breaker whose count window already holds window-many calls, all successful and none slow, is left
     * as it is: recording one more success would replace the oldest entry, a success, with another one, so every
     * count, the failure rate and the state would stay exactly what they are (only resilience4j's total duration, which
     * Seawall never reads, would move). Not recording it spares the shared window's compare-and-set and its three
     * allocations on what is, for a healthy dependency, nearly every call, and leaves the window's memory unwritten, so
     * it stays in every core's cache. A failure, a slow call, a half-open or open breaker, a window not yet full and a
     * time window (where successes age out and must be recorded) all go to resilience4j as before. The check reads
     * the window twice (successful, then slow calls), each a snapshot of its own; a failure recorded between the two
     * reads can at most leave this one success unrecorded, the same slack resilience4j's lock-free window has in
     * ordering concurrent calls.
     */
    void recordSuccess(long elapsedNanos) {
        if (countWindow > 0 && elapsedNanos <= slowSuccessNanos
                && circuitBreaker.getState() == CircuitBreaker.State.CLOSED) {
            CircuitBreaker.Metrics m = circuitBreaker.getMetrics();
            if (m.getNumberOfSuccessfulCalls() == countWindow && m.getNumberOfSlowCalls() == 0) {
                return;
            }
        }
        circuitBreaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    /** @return CLOSED, OPEN, HALF_OPEN, or FORCED_OPEN after {@link #forceOpen()} */
    public CircuitBreaker.State state() {
        return circuitBreaker.getState();
    }

    /** @return the failure rate in percent over the window, or -1 before minimum-calls are recorded */
    public float failureRate() {
        return circuitBreaker.getMetrics().getFailureRate();
    }

    /**
     * @return what a status page shows: the state's name, and the failure rate in percent over the window, -1 while
     *         fewer than minimum-calls are recorded, or null while an operator holds the breaker forced open (no call
     *         is recorded then, so there is no rate to show; resilience4j reports -1, which would read as "not enough
     *         calls")
     */
    BreakerStatus statusView(boolean shadow) {
        CircuitBreaker.State state = circuitBreaker.getState();
        Float rate = state == CircuitBreaker.State.FORCED_OPEN ? null : failureRate();
        return new BreakerStatus(name, state.name(), rate, shadow, isShared(), sharedDegraded());
    }

    /** @return calls recorded as successes so far */
    public long successes() {
        return successes.sum();
    }

    /** @return calls recorded as failures (failure status, exception, timeout) so far, slow calls aside */
    public long failures() {
        return failures.sum();
    }

    /** @return calls recorded as failures for being slower than {@code slow-call} so far */
    public long slowCalls() {
        return slow.sum();
    }

    /** @return permits given back unused (a later stage refused the request) so far */
    public long releasedCalls() {
        return released.sum();
    }

    /** @return calls refused while the breaker was open or half-open and full, so far */
    public long notPermitted() {
        return notPermitted.sum();
    }

    /** Operator action: hold the breaker open (no call reaches the application) until {@link #close()}. */
    public void forceOpen() {
        LOG.warn("Seawall: circuit breaker {} forced open by an operator", name);
        circuitBreaker.transitionToForcedOpenState();
        observe();
        SharedLink link = shared;
        if (link != null) {
            link.force(SharedBreakerState.Phase.FORCED_OPEN);
        }
    }

    /** Operator action: close the breaker now and start a fresh window. */
    public void close() {
        LOG.info("Seawall: circuit breaker {} closed by an operator", name);
        circuitBreaker.reset();
        CircuitBreaker.State before = observedState.getAndSet(circuitBreaker.getState()); // logged above
        publish(before, circuitBreaker.getState(), dev.seawall.core.event.BreakerTransition.Cause.FORCED_CLOSED);
        SharedLink link = shared;
        if (link != null) {
            link.force(SharedBreakerState.Phase.CLOSED);
        }
    }

    /**
     * Asks for a permission to make one call, for callers outside a policy chain (Seawall's outbound clients). A
     * permitted call must be settled exactly once by {@link #recordCall} or {@link #releaseCall}; a refusal is
     * counted as not permitted. Thread-safe, lock-free.
     */
    public boolean tryAcquireCall() {
        boolean permitted = circuitBreaker.tryAcquirePermission();
        observe(); // OPEN -> HALF_OPEN happens inside the permission check
        if (!permitted) {
            notPermitted.increment();
        }
        return permitted;
    }

    /**
     * Records a permitted call's outcome (see {@link #tryAcquireCall}).
     *
     * @param failure       whether the call failed (an error status, an exception, a timeout)
     * @param slowCallNanos a success slower than this counts as a slow failure; {@code Long.MAX_VALUE} for none
     */
    public void recordCall(long elapsedNanos, boolean failure, long slowCallNanos) {
        long elapsed = Math.max(0, elapsedNanos);
        if (failure) {
            failures.increment();
            circuitBreaker.onError(elapsed, TimeUnit.NANOSECONDS, CALL_FAILED);
        } else if (elapsed > slowCallNanos) {
            slow.increment();
            circuitBreaker.onError(elapsed, TimeUnit.NANOSECONDS, CALL_FAILED);
        } else {
            successes.increment();
            recordSuccess(elapsed);
        }
        observe();
    }

    /** Gives back a permitted call that never ran (see {@link #tryAcquireCall}). */
    public void releaseCall() {
        released.increment();
        circuitBreaker.releasePermission();
        observe();
    }

    CircuitBreaker circuitBreaker() {
        return circuitBreaker;
    }

    /** @return nanos until an open breaker lets probes through (0 when not open) */
    long remainingOpenNanos(long nowNanos) {
        CircuitBreaker.State state = circuitBreaker.getState();
        if (state == CircuitBreaker.State.FORCED_OPEN) {
            return openForNanos; // no end is known: suggest one open period
        }
        if (state != CircuitBreaker.State.OPEN) {
            return 0;
        }
        return Math.max(0, openedAtNanos + openForNanos - nowNanos);
    }

    /** @return 0 closed, 1 open (or forced open), 2 half-open: the value of {@code seawall.breaker.state} */
    public double stateCode() {
        return switch (circuitBreaker.getState()) {
            case CLOSED -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 3;
        };
    }

    /**
     * Shares this breaker's state with every node using {@code state} ({@code circuit-breaker.shared}): an opening
     * judged by any node's window opens it on all, half-open probes are limited across the fleet, and operators'
     * actions apply to all. Call once, before the breaker serves.
     *
     * @throws IllegalStateException when the breaker is shared already
     */
    public void shareThrough(SharedBreakerState state) {
        Objects.requireNonNull(state, "state");
        if (shared != null) {
            throw new IllegalStateException("circuit breaker " + name + " is shared already");
        }
        CircuitBreakerConfig c = circuitBreaker.getCircuitBreakerConfig();
        shared = new SharedLink(this, circuitBreaker, state, clock, openFor,
                c.getPermittedNumberOfCallsInHalfOpenState(), Math.round(c.getFailureRateThreshold()));
    }

    /** @return whether the breaker is shared across nodes ({@link #shareThrough}) */
    public boolean isShared() {
        return shared != null;
    }

    /**
     * @return whether this shared breaker judges alone because its store does not answer; false for a breaker that is
     *         not shared
     */
    public boolean sharedDegraded() {
        SharedLink link = shared;
        return link != null && link.degraded();
    }

    /** Stops following the fleet's state (the breaker was dropped by a reload, or its engine closed). Idempotent. */
    public void unshare() {
        SharedLink link = shared;
        shared = null;
        if (link != null) {
            link.leave();
        }
    }

    /**
     * @param name the breaker's name in metrics, logs and the status page
     * @return a builder holding the configuration's defaults ({@link dev.seawall.core.config.CircuitBreakerConfig})
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Builds a {@link Breaker} with the rules and defaults of the configuration's {@code circuit-breaker} block:
     * each setter forwards to {@link dev.seawall.core.config.CircuitBreakerConfig.Builder} and throws
     * {@link dev.seawall.core.config.InvalidSettingException} naming the key. Not thread-safe.
     */
    public static final class Builder {
        private final String name;
        private final dev.seawall.core.config.CircuitBreakerConfig.Builder config =
                dev.seawall.core.config.CircuitBreakerConfig.builder();
        private NanoClock clock = NanoClock.system();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Percent of recorded calls that opens the breaker (1-100; default 50). */
        public Builder failureRate(int percent) {
            config.failureRate(percent);
            return this;
        }

        /** Calls needed before the rate is judged (default 20). */
        public Builder minimumCalls(int calls) {
            config.minimumCalls(calls);
            return this;
        }

        /** A window of the last N calls (default 100). */
        public Builder windowCalls(int calls) {
            config.windowCalls(calls);
            return this;
        }

        /** A time window of whole seconds, at least 1s. */
        public Builder windowTime(Duration window) {
            config.windowTime(window);
            return this;
        }

        /** Time open before half-open probes (default 30s). */
        public Builder openFor(Duration openFor) {
            config.openFor(openFor);
            return this;
        }

        /** Probes allowed in half-open (default 5). */
        public Builder halfOpenCalls(int calls) {
            config.halfOpenCalls(calls);
            return this;
        }

        /** The monotonic clock (default the system's). */
        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }


        public Breaker build() {
            dev.seawall.core.config.CircuitBreakerConfig c = config.build();
            return new Breaker(name, c.failureRate(), c.minimumCalls(), c.windowCalls(), c.windowTime(), c.openFor(),
                    c.halfOpenCalls(), clock);
        }
    }

    /** resilience4j measures open time with a {@link Clock}; ours counts monotonic nanos from an arbitrary origin. */
    private static final class NanoBackedClock extends Clock {
        private final NanoClock clock;

        NanoBackedClock(NanoClock clock) {
            this.clock = clock;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            long n = clock.nanoTime();
            return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
        }
    }
}
