package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.answer.AnswerPlan;
import dev.seawall.core.internal.answer.UnbufferedDeadline;
import dev.seawall.core.internal.timeout.DeadlineBinding;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.timeout.Deadline;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Instant;

/**
 * One decided admission's pass through one Seawall filter: writes the refusal (or the fallback for it), or runs the
 * application — under the policy's buffered context when the policy buffers — and settles the exchange.
 *
 * <p>Settlement rules (the design notes' steps 4-5): every admitted exchange is settled exactly once — completed with
 * an {@link Outcome} when the application ran (on return, on exception, or for an async request when its
 * {@link AsyncListener} fires: {@link SettlingListener}), or released when an inner Seawall filter refused the request
 * ({@link RefusalSignal}), so that stacked standalone filters refund tokens exactly as one {@link SeawallFilter} does.
 * A buffered response is settled by the {@link dev.seawall.core.internal.answer.AnswerArbiter} once its answer is
 * decided and before its bytes are written ({@link ResponseContext.Settlement}); otherwise right after the application
 * returned. Work the application continues on threads of its own ({@link HandlerWork}) defers either until it ended
 * ({@link WorkLedger}).
 *
 * <p>Deadline: while the application runs on this thread under a policy with a timeout, the request's {@link Deadline}
 * (the armed one: the application's start plus the request's own timeout) is bound to the thread, never later than
 * one an outer Seawall filter bound ({@link DeadlineBinding}), and unbound when the application returns.
 *
 * <p>Who calls it: {@link PolicyRunner} for a request admitted at once, {@link ThrottleWait} for one that waited.
 * Confined to the request's thread, apart from the fields {@link SettlingListener} reads when an async cycle ends
 * (written before the cycle can end).
 */
final class FilterPass implements ResponseContext.Settlement {

    /**
     * Request attribute holding the request's {@link Deadline} on the engine's clock, for the application's ASYNC
     * dispatches of the request ({@link PolicyRunner} binds it around them). Set on the container's request without a
     * buffer; a buffered request's {@link GatedRequest} answers it, and publishes it when the application starts an
     * async cycle.
     */
    static final String BOUND_DEADLINE = "dev.seawall.servlet.deadline";

    private final Seawall engine;
    private final AnswerPlan plan;
    private final ServletRequestView view;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final ServletCall call;
    private final Exchange exchange;
    /** Whether this is the only Seawall filter on the thread, on the request's REQUEST pass: no Seawall header yet. */
    private final boolean outermost;
    private long appStart;
    /** The gate whose deadline marks the outcome as timed out; null without a timeout or buffer. */
    private ResponseGate gate;
    /**
     * The application's work on threads of its own ({@link HandlerWork}), once it began some: settlement waits for it.
     * Written on the request's thread before it returns, read by whichever thread settles.
     */
    private volatile WorkLedger work;
    /**
     * The idempotency step whose key this pass settles: told how the application ended (or that it never ran) at this
     * pass's true settlement; null when no key is held, or another pass of the request reports it.
     */
    private final IdempotencyPass keyed;
    /** The buffered context this pass made, whose response knows the application's own status; else null. */
    private volatile ResponseContext ownContext;

    /**
     * @param plan      the policy's answer plan (null only when the exchange was abandoned and nothing runs)
     * @param outermost whether no Seawall header can be on the response yet
     * @param keyed     the idempotency step that holds the request's key, if any: the first pass made for it reports
     *                  to it (the pass of the filter that claimed the key: inner filters' passes are made later)
     */
    FilterPass(ServletCall call, AnswerPlan plan, ServletRequestView view, Exchange exchange, boolean outermost,
               IdempotencyPass keyed) {
        this.keyed = keyed != null && keyed.bind() ? keyed : null;
        this.call = call;
        this.engine = call.engine();
        this.request = call.request();
        this.response = call.response();
        this.plan = plan;
        this.view = view;
        this.exchange = exchange;
        this.outermost = outermost;
    }

