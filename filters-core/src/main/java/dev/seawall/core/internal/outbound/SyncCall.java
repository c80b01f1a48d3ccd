package dev.seawall.core.internal.outbound;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.outbound.AttemptContext;
import dev.seawall.core.outbound.BlockingTransport;
import dev.seawall.core.outbound.FailureClassifier;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.outbound.ResponseReader;
import dev.seawall.core.timeout.Deadline;

/**
 * One blocking call: every attempt runs on the calling thread, which sleeps between attempts — the decorator's
 * {@code call} and {@code HttpClient#send}, where the caller waits anyway and a hand-off to other threads would only
 * cost. An attempt running past its time is interrupted (the work must respond to interruption for the cut to take
 * effect, as JDBC drivers, blocking I/O on interruptible channels and {@code HttpClient#send} do), and runs under a
 * {@link Deadline} of the attempt's own end, so that outbound calls it makes through Seawall get at most that time.
 * Never hedges: there is no second thread. The decisions (what is retried, {@code Retry-After}, budget, breaker) are
 * {@link AsyncCall}'s, from {@link ClientCore}. Confined to the calling thread.
 */
@SuppressWarnings("try") // the deadline scope is only opened and closed around the work
public final class SyncCall {

    private SyncCall() {
    }

    /**
     * @return the final response: a success, or the last failed answer once no retry is allowed
     * @throws Exception the last attempt's exception when it is not retried, or an {@link OutboundException}
     */
    public static <R> R run(ClientCore core, OutboundRequest request, BlockingTransport<R> transport,
                            ResponseReader<R> reader, FailureClassifier classifier) throws Exception {
        long now = core.runtime.clock().nanoTime();
        long due = core.dueNanos(now);
        if (due <= now) {
            core.count(ClientCore.Outcome.DEADLINE_EXCEEDED);
            throw core.refused(OutboundException.Reason.DEADLINE_EXCEEDED);
        }
        if (!core.tryEnter()) {
            core.count(ClientCore.Outcome.BULKHEAD_FULL);
            throw core.refused(OutboundException.Reason.BULKHEAD_FULL);
        }
        if (core.hedgeable(request)) {
            core.hedgeIgnored();
        }
        try {
            return new Loop<>(core, request, transport, reader, classifier, due).run(now);
        } finally {
            core.exit();
        }
    }

    /** The attempts of one call; the last failed answer is kept until it is returned or superseded. */
    private static final class Loop<R> {
        private final ClientCore core;
        private final OutboundRequest request;
        private final BlockingTransport<R> transport;
        private final ResponseReader<R> reader;
        private final FailureClassifier classifier;
        private final long due;
        private final Breaker breaker;
        private R lastResponse;
        private Exception lastError;

        Loop(ClientCore core, OutboundRequest request, BlockingTransport<R> transport, ResponseReader<R> reader,
             FailureClassifier classifier, long due) {
            this.core = core;
            this.request = request;
            this.transport = transport;
            this.reader = reader;
            this.classifier = classifier;
            this.due = due;
            this.breaker = core.breaker(request);
        }

