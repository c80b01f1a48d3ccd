package dev.seawall.core.internal.outbound;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.outbound.FailureClassifier;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.timeout.Deadline;

import java.util.concurrent.Callable;

/**
 * One synchronous decorated call: every attempt runs on the calling thread, which sleeps between attempts. An attempt
 * running past its time is interrupted (the work must respond to interruption for the cut to take effect, as JDBC
 * drivers and blocking I/O on interruptible channels do), and runs under a {@link Deadline} of the attempt's own end,
 * so that outbound calls it makes through Seawall get at most that time. Confined to the calling thread.
 */
@SuppressWarnings("try") // the deadline scope is only opened and closed around the work
public final class SyncCall {

    private SyncCall() {
    }

    /**
     * @return the work's value
     * @throws Exception the last attempt's exception when it is not retried, or an {@link OutboundException}
     */
    public static <T> T run(ClientCore core, Callable<T> work, FailureClassifier classifier) throws Exception {
        OutboundRequest request = OutboundRequest.call();
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
        if (core.config.hedge() != null) {
            core.hedgeIgnored();
        }
        Breaker breaker = core.breaker(request);
        try {
            core.budget.deposit(now);
            Exception last = null;
            long previousDelay = 0;
            int max = core.config.retry().maxAttempts();
            for (int attempt = 1; ; attempt++) {
                boolean permitted = false;
                if (breaker != null) {
                    permitted = breaker.tryAcquireCall();
                    if (!permitted && !core.shadowBreaker()) {
                        if (last != null) {
                            core.count(ClientCore.Declined.CIRCUIT_OPEN);
                            core.count(ClientCore.Outcome.FAILURE);
                            throw last;
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
                    core.count(last != null ? ClientCore.Outcome.FAILURE : ClientCore.Outcome.TIMED_OUT);
                    throw last != null ? last : core.refused(OutboundException.Reason.TIMED_OUT);
                }
                long timeout = Math.min(core.attemptNanos, left);
                if (attempt == 1) {
                    core.firstAttempts.increment();
                } else {
                    core.retries.increment();
                }
                Interrupter cut = timeout == Long.MAX_VALUE ? null : new Interrupter(core.runtime.timer(), now + timeout);
                T value = null;
                Exception error = null;
                boolean timedOut;
                Deadline deadline = timeout == Long.MAX_VALUE ? null : Deadline.at(now + timeout, core.runtime.clock());
                try (Deadline.Scope ignored = deadline == null ? null : deadline.bind()) {
                    value = work.call();
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
                FailureClassifier.Failure failure = null;
                if (error != null) {
                    failure = timedOut ? FailureClassifier.Failure.TIMEOUT : ClientCore.classify(classifier, error);
                    if (timedOut) {
                        error = core.refused(OutboundException.Reason.TIMED_OUT);
                    }
                }
                if (permitted) {
                    breaker.recordCall(elapsed, failure != null && failure != FailureClassifier.Failure.IGNORED,
                            core.slowCallNanos);
                }
                if (error == null) {
                    core.count(ClientCore.Outcome.SUCCESS);
                    return value;
                }
                last = error;
                if (!core.retries(failure)) {
                    core.count(ClientCore.Outcome.FAILURE);
                    throw error;
                }
                now = core.runtime.clock().nanoTime();
                ClientCore.Declined no = attempt >= max ? ClientCore.Declined.ATTEMPTS : null;
                long delay = no == null ? core.backoff.delayNanos(attempt, previousDelay) : 0;
                if (no == null && due != Long.MAX_VALUE && delay >= due - now) {
                    no = ClientCore.Declined.DEADLINE;
                }
                if (no == null && !core.budget.tryWithdraw(now)) {
                    no = ClientCore.Declined.BUDGET;
                }
                if (no != null) {
                    core.count(no);
                    core.count(ClientCore.Outcome.FAILURE);
                    throw error;
                }
                previousDelay = delay;
                core.waits.increment();
                core.waitNanos.add(delay);
                core.runtime.pause().pause(delay);
            }
        } finally {
            core.exit();
        }
    }
}
