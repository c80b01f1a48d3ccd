package dev.seawall.servlet;

import jakarta.servlet.ServletRequest;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Work the application continues on a thread of its own for a request Seawall admitted: a framework's async handler
 * (Spring MVC's {@code Callable}, {@code WebAsyncTask} or {@code DeferredResult}) that runs after the request's thread
 * returned. While any begun work has not {@linkplain #end ended}, the request's permits (throttle slot, breaker
 * permit, concurrency share) stay taken, even after Seawall answered at the deadline or the async cycle completed; the
 * request is settled when the later of its normal settlement point and the last work's end is reached, with the
 * elapsed time measured to that end. The outcome recorded is "timed out" when Seawall answered at the deadline;
 * otherwise the response's own, and a failure (as a 500) when a work ended with one before the request was settled.
 *
 * <p>Work that never ends holds its permits for good, like a synchronous handler stuck in a call that never returns:
 * end it in a {@code finally}. Works of a request run by stacked Seawall filters hold every filter's permits.
 *
 * <p>Thread-safe.
 */
public final class HandlerWork {

    private final WorkLedger ledger;
    private final AtomicBoolean ended = new AtomicBoolean();

    HandlerWork(WorkLedger ledger) {
        this.ledger = ledger;
    }

    /**
     * @param request the request, as the application or the framework sees it (any wrapper of the one Seawall handed
     *                on)
     * @return a handle for work that continues after the request's thread returned, or null when no Seawall policy
     *         runs this request (nothing to hold). Call on the request's thread before it returns (e.g. when the
     *         framework starts async processing); called on another thread, or after the request's thread left the
     *         Seawall filters, it returns null.
     */
    public static HandlerWork begin(ServletRequest request) {
        if (request == null) {
            return null;
        }
        WorkLedger ledger = WorkLedger.of(request);
        if (ledger == null) {
            return null;
        }
        ledger.begin();
        return new HandlerWork(ledger);
    }

    /**
     * The work ended, normally ({@code failure} null) or with the throwable it ended with. Idempotent: only the first
     * call counts. Any thread; the request's settlement may run on it.
     */
    public void end(Throwable failure) {
        if (ended.compareAndSet(false, true)) {
            ledger.end(failure);
        }
    }
}