        R run(long startNanos) throws Exception {
            long now = startNanos;
            core.budget.deposit(now);
            long previousDelay = 0;
            for (int attempt = 1; ; attempt++) {
                boolean permitted = false;
                if (breaker != null) {
                    permitted = breaker.tryAcquireCall();
                    if (!permitted && !core.shadowBreaker()) {
                        if (attempt > 1) {
                            core.count(ClientCore.Declined.CIRCUIT_OPEN);
                            return last();
                        }
                        core.count(ClientCore.Outcome.CIRCUIT_OPEN);
                        throw core.refused(OutboundException.Reason.CIRCUIT_OPEN);
                    }
                }
                now = core.runtime.clock().nanoTime();
                long left = due == Long.MAX_VALUE ? Long.MAX_VALUE : due - now;
                if (left <= 0) {
                    if (permitted) {
                        breaker.releaseCall();
                    }
                    return last();
                }
                long timeout = Math.min(core.attemptNanos, left);
                if (attempt == 1) {
                    core.firstAttempts.increment();
                } else {
                    core.retries.increment();
                }
                AttemptContext ctx = new AttemptContext(attempt, false, timeout,
                        timeout == Long.MAX_VALUE ? null : core.config.timeout().deadlineHeader(),
                        Math.max(1, timeout / 1_000_000));
                R response = null;
                Exception error = null;
                boolean timedOut;
                Interrupter cut = timeout == Long.MAX_VALUE ? null : new Interrupter(core.runtime.timer(), now + timeout);
                Deadline deadline = timeout == Long.MAX_VALUE ? null : Deadline.at(now + timeout, core.runtime.clock());
                try (Deadline.Scope ignored = deadline == null ? null : deadline.bind()) {
                    response = transport.send(ctx);
                } catch (Exception e) {
                    error = e;
                } catch (Error e) {
                    if (cut != null) {
                        cut.disarm();
                    }
                    if (permitted) {
                        breaker.recordCall(core.runtime.clock().nanoTime() - now, true, core.slowCallNanos);
                    }
                    core.count(ClientCore.Outcome.FAILURE);
                    throw e;
                } finally {
                    timedOut = cut != null && cut.disarm();
                }
                long elapsed = core.runtime.clock().nanoTime() - now;
                boolean retry;
                boolean failed;
                int status = 0;
                if (error != null) {
                    FailureClassifier.Failure f = timedOut ? FailureClassifier.Failure.TIMEOUT
                            : ClientCore.classify(classifier, error);
                    if (timedOut) {
                        error = core.refused(OutboundException.Reason.TIMED_OUT);
                    }
                    failed = f != FailureClassifier.Failure.IGNORED;
                    retry = core.retries(f);
                } else {
                    status = status(response);
                    failed = core.breakerFailure(status);
                    retry = core.config.retry().retriesStatus(status);
                }
                if (permitted) {
                    breaker.recordCall(elapsed, failed, core.slowCallNanos);
                }
                if (!retry) {
                    drop(lastResponse);
                    lastResponse = null;
                    core.count(error != null || failed ? ClientCore.Outcome.FAILURE : ClientCore.Outcome.SUCCESS);
                    if (error != null) {
                        throw error;
                    }
                    return response;
                }
                drop(lastResponse);
                lastResponse = response;
                lastError = error;
                now = core.runtime.clock().nanoTime();
                String retryAfter = response != null && (status == 429 || status == 503) ? header(response) : null;
                long delay = core.nextDelay(request, attempt, status, retryAfter, previousDelay, now, due);
                if (delay < 0) {
                    return last();
                }
                previousDelay = delay;
                try {
                    core.runtime.pause().pause(delay);
                } catch (InterruptedException e) {
                    drop(lastResponse);
                    lastResponse = null;
                    core.count(ClientCore.Outcome.FAILURE);
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }

        /** Ends the call with the last failed answer, or a time-out when there is none. */
        private R last() throws Exception {
            R r = lastResponse;
            Exception e = lastError;
            lastResponse = null;
            if (r == null && e == null) {
                core.count(ClientCore.Outcome.TIMED_OUT);
                throw core.refused(OutboundException.Reason.TIMED_OUT);
            }
            core.count(ClientCore.Outcome.FAILURE);
            if (e != null) {
                throw e;
            }
            return r;
        }

        private int status(R response) {
            try {
                return reader.status(response);
            } catch (RuntimeException e) {
                return 0;
            }
        }

        private String header(R response) {
            try {
                return reader.header(response, "Retry-After");
            } catch (RuntimeException e) {
                return null;
            }
        }

        private void drop(R response) {
            if (response != null) {
                try {
                    reader.discard(response);
                } catch (RuntimeException e) {
                    // a response being dropped: nothing more to do with it
                }
            }
        }
    }
}
