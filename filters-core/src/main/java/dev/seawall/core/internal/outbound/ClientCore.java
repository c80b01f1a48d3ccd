package dev.seawall.core.internal.outbound;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.ClientTimeoutConfig;
import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.outbound.FailureClassifier;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.timeout.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The state and rules of one configured client: its retry budget, bulkhead, breakers by host and counters, and the
 * decisions both call drivers ({@link AsyncCall}, {@link SyncCall}) share. Thread-safe: counters are adders, the
 * bulkhead a compare-and-set counter, the breaker map a concurrent map bounded by {@link #MAX_HOST_BREAKERS}.
 */
public final class ClientCore {

    /** Breakers one client keeps by host; the hosts beyond share one more breaker (named {@code <client>@other}). */
    public static final int MAX_HOST_BREAKERS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);

    /** A call's outcome, as counted in {@code seawall.client.calls}. */
    public enum Outcome {
        SUCCESS, FAILURE, CIRCUIT_OPEN, BULKHEAD_FULL, DEADLINE_EXCEEDED, TIMED_OUT;

        public String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Why a failed attempt was not retried, as counted in {@code seawall.client.retries.declined}. */
    public enum Declined {
        /** {@code max-attempts} reached. */
        ATTEMPTS,
        /** The method is not idempotent and carries no {@code Idempotency-Key}. */
        METHOD,
        /** The request body could not be kept to send again. */
        BODY,
        /** {@code Retry-After} asked for longer than {@code max-retry-after}. */
        RETRY_AFTER,
        /** The wait would end past the call's deadline. */
        DEADLINE,
        /** The retry budget was spent. */
        BUDGET,
        /** The breaker refused the retry. */
        CIRCUIT_OPEN;

        public String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    final ClientConfig config;
    final ClientRuntime runtime;
    final RetryBudget budget;
    final Backoff backoff;
    final long attemptNanos;
    final long totalNanos;
    final long slowCallNanos;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();
    private volatile Breaker overflow;
    /** Told of each breaker made for a new host: the meters bind its state gauge. Set once, by the meters. */
    private final java.util.concurrent.atomic.AtomicReference<java.util.function.BiConsumer<String, Breaker>>
            breakerListener = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean hedgeWarned;

    final LongAdder[] outcomes = adders(Outcome.values().length);
    final LongAdder[] declined = adders(Declined.values().length);
    final LongAdder firstAttempts = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder hedges = new LongAdder();
    final LongAdder waits = new LongAdder();
    final LongAdder waitNanos = new LongAdder();

    public ClientCore(ClientConfig config, ClientRuntime runtime) {
        this.config = config;
        this.runtime = runtime;
        this.budget = new RetryBudget(config.budget());
        this.backoff = new Backoff(config.retry(), runtime.random());
        ClientTimeoutConfig t = config.timeout();
        this.attemptNanos = t.attempt() == null ? Long.MAX_VALUE : t.attempt().toNanos();
        this.totalNanos = t.total() == null ? Long.MAX_VALUE : t.total().toNanos();
        CircuitBreakerConfig cb = config.circuitBreaker();
        this.slowCallNanos = cb == null || cb.slowCall() == null ? Long.MAX_VALUE : cb.slowCall().toNanos();
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    public ClientConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    /**
     * The clock reading by which a call starting now must end: {@code timeout.total} and the share of the current
     * inbound deadline's time left after the margin, whichever comes first; {@link Long#MAX_VALUE} for neither.
     */
    long dueNanos(long nowNanos) {
        long due = totalNanos == Long.MAX_VALUE ? Long.MAX_VALUE : nowNanos + totalNanos;
        Deadline d = Deadline.current();
        if (d != null) {
            ClientTimeoutConfig t = config.timeout();
            long left = d.remainingNanos() - t.margin().toNanos();
            long mine = left <= 0 ? 0 : t.share() == 100 ? left : left / 100 * t.share();
            due = Math.min(due, nowNanos + mine);
        }
        return due;
    }

    /** @return whether a failed attempt of this request may be sent again, or the reason it may not */
    Declined retryable(OutboundRequest request) {
        if (!request.replayable()) {
            return Declined.BODY;
        }
        RetryConfig r = config.retry();
        if (request.method().equals(OutboundRequest.CALL) || request.idempotencyKey()
                || r.methods().contains(request.method())) {
            return null;
        }
        return Declined.METHOD;
    }

    /**
     * Decides what follows a retryable failure with nothing else in flight, for both drivers: the wait before the
     * next attempt, or the reason there is none (counted). Checked in this order: attempts left, the method and body,
     * {@code Retry-After} (a 429 or 503 waits exactly what it asks, never sooner, and is returned at once beyond
     * {@code max-retry-after}), otherwise the backoff; the wait must end before the call's deadline; the budget must
     * have a retry.
     *
     * @param made       attempts made so far
     * @param status     the failed answer's status, or 0 for an exception
     * @param retryAfter the answer's {@code Retry-After}, or null
     * @return the wait in nanoseconds (counted as a wait), or -1 when the failure is to be returned
     */
    long nextDelay(OutboundRequest request, int made, int status, String retryAfter, long previousDelay, long nowNanos,
                   long dueNanos) {
        Declined no = made >= config.retry().maxAttempts() ? Declined.ATTEMPTS : retryable(request);
        long delay = 0;
        if (no == null) {
            long asked = status == 429 || status == 503 ? RetryAfterValue.parseNanos(retryAfter, runtime.wallClock())
                    : RetryAfterValue.ABSENT;
            if (asked > config.retry().maxRetryAfter().toNanos()) {
                no = Declined.RETRY_AFTER;
            } else {
                delay = asked > 0 ? asked : backoff.delayNanos(made, previousDelay);
            }
        }
        if (no == null && dueNanos != Long.MAX_VALUE && delay >= dueNanos - nowNanos) {
            no = Declined.DEADLINE;
        }
        if (no == null && !budget.tryWithdraw(nowNanos)) {
            no = Declined.BUDGET;
        }
        if (no != null) {
            count(no);
            return -1;
        }
        waits.increment();
        waitNanos.add(delay);
        return delay;
    }

    /** @return whether the request may be hedged */
    boolean hedgeable(OutboundRequest request) {
        return config.hedge() != null && retryable(request) == null;
    }

    /** Logs once that a blocking call cannot be hedged (it runs on the caller's one thread). */
    void hedgeIgnored() {
        if (!hedgeWarned) {
            hedgeWarned = true;
            LOG.warn("Seawall client '{}': hedge applies to asynchronous calls only; a blocking call runs its"
                    + " attempts one after another on the calling thread", config.name());
        }
    }

    boolean tryEnter() {
        int max = config.maxConcurrent();
        if (max == 0) {
            inFlight.incrementAndGet();
            return true;
        }
        for (;;) {
            int n = inFlight.get();
            if (n >= max) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    /** @return calls in flight now */
    public int inFlight() {
        return inFlight.get();
    }

    /** @return the breaker for the request's host, or null when the client has none */
    Breaker breaker(OutboundRequest request) {
        CircuitBreakerConfig cb = config.circuitBreaker();
        if (cb == null) {
            return null;
        }
        String key = request.host().isEmpty() ? "" : request.host().toLowerCase(Locale.ROOT)
                + (request.port() > 0 ? ":" + request.port() : "");
        Breaker b = breakers.get(key);
        if (b != null) {
            return b;
        }
        if (breakers.size() >= MAX_HOST_BREAKERS) {
            Breaker o = overflow;
            if (o == null) {
                synchronized (this) {
                    o = overflow;
                    if (o == null) {
                        o = newBreaker(config.name() + "@other");
                        announce("other", o);
                        LOG.warn("Seawall client '{}': more than {} hosts; further hosts share the breaker {}",
                                config.name(), MAX_HOST_BREAKERS, o.name());
                        overflow = o;
                    }
                }
            }
            return o;
        }
        Breaker made = newBreaker(key.isEmpty() ? config.name() : config.name() + "@" + key);
        Breaker won = breakers.putIfAbsent(key, made);
        if (won != null) {
            return won;
        }
        announce(key.isEmpty() ? "none" : key, made);
        return made;
    }

    private void announce(String host, Breaker b) {
        java.util.function.BiConsumer<String, Breaker> l = breakerListener.get();
        if (l == null) {
            return;
        }
        try {
            l.accept(host, b);
        } catch (RuntimeException e) {
            LOG.warn("Seawall client '{}': binding the meters of a new breaker failed", config.name(), e);
        }
    }

    /**
     * Sets the listener told of each breaker made for a new host from now on.
     *
     * @return false when a listener is already set (the client's meters are bound)
     */
    public boolean onBreaker(java.util.function.BiConsumer<String, Breaker> listener) {
        return breakerListener.compareAndSet(null, listener);
    }

    /** Removes the listener set by {@link #onBreaker}: the client's meters are released. */
    public void removeBreakerListener() {
        breakerListener.set(null);
    }

    private Breaker newBreaker(String name) {
        CircuitBreakerConfig cb = config.circuitBreaker();
        Breaker.Builder b = Breaker.builder(name).failureRate(cb.failureRate()).minimumCalls(cb.minimumCalls())
                .openFor(cb.openFor()).halfOpenCalls(cb.halfOpenCalls()).clock(runtime.clock());
        if (cb.windowTime() != null) {
            b.windowTime(cb.windowTime());
        } else {
            b.windowCalls(cb.windowCalls());
        }
        return b.build();
    }

    /** @return whether the breaker (if any) is only observed: {@code mode: shadow} */
    boolean shadowBreaker() {
        CircuitBreakerConfig cb = config.circuitBreaker();
        return cb != null && "shadow".equals(cb.mode());
    }

    /** @return whether a status counts as a failure for the breaker */
    boolean breakerFailure(int status) {
        CircuitBreakerConfig cb = config.circuitBreaker();
        if (cb == null || status <= 0) {
            return false;
        }
        for (var r : cb.failureStatuses()) {
            if (r.contains(status)) {
                return true;
            }
        }
        return false;
    }

    /** @return the host breakers so far, by host key ({@code host:port}), for status pages and meters */
    public Map<String, Breaker> breakers() {
        List<Map.Entry<String, Breaker>> all = new ArrayList<>(breakers.entrySet());
        Breaker o = overflow;
        Map<String, Breaker> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Breaker> e : all) {
            out.put(e.getKey(), e.getValue());
        }
        if (o != null) {
            out.put("other", o);
        }
        return Collections.unmodifiableMap(out);
    }

    OutboundException refused(OutboundException.Reason reason) {
        String message = switch (reason) {
            case CIRCUIT_OPEN -> "the circuit breaker is open; nothing was sent";
            case BULKHEAD_FULL -> config.maxConcurrent() + " calls already in flight (max-concurrent); nothing was"
                    + " sent";
            case DEADLINE_EXCEEDED -> "no time left before the request's deadline; nothing was sent";
            case TIMED_OUT -> "the call ran out of time";
        };
        return new OutboundException(config.name(), reason, message);
    }

    void count(Outcome o) {
        outcomes[o.ordinal()].increment();
    }

    void count(Declined d) {
        declined[d.ordinal()].increment();
    }

    /** @return calls so far that ended with this outcome */
    public long outcomes(Outcome o) {
        return outcomes[o.ordinal()].sum();
    }

    /** @return failed attempts so far not retried for this reason */
    public long declined(Declined d) {
        return declined[d.ordinal()].sum();
    }

    public long firstAttempts() {
        return firstAttempts.sum();
    }

    public long retries() {
        return retries.sum();
    }

    public long hedges() {
        return hedges.sum();
    }

    /** @return backoff waits so far */
    public long waits() {
        return waits.sum();
    }

    /** @return nanoseconds spent in backoff waits so far */
    public long waitNanos() {
        return waitNanos.sum();
    }

    /** @return retries the budget allows now */
    public double budgetAvailable() {
        return budget.available(runtime.clock().nanoTime());
    }

    /** The failure classification of an exception, with the engine's own time-outs known. */
    static FailureClassifier.Failure classify(FailureClassifier classifier, Throwable t) {
        try {
            FailureClassifier.Failure f = classifier.classify(t);
            return f == null ? FailureClassifier.Failure.OTHER : f;
        } catch (RuntimeException e) {
            LOG.warn("Seawall: a failure classifier threw; the failure counts as OTHER", e);
            return FailureClassifier.Failure.OTHER;
        }
    }

    /** @return whether {@code retry.on} retries this kind of failure */
    boolean retries(FailureClassifier.Failure f) {
        RetryConfig r = config.retry();
        return f == FailureClassifier.Failure.CONNECT_ERROR && r.onConnectError()
                || f == FailureClassifier.Failure.TIMEOUT && r.onTimeout();
    }
}