    /** Runs the application for an admitted exchange, or writes its rejection (or the fallback for it). */
    void run() throws IOException, ServletException {
        if (exchange.abandoned()) {
            neverRan();
            return;
        }
        // The outermost filter has no outer Seawall filter whose buffered response it could join (an outer one hands on
        // its GatedRequest, which answers the attribute); and a context whose answer was decided (its deadline answered)
        // belongs to an earlier attempt of a filter between the two that retried: joining it would run the retry
        // without a buffer and a deadline of its own
        ResponseContext outer = !outermost && request.getAttribute(ResponseContext.ATTRIBUTE) instanceof ResponseContext c
                && !c.decided() ? c : null;
        if (!exchange.admitted()) {
            neverRan();
            refuse(outer);
            return;
        }
        ResponseContext context = outer;
        boolean owner = false;
        if (context == null && plan.buffers()) {
            // inner Seawall filters find it through the request handed on (GatedRequest), not a request attribute
            context = new ResponseContext(request, response, view, plan, engine.clock());
            owner = true;
        }
        if (owner) {
            ownContext = context;
            if (keyed == null && !outermost
                    && request.getAttribute(IdempotencyPass.ATTRIBUTE) instanceof IdempotencyPass p) {
                // behind the filter holding the key, this context sees the application's own status and deadline
                p.innerContext(context);
            }
        }
        if (context != null) {
            context.join(plan, exchange);
            if (plan.fallback() != null) {
                // the outermost filter adds it: nothing of this pass can have set it yet (an earlier pass's value stays
                // unless the retrying filter reset the response, as for the rate-limit headers in ResponseHeaders)
                if (outermost) {
                    response.addHeader(FallbackStage.DATA_SOURCE, "live");
                } else {
                    response.setHeader(FallbackStage.DATA_SOURCE, "live");
                }
            }
        }
        exchange.writeHeaders(new ResponseHeaders(response, outermost));
        runApplication(context, owner);
    }

    /** Writes the refusal, or the policy's fallback for it, and tells the outer Seawall filters. */
    private void refuse(ResponseContext outer) throws IOException {
        Rejection rejection = exchange.rejection();
        RefusalSignal.refused(rejection, outer);
        StackedLimits.reportOuterAsReleased(response);
        if (outer == null) {
            FallbackResponse r = plan.refusalAnswer(exchange, view, engine.clock().nanoTime());
            if (r != null) {
                exchange.writeHeaders(new ResponseHeaders(response, outermost));
                ResponseContext.writeFallback(response, r);
                return;
            }
        }
        // under an outer buffering filter this lands in its buffer, and the outer fallback may replace it
        ResponseHeaders.writeRejection(response, rejection, outermost);
    }

