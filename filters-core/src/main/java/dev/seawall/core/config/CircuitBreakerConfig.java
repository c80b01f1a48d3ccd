package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A policy's {@code circuit-breaker}. Exactly one of {@code windowCalls} and {@code windowTime} is set.
 * Immutable and thread-safe; built (and validated) by {@link #builder()}, the one place that states the
 * breaker's defaults and ranges for every front end (YAML, init-params, annotations, code).
 *
 * @param name a shared breaker's name, or null for one breaker per policy
 * @param mode {@code enforce} or {@code shadow}
 * @param shared whether the nodes sharing the configuration's {@code store:} share this breaker's state (an open
 *               breaker opens on every node, half-open probes are counted across the fleet); needs a shared store
 */
public record CircuitBreakerConfig(String name, int failureRate, int minimumCalls, Integer windowCalls,
                                   Duration windowTime, Duration openFor, int halfOpenCalls, Duration slowCall,
                                   List<StatusRange> failureStatuses, String mode, boolean shared) {

    /** {@code failure-rate}: percent of recorded calls that opens the breaker (1-100). */
    public static final int DEFAULT_FAILURE_RATE = 50;
    /** {@code minimum-calls}: calls needed before the rate is judged (1-1000000). */
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    /** {@code window}: the last N calls (1-1000000), unless a time window is given. */
    public static final int DEFAULT_WINDOW_CALLS = 100;
    /** {@code open-for}: time open before half-open probes. */
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(30);
    /** {@code half-open-calls}: probes allowed in half-open (1-10000). */
    public static final int DEFAULT_HALF_OPEN_CALLS = 5;
    /** {@code failure-statuses}: the statuses counted as failures. */
    public static final List<StatusRange> DEFAULT_FAILURE_STATUSES = List.of(new StatusRange(500, 599));
    /** {@code mode}: {@code enforce} refuses calls while open; {@code shadow} only records and reports. */
    public static final String DEFAULT_MODE = "enforce";
    public static final int MAX_CALLS = 1_000_000;
    public static final int MAX_HALF_OPEN_CALLS = 10_000;

    public CircuitBreakerConfig {
        failureStatuses = List.copyOf(failureStatuses);
    }

    /** A breaker of this node alone ({@code shared: false}), for callers that never share one. */
    public CircuitBreakerConfig(String name, int failureRate, int minimumCalls, Integer windowCalls, Duration windowTime,
                                Duration openFor, int halfOpenCalls, Duration slowCall,
                                List<StatusRange> failureStatuses, String mode) {
        this(name, failureRate, minimumCalls, windowCalls, windowTime, openFor, halfOpenCalls, slowCall,
                failureStatuses, mode, false);
    }

    /** @return a builder holding every default */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these settings */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.failureRate = failureRate;
        b.minimumCalls = minimumCalls;
        b.windowCalls = windowCalls;
        b.windowTime = windowTime;
        b.openFor = openFor;
        b.halfOpenCalls = halfOpenCalls;
        b.slowCall = slowCall;
        b.failureStatuses = failureStatuses;
        b.mode = mode;
        b.shared = shared;
        return b;
    }

    /**
     * Checks a time window: resilience4j counts a time window in whole seconds, so anything else would be rounded
     * silently.
     *
     * @throws InvalidSettingException under the key {@code window}
     */
    public static Duration checkWindowTime(Duration window) {
        Check.duration("window", window);
        if (window.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidSettingException("window", "a time window must be at least 1s");
        }
        if (window.getNano() != 0) {
            throw new InvalidSettingException("window", ConfigValues.quote(ConfigValues.formatDuration(window))
                    + " is not a whole number of seconds (a time window counts whole seconds, like 60s)");
        }
        return window;
    }

    /**
     * Validating builder: each setter checks its value and throws {@link InvalidSettingException} naming the key;
     * {@link #build()} checks the rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private String name;
        private int failureRate = DEFAULT_FAILURE_RATE;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Integer windowCalls = DEFAULT_WINDOW_CALLS;
        private Duration windowTime;
        private Duration openFor = DEFAULT_OPEN_FOR;
        private int halfOpenCalls = DEFAULT_HALF_OPEN_CALLS;
        private Duration slowCall;
        private List<StatusRange> failureStatuses = DEFAULT_FAILURE_STATUSES;
        private String mode = DEFAULT_MODE;
        private boolean shared;

        private Builder() {
        }

        /** {@code name}: shares the breaker with every policy naming it; null for one breaker per policy. */
        public Builder name(String name) {
            if (name != null && !Check.SAFE_NAME.matcher(name).matches()) {
                throw new InvalidSettingException("name", ConfigValues.quote(name) + " is not a valid name");
            }
            this.name = name;
            return this;
        }

        public Builder failureRate(int percent) {
            this.failureRate = Check.range("failure-rate", percent, 1, 100);
            return this;
        }

        public Builder minimumCalls(int calls) {
            this.minimumCalls = Check.range("minimum-calls", calls, 1, MAX_CALLS);
            return this;
        }

        /** {@code window} as a number of calls; replaces a time window. */
        public Builder windowCalls(int calls) {
            this.windowCalls = Check.range("window", calls, 1, MAX_CALLS);
            this.windowTime = null;
            return this;
        }

        /** {@code window} as a time window of whole seconds, at least 1s; replaces a count window. */
        public Builder windowTime(Duration window) {
            this.windowTime = checkWindowTime(window);
            this.windowCalls = null;
            return this;
        }

        public Builder openFor(Duration openFor) {
            this.openFor = Check.duration("open-for", openFor);
            return this;
        }

        public Builder halfOpenCalls(int calls) {
            this.halfOpenCalls = Check.range("half-open-calls", calls, 1, MAX_HALF_OPEN_CALLS);
            return this;
        }

        /** {@code slow-call}: calls slower than this count as slow failures; null for none. */
        public Builder slowCall(Duration slowCall) {
            this.slowCall = slowCall == null ? null : Check.duration("slow-call", slowCall);
            return this;
        }

        public Builder failureStatuses(List<StatusRange> statuses) {
            Objects.requireNonNull(statuses, "failure-statuses");
            this.failureStatuses = List.copyOf(statuses);
            return this;
        }

        /** {@code mode}: {@code enforce} or {@code shadow}. */
        public Builder mode(String mode) {
            this.mode = Check.mode(mode);
            return this;
        }

        /**
         * {@code shared}: share the breaker's state with every node using the same shared {@code store:} (default
         * false). Whether a shared store is configured is checked where the breaker is built, which knows the store.
         */
        public Builder shared(boolean shared) {
            this.shared = shared;
            return this;
        }

        public CircuitBreakerConfig build() {
            return new CircuitBreakerConfig(name, failureRate, minimumCalls, windowCalls, windowTime, openFor,
                    halfOpenCalls, slowCall, failureStatuses, mode, shared);
        }
    }
}
