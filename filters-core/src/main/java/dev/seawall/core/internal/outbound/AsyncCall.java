package dev.seawall.core.internal.outbound;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.outbound.AttemptContext;
import dev.seawall.core.outbound.FailureClassifier;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.outbound.ResponseReader;
import dev.seawall.core.outbound.Transport;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One asynchronous outbound call: attempts sent through a {@link Transport}, retries and hedges fired by the timer,
 * so no thread waits between attempts. The call ends exactly once: with a success, with a failure that is not retried
 * (the last answer is returned as it came, never replaced by an exception of Seawall's), or with an
 * {@link OutboundException} when nothing was sent or time ran out with no answer at all.
 *
 * <p>Thread-safety: attempts complete on transport threads and timers fire on timer threads; every decision is taken
 * under this call's own monitor (shared with nothing else), and the result future is completed, and superseded
 * responses discarded, after the monitor is released, so no caller's continuation runs under it.
 *
 * @param <R> the response type
 */
public final class AsyncCall<R> {

    private final ClientCore core;
    private final OutboundRequest request;
    private final Transport<R> transport;
    private final ResponseReader<R> reader;
    private final FailureClassifier classifier;
    private final CompletableFuture<R> result = new CompletableFuture<>();
    private final Breaker breaker;
    private final String deadlineHeader;

    // guarded by this
    private long due;
    private int launched;
    private int inFlight;
    private final Object[] attempts;
    private R lastResponse;
    private Throwable lastError;
    private long previousDelay;
    private boolean finished;
    private boolean entered;
    private DeadlineTimer.Handle totalTimer;
    private DeadlineTimer.Handle waitTimer;
    private DeadlineTimer.Handle hedgeTimer;

    private final class Attempt {
        final int number;
        final long startNanos;
        final boolean permitted;
        CompletableFuture<R> future;
        DeadlineTimer.Handle timer;
        boolean settled;
        boolean timedOut;
        boolean lost;

        Attempt(int number, long startNanos, boolean permitted) {
            this.number = number;
            this.startNanos = startNanos;
            this.permitted = permitted;
        }
    }

    public AsyncCall(ClientCore core, OutboundRequest request, Transport<R> transport, ResponseReader<R> reader,
                     FailureClassifier classifier) {
        this.core = core;
        this.request = request;
        this.transport = transport;
        this.reader = reader;
        this.classifier = classifier;
        this.breaker = core.breaker(request);
        this.deadlineHeader = core.config.timeout().deadlineHeader();
        this.attempts = new Object[core.config.retry().maxAttempts()];
    }

    /** Starts the call; the future completes once, as described on the class. Cancelling it cancels the call. */
    public CompletableFuture<R> start() {
        long now = core.runtime.clock().nanoTime();
        Runnable after;
        synchronized (this) {
            due = core.dueNanos(now);
            if (due <= now) {
                after = finish(ClientCore.Outcome.DEADLINE_EXCEEDED, null,
                        core.refused(OutboundException.Reason.DEADLINE_EXCEEDED));
            } else if (!core.tryEnter()) {
                after = finish(ClientCore.Outcome.BULKHEAD_FULL, null,
                        core.refused(OutboundException.Reason.BULKHEAD_FULL));
            } else {
                entered = true;
                core.budget.deposit(now);
                if (due != Long.MAX_VALUE) {
                    totalTimer = core.runtime.timer().schedule(due, this::onTotal);
                }
                after = launch(false);
            }
        }
        run(after);
        result.whenComplete((r, t) -> {
            if (result.isCancelled()) {
                cancelled();
            }
        });
        return result;
    }

    /** Sends the next attempt. Called under the monitor; returns what to do once it is released. */
    private Runnable launch(boolean hedged) {
        if (finished) {
            return null;
        }
        long now = core.runtime.clock().nanoTime();
        boolean permitted = false;
        if (breaker != null) {
            permitted = breaker.tryAcquireCall();
            if (!permitted && !core.shadowBreaker()) {
                if (inFlight > 0) {
                    return null; // a hedge refused: the attempt in flight decides
                }
                if (launched > 0) {
                    core.count(ClientCore.Declined.CIRCUIT_OPEN);
                    return finishWithLast();
                }
                return finish(ClientCore.Outcome.CIRCUIT_OPEN, null,
                        core.refused(OutboundException.Reason.CIRCUIT_OPEN));
            }
        }
        long left = due == Long.MAX_VALUE ? Long.MAX_VALUE : due - now;
        if (left <= 0) {
            if (permitted) {
                breaker.releaseCall();
            }
            return finishWithLast();
        }
        long timeout = Math.min(core.attemptNanos, left);
        int number = ++launched;
        inFlight++;
        if (number == 1) {
            core.firstAttempts.increment();
        } else if (hedged) {
            core.hedges.increment();
        } else {
            core.retries.increment();
        }
        Attempt a = new Attempt(number, now, permitted);
        attempts[number - 1] = a;
        // without any bound there is no time left to announce: the header is left out
        AttemptContext ctx = new AttemptContext(number, hedged, timeout,
                timeout == Long.MAX_VALUE ? null : deadlineHeader, Math.max(1, timeout / 1_000_000));
        CompletableFuture<R> f;
        try {
            f = transport.send(ctx);
            if (f == null) {
                f = CompletableFuture.failedFuture(new NullPointerException("the transport returned no future"));
            }
        } catch (RuntimeException | Error e) {
            f = CompletableFuture.failedFuture(e);
        }
        a.future = f;
        if (timeout < left) {
            a.timer = core.runtime.timer().schedule(now + timeout, () -> onAttemptTimeout(a));
        }
        if (number == 1 && core.hedgeable(request) && core.config.retry().maxAttempts() > 1) {
            long delay = core.config.hedge().delay().toNanos();
            if (delay < left) {
                hedgeTimer = core.runtime.timer().schedule(now + delay, this::onHedge);
            }
        }
        f.whenComplete((r, t) -> onDone(a, r, t));
        return null;
    }

    @SuppressWarnings("unchecked")
    private Attempt attempt(int i) {
        return (Attempt) attempts[i];
    }

    private void onAttemptTimeout(Attempt a) {
        CompletableFuture<R> f;
        synchronized (this) {
            if (a.settled) {
                return;
            }
            a.timedOut = true;
            f = a.future;
        }
        f.cancel(true); // completes it: onDone settles the attempt as timed out
    }

    private void onHedge() {
        Runnable after;
        synchronized (this) {
            if (finished || launched != 1 || inFlight == 0) {
                return;
            }
            if (!core.budget.tryWithdraw(core.runtime.clock().nanoTime())) {
                core.count(ClientCore.Declined.BUDGET);
                return;
            }
            after = launch(true);
        }
        run(after);
    }

    private void onDone(Attempt a, R response, Throwable error) {
        Runnable after;
        synchronized (this) {
            after = settle(a, response, error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error);
        }
        run(after);
    }

    /** Under the monitor: records one attempt's end and decides what the call does next. */
    private Runnable settle(Attempt a, R response, Throwable error) {
        if (a.settled) {
            return discard(response);
        }
        a.settled = true;
        inFlight--;
        if (a.timer != null) {
            a.timer.cancel();
        }
        long elapsed = core.runtime.clock().nanoTime() - a.startNanos;
        FailureClassifier.Failure failure = null;
        int status = 0;
        if (error instanceof CancellationException && a.timedOut) {
            // cancelled by the engine at the attempt's time: the caller never asked for a CancellationException
            error = core.refused(OutboundException.Reason.TIMED_OUT);
        }
        if (error != null) {
            failure = a.timedOut ? FailureClassifier.Failure.TIMEOUT
                    : error instanceof CancellationException ? FailureClassifier.Failure.IGNORED
                    : ClientCore.classify(classifier, error);
        } else {
            try {
                status = reader.status(response);
            } catch (RuntimeException e) {
                status = 0;
            }
        }
        if (a.lost) {
            // the other attempt won: this one is neither a success nor a failure of the dependency
            if (a.permitted) {
                breaker.releaseCall();
            }
            return discard(response);
        }
        boolean breakerFailure = error != null ? failure != FailureClassifier.Failure.IGNORED
                : core.breakerFailure(status);
        if (a.permitted) {
            breaker.recordCall(elapsed, breakerFailure, core.slowCallNanos);
        }
        if (finished) {
            return discard(response); // cut at the call's deadline
        }
        boolean retry = error != null ? core.retries(failure) : core.config.retry().retriesStatus(status);
        if (!retry) {
            R stale = lastResponse;
            lastResponse = null;
            Runnable done = finish(breakerFailure || error != null ? ClientCore.Outcome.FAILURE
                    : ClientCore.Outcome.SUCCESS, response, error);
            return both(discard(stale), done);
        }
        R stale = lastResponse;
        lastResponse = response;
        lastError = error;
        Runnable drop = discard(stale);
        if (inFlight > 0) {
            return drop; // the hedge still running decides
        }
        return both(drop, retryOrReturn(status, response));
    }

    /** Under the monitor, after a retryable failure with nothing in flight: waits and retries, or returns it. */
    private Runnable retryOrReturn(int status, R response) {
        long now = core.runtime.clock().nanoTime();
        String retryAfter = null;
        if (response != null && (status == 429 || status == 503)) {
            try {
                retryAfter = reader.header(response, "Retry-After");
            } catch (RuntimeException e) {
                retryAfter = null; // unreadable: the backoff applies
            }
        }
        long delay = core.nextDelay(request, launched, status, retryAfter, previousDelay, now, due);
        if (delay < 0) {
            return finishWithLast();
        }
        previousDelay = delay;
        waitTimer = core.runtime.timer().schedule(now + delay, this::onWaited);
        return null;
    }

    private void onWaited() {
        Runnable after;
        synchronized (this) {
            waitTimer = null;
            after = launch(false);
        }
        run(after);
    }

    private void onTotal() {
        Runnable after;
        synchronized (this) {
            if (finished) {
                return;
            }
            for (int i = 0; i < launched; i++) {
                Attempt a = attempt(i);
                if (a != null && !a.settled) {
                    a.timedOut = true;
                }
            }
            after = finishWithLast();
        }
        run(after);
    }

    /** Under the monitor: ends the call with the last failed answer, or a time-out when there is none. */
    private Runnable finishWithLast() {
        R r = lastResponse;
        Throwable t = lastError;
        lastResponse = null;
        if (r == null && t == null) {
            return finish(ClientCore.Outcome.TIMED_OUT, null, core.refused(OutboundException.Reason.TIMED_OUT));
        }
        return finish(ClientCore.Outcome.FAILURE, r, t);
    }

    /** Under the monitor: ends the call once; the future is completed after the monitor is released. */
    private Runnable finish(ClientCore.Outcome outcome, R response, Throwable error) {
        if (finished) {
            return discard(response);
        }
        finished = true;
        cancelTimers();
        CompletableFuture<?>[] losers = cancelInFlight();
        if (entered) {
            entered = false;
            core.exit();
        }
        core.count(outcome);
        return () -> {
            for (CompletableFuture<?> f : losers) {
                if (f != null) {
                    f.cancel(true);
                }
            }
            if (error != null) {
                result.completeExceptionally(error);
            } else if (!result.complete(response)) {
                reader.discard(response); // the caller cancelled first
            }
        };
    }

    private CompletableFuture<?>[] cancelInFlight() {
        CompletableFuture<?>[] out = new CompletableFuture<?>[launched];
        for (int i = 0; i < launched; i++) {
            Attempt a = attempt(i);
            if (a != null && !a.settled) {
                if (!a.timedOut) {
                    a.lost = true;
                }
                out[i] = a.future;
            }
        }
        return out;
    }

    private void cancelTimers() {
        if (totalTimer != null) {
            totalTimer.cancel();
        }
        if (waitTimer != null) {
            waitTimer.cancel();
        }
        if (hedgeTimer != null) {
            hedgeTimer.cancel();
        }
    }

    /** The caller cancelled the result: stop everything; nothing more is returned. */
    private void cancelled() {
        CompletableFuture<?>[] losers;
        R stale;
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            cancelTimers();
            losers = cancelInFlight();
            if (entered) {
                entered = false;
                core.exit();
            }
            stale = lastResponse;
            lastResponse = null;
            core.count(ClientCore.Outcome.FAILURE);
        }
        for (CompletableFuture<?> f : losers) {
            if (f != null) {
                f.cancel(true);
            }
        }
        run(discard(stale));
    }

    private Runnable discard(R response) {
        if (response == null) {
            return null;
        }
        return () -> {
            try {
                reader.discard(response);
            } catch (RuntimeException e) {
                // a response being dropped: nothing more to do with it
            }
        };
    }

    private static Runnable both(Runnable a, Runnable b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return () -> {
            a.run();
            b.run();
        };
    }

    private static void run(Runnable r) {
        if (r != null) {
            r.run();
        }
    }
}
