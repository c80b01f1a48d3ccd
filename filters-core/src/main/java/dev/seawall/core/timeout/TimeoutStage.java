package dev.seawall.core.timeout;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.http.RetryAfter;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.problem.ProblemTypes;

import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A policy's request timeout. Admission never refuses; the stage carries the settings the adapter needs to
 * run the application against a deadline (see {@link ResponseGate} and {@link DeadlineTimer}) and the answer
 * it sends when the deadline wins: 503 (or 504 for gateways) {@code timeout} problem with {@code Retry-After}
 * equal to the timeout, rounded up to whole seconds.
 *
 * <p><b>A caller's deadline.</b> With a {@linkplain #deadlineHeader() deadline header}, a request may carry its
 * caller's time left in whole milliseconds (as Seawall's outbound clients send it); when that is shorter than the
 * policy's timeout, the request's own deadline is that much from when the application starts
 * ({@link #afterNanos(RequestView)}), never longer. A value that is not one plain run of 1 to 10 decimal digits (a
 * sign, a decimal point, letters, several values, an empty value) is ignored: the policy's timeout applies. 0 means
 * the caller's deadline has passed: the timeout answers at once.
 *
 * <p>Innermost by default, so the breaker sees a timed-out call as a failure (the adapter marks the
 * {@link Outcome} as timed out). The stage is its own permit: admission allocates nothing.
 *
 * <p>Meters are not registered here: {@code dev.seawall.core.metrics.TimeoutMeters} reads the two counts by pull.
 *
 * <p>Thread-safe and immutable apart from its counters.
 */
public final class TimeoutStage implements Stage, Permit {

    /** Request attribute holding the {@link java.time.Instant} at which the request times out. */
    public static final String DEADLINE_ATTRIBUTE = "dev.seawall.deadline";

    /** Default size of the response buffer that lets a timeout replace an unfinished response. */
    public static final int DEFAULT_BUFFER_BYTES = 256 * 1024;

    private final String policy;
    private final long afterNanos;
    private final int status;
    private final Rejection answer;
    private final String deadlineHeader;
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder overruns = new LongAdder();

    /**
     * @param status 503, or 504 for a gateway
     * @throws IllegalArgumentException for a non-positive duration or another status
     */
    public TimeoutStage(String policy, Duration after, int status) {
        this(policy, after, status, null);
    }

    /**
     * @param status         503, or 504 for a gateway
     * @param deadlineHeader the request header in which a caller may send a shorter deadline, or null for none
     * @throws IllegalArgumentException for a non-positive duration or another status
     */
    public TimeoutStage(String policy, Duration after, int status, String deadlineHeader) {
        this.deadlineHeader = deadlineHeader;
        this.policy = Objects.requireNonNull(policy, "policy");
        if (after == null || after.isNegative() || after.isZero()) {
            throw new IllegalArgumentException("timeout: must be longer than zero");
        }
        if (status != 503 && status != 504) {
            throw new IllegalArgumentException("timeout status: " + status + " (expected 503, or 504 for a gateway)");
        }
        this.afterNanos = after.toNanos();
        this.status = status;
        this.answer = answerFor(afterNanos);
    }

    private Rejection answerFor(long nanos) {
        return Rejection.builder(status, ProblemTypes.TIMEOUT, status == 504 ? "Gateway Timeout" : "Service Unavailable")
                .detail("The request did not complete within " + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms.")
                .extension("policy", policy)
                .header("Retry-After", Long.toString(RetryAfter.seconds(nanos)))
                .build();
    }

    @Override
    public StageKind kind() {
        return StageKind.TIMEOUT;
    }

    @Override
    public String name() {
        return policy;
    }

    /** @return the timeout in nanoseconds */
    public long afterNanos() {
        return afterNanos;
    }

    /**
     * The timeout of one request: the policy's, or the caller's shorter deadline sent in the
     * {@linkplain #deadlineHeader() deadline header}. Allocates nothing when the policy has no deadline header.
     *
     * @param request the request, read for the deadline header only
     * @return nanoseconds from the application's start to the request's deadline; 0 when the caller's deadline passed
     */
    public long afterNanos(RequestView request) {
        String header = deadlineHeader;
        if (header == null || request == null) {
            return afterNanos;
        }
        long millis = callerMillis(request.headers(header));
        if (millis < 0 || millis >= afterNanos / 1_000_000) {
            return afterNanos; // none, malformed, or not shorter: a caller never lengthens the policy's timeout
        }
        return millis * 1_000_000;
    }

    /**
     * @param values every value of the deadline header
     * @return the caller's time left in milliseconds when the header holds exactly one value of 1 to 10 decimal
     *         digits; -1 otherwise (absent, several, empty, signed, decimal, anything else)
     */
    static long callerMillis(Iterable<String> values) {
        if (values == null) {
            return -1;
        }
        Iterator<String> it = values.iterator();
        if (!it.hasNext()) {
            return -1;
        }
        String v = it.next();
        if (it.hasNext() || v == null) {
            return -1;
        }
        int n = v.length();
        if (n == 0 || n > 10) {
            return -1;
        }
        long millis = 0;
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            millis = millis * 10 + (c - '0');
        }
        return millis;
    }

    /** @return the request header in which a caller may send a shorter deadline, or null for none */
    public String deadlineHeader() {
        return deadlineHeader;
    }

    /** @return 503 or 504 */
    public int status() {
        return status;
    }

    /** @return the problem sent when the deadline wins and no fallback answers; shared, immutable */
    public Rejection timeoutAnswer() {
        return answer;
    }

    /**
     * @param effectiveNanos the request's own timeout ({@link #afterNanos(RequestView)})
     * @return the problem for a request whose timeout was {@code effectiveNanos}: the shared {@link #timeoutAnswer()}
     *         for the policy's own timeout, else one naming the caller's shorter deadline
     */
    public Rejection timeoutAnswer(long effectiveNanos) {
        return effectiveNanos == afterNanos ? answer : answerFor(effectiveNanos);
    }

    /** Counts a deadline that was answered (the handler lost the race). */
    public void answered() {
        timeouts.increment();
    }

    /** Counts a deadline passed while the handler was already streaming its response. */
    public void overran() {
        overruns.increment();
    }

    /** @return deadlines answered so far */
    public long answeredCount() {
        return timeouts.sum();
    }

    /** @return deadlines that passed while the handler streamed (recorded, not replaced) */
    public long overranCount() {
        return overruns.sum();
    }

    /** @return a snapshot of the settings and counts, for status pages */
    public TimeoutStatus statusView() {
        return new TimeoutStatus(afterNanos / 1_000_000, status, timeouts.sum(), overruns.sum());
    }

    @Override
    public Admission admit(RequestView request, long nowNanos) {
        return this;
    }

    @Override
    public void complete(Outcome outcome) {
        // counted by the adapter when the race is decided, not here: an overrunning handler may return much later
    }

    @Override
    public void release() {
        // nothing taken
    }

    @Override
    public String toString() {
        return "TimeoutStage[" + policy + ", " + Duration.ofNanos(afterNanos) + ", " + status + "]";
    }

    /**
     * @param policy the policy the stage belongs to (metrics, problem details)
     * @param after  how long a request may take; the configuration's rules apply (positive, at most 365 days)
     * @return a builder answering 503
     */
    public static Builder builder(String policy, Duration after) {
        return new Builder(policy, after);
    }

    /**
     * Builds a {@link TimeoutStage} with the rules of the configuration's {@code timeout} block
     * ({@link dev.seawall.core.config.TimeoutConfig.Builder}). Not thread-safe.
     */
    public static final class Builder {
        private final String policy;
        private final dev.seawall.core.config.TimeoutConfig.Builder config =
                dev.seawall.core.config.TimeoutConfig.builder();

        private Builder(String policy, Duration after) {
            this.policy = Objects.requireNonNull(policy, "policy");
            config.after(after);
        }

        /** 503 (default), or 504 for a gateway. */
        public Builder status(int status) {
            config.status(status);
            return this;
        }


        /** The request header in which a caller may send a shorter deadline (whole milliseconds); null for none. */
        public Builder deadlineHeader(String header) {
            config.deadlineHeader(header);
            return this;
        }

        public TimeoutStage build() {
            dev.seawall.core.config.TimeoutConfig c = config.build();
            return new TimeoutStage(policy, c.after(), c.status(), c.deadlineHeader());
        }
    }
}