    /**
     * @param context the buffered context this pass writes into, or null
     * @param owner   whether this filter made the context (and so finishes it)
     */
    private void runApplication(ResponseContext context, boolean owner) throws IOException, ServletException {
        // the application's own time starts now, not at admission: a wait in a throttle queue is not the
        // application being slow (the breaker's slow-call must not see it)
        appStart = engine.clock().nanoTime();
        TimeoutStage timeout = plan.timeout();
        gate = context != null ? context.gate : null;
        UnbufferedDeadline unbuffered = null;
        Deadline deadline = null;
        if (timeout != null) {
            // the policy's timeout, or the caller's shorter deadline from the policy's deadline header
            long after = timeout.afterNanos(view);
            if (context != null) {
                // the application reads the armed deadline through the GatedRequest of the filter that owns the context
                context.arm(timeout, CoreAccess.deadlines(engine), appStart, after);
                deadline = context.deadline(); // the earliest armed in the context, which may be an outer filter's
            } else {
                deadline = Deadline.at(appStart + after, engine.clock());
                request.setAttribute(TimeoutStage.DEADLINE_ATTRIBUTE, Instant.now().plusNanos(after));
                // for the application's ASYNC dispatches of this request (PolicyRunner binds it there)
                request.setAttribute(BOUND_DEADLINE, deadline);
                // buffering off: nothing can be replaced; the deadline only interrupts and is recorded
                unbuffered = UnbufferedDeadline.arm(timeout, CoreAccess.deadlines(engine), appStart, after,
                        Thread.currentThread());
                gate = unbuffered.gate();
            }
        }
        Throwable failure = null;
        boolean handled = false;
        int mark = RefusalSignal.mark();
        // an inner filter's refusal reports this exchange's limits as they will be once released (StackedLimits)
        int stacked = StackedLimits.push(exchange);
        // HandlerWork.begin finds this pass while the application runs on this thread
        int working = WorkLedger.enter(this);
        // outbound calls through Seawall read it (Deadline.current()); closed before anything else on the way out, so
        // a pooled thread never keeps it
        Deadline.Scope bound = DeadlineBinding.bindEarliest(deadline);
        try {
            if (owner) {
                call.chain().doFilter(context.handedOn, context.response);
            } else {
                call.chain().doFilter(request, response);
            }
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = e;
        } finally {
            if (keyed != null) {
                // from here every path ends in complete() or release(), now or later: the key waits for that report
                keyed.promise();
            }
            if (bound != null) {
                bound.close();
            }
            WorkLedger.leave(working);
            StackedLimits.pop(stacked);
            if (unbuffered != null) {
                unbuffered.handlerReturned();
            } else if (gate != null && (timeout != null || owner)) {
                gate.handlerReturned();
            }
            boolean settled = false;
            // asked once: the container answers it under a lock
            boolean async = failure == null && request.isAsyncStarted();
            boolean innerRefused = RefusalSignal.since(mark);
            if (owner && !async) {
                // settled when the answer is decided, before its bytes leave: a client that sends its next request
                // as soon as it has read this answer finds the copy stored, the breaker's count and the permits done
                context.settleBeforeCommit(this);
                try {
                    handled = context.finish(failure);
                } catch (IOException | RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
                settled = context.settledBeforeCommit();
            }
            if (!settled) {
                int appStatus = owner ? context.statusAtFinish() : 0;
                settle(handled ? null : failure, failure, appStatus, async, innerRefused);
            }
        }
        if (failure != null && !handled) {
            if (owner) {
                context.beforeErrorDispatch(); // the container's error page gets its own request
            }
            rethrow(failure);
        }
    }

    /** The settlement the buffered context runs before its answer commits. */
    @Override
    public void settle(Throwable failure, int appStatus, boolean refused) {
        settle(null, failure, appStatus, false, refused);
    }

    /**
     * @param unanswered the failure when nobody answered it (the container will), else null
     * @param failure    what the application threw, answered or not (the breaker counts it either way)
     * @param appStatus  the application's status before a fallback replaced it, or 0 when unknown
     * @param async      whether the application returned without failure after starting an async cycle
     * @param refused    whether an inner Seawall filter refused the request in this pass ({@link RefusalSignal})
     */
    private void settle(Throwable unanswered, Throwable failure, int appStatus, boolean async, boolean refused) {
        if (failure == null && refused) {
            // an inner Seawall filter refused the request: it never reached the application
            release();
            return;
        }
        if (async) {
            SettlingListener listener = new SettlingListener(this);
            try {
                request.getAsyncContext().addListener(listener);
            } catch (IllegalStateException cycleOver) {
                // another thread ended the cycle between isAsyncStarted() and here (Undertow then refuses both calls):
                // no event will reach the listener, so it settles now, as its onComplete would have
                listener.onComplete(null);
            }
            return;
        }
        // the application's status, not a fallback's substitute: a 502 answered by a 202 fallback is a failure
        int status = unanswered != null ? statusOf(response, unanswered)
                : appStatus > 0 ? appStatus : response.getStatus();
        // the application returned on this thread: its end is known (work of its own defers it, see complete)
        complete(status, failure, deadlinePassed(), true);
    }

    // ---- for SettlingListener ----

    HttpServletRequest request() {
        return request;
    }

    HttpServletResponse response() {
        return response;
    }

    /** @return the ledger of the application's own-thread work, or null when it began none */
    WorkLedger workLedger() {
        return work;
    }

    /** The application began work on a thread of its own: this pass settles only once the work ended. */
    void joinWorkLedger(WorkLedger ledger) {
        this.work = ledger;
    }

    /** Gives the permits back: the request never reached the application. Once its work ended, if it began any. */
    void release() {
        WorkLedger w = work;
        if (w == null) {
            try {
                exchange.release();
            } finally {
                neverRan();
            }
        } else {
            w.settle(() -> {
                try {
                    exchange.release();
                } finally {
                    neverRan();
                }
            });
        }
    }

    /**
     * Completes the permits with the application's outcome, ending now; or, while work the application continues on
     * a thread of its own is running, when the last of it ends (the outcome then ends there, and is a failure if a
     * work failed before it, unless the deadline answered).
     *
     * @param endKnown whether the application is known to have ended here (it returned, or completed its async cycle);
     *                 false when the deadline or the container ended its cycle while it may still run. Work of its own
     *                 that it began makes the end known where the last of it ends.
     */
    void complete(int status, Throwable failure, boolean timedOut, boolean endKnown) {
        WorkLedger w = work;
        if (w == null) {
            try {
                exchange.complete(new Outcome(status, failure, appStart, engine.clock().nanoTime(), timedOut));
            } finally {
                ended(endKnown, status, endKnown ? failure : null);
            }
            return;
        }
        w.settle(() -> {
            Throwable workFailure = failure == null && !timedOut ? w.failure() : null;
            try {
                exchange.complete(new Outcome(workFailure != null ? 500 : status, workFailure != null ? workFailure
                        : failure, appStart, engine.clock().nanoTime(), timedOut));
            } finally {
                // the last work ended: the application's end is known now, and a failure of its own is the work's
                // (what the container reported on a timeout or an error is not the application's)
                Throwable own = endKnown && failure != null ? failure : w.failure();
                ended(true, status, own);
            }
        });
    }

    /** Tells the key's idempotency step that the application never ran. */
    private void neverRan() {
        if (keyed != null) {
            keyed.applicationEnded(IdempotencyPass.End.NEVER_RAN);
        }
    }

    /**
     * Tells the key's idempotency step how the application ended: its own status (the one it set, even after the
     * deadline answered or a fallback replaced it) and failure; or that it may still run.
     */
    private void ended(boolean known, int status, Throwable failure) {
        if (keyed == null) {
            return;
        }
        if (!known) {
            keyed.applicationEnded(IdempotencyPass.End.UNKNOWN);
            return;
        }
        ResponseContext own = ownContext != null ? ownContext : keyed.innerContext();
        keyed.applicationEnded(IdempotencyPass.End.ran(own != null ? own.response.ownStatus() : status, failure));
    }

    /** @return whether this pass's deadline passed while the application ran */
    boolean deadlinePassed() {
        return gate != null && gate.deadlinePassed();
    }

    /**
     * @return whether Seawall answered at the deadline (a buffered response whose deadline won): an async cycle it
     *         then completed says nothing of the application's end
     */
    boolean deadlineAnswered() {
        ResponseGate g = gate;
        if (g != null && g.state() == ResponseGate.TIMED_OUT) {
            return true;
        }
        // an inner Seawall filter's buffered context, behind the filter holding the key, may have answered instead
        ResponseContext inner = keyed != null ? keyed.innerContext() : null;
        return inner != null && inner.gate.state() == ResponseGate.TIMED_OUT;
    }

    static int statusOf(HttpServletResponse response, Throwable failure) {
        // an exception escaping an uncommitted response becomes a 500 from the container
        if (failure != null && !response.isCommitted()) {
            return 500;
        }
        return response.getStatus();
    }

    private static void rethrow(Throwable t) throws IOException, ServletException {
        if (t instanceof IOException e) {
            throw e;
        }
        if (t instanceof ServletException e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        throw (Error) t;
    }
}
