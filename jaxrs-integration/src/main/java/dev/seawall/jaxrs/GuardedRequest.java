package dev.seawall.jaxrs;

import dev.seawall.core.chain.Exchange;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.answer.AnswerPlan;
import dev.seawall.core.internal.answer.UnbufferedDeadline;
import dev.seawall.core.internal.timeout.DeadlineBinding;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.timeout.Deadline;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;
import org.glassfish.jersey.server.ContainerRequest;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * One JAX-RS request's passage through a Seawall policy: its {@link Exchange}, the response gate and writer
 * when the policy can replace the response (timeout, fallback), and what the settlement needs. Stored as a
 * request property from the request filter to the {@code FINISHED} request event, which settles it.
 *
 * <p>Thread-safety: created and started on the request's thread; the deadline may fire on a timer thread and
 * the settlement may run on whichever thread finishes the response. The exchange settles exactly once (CAS),
 * the gate decides who writes, and the fields read across threads are volatile.
 */
final class GuardedRequest {

    static final String PROPERTY = "dev.seawall.jaxrs.request";
    /** A sync request waits this long past its queue deadline, so the queue decides first. */
    private static final long WAIT_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    final SeawallRuntime runtime;
    final Policy policy;
    final JaxrsRequestView view;
    final Exchange exchange;
    final ContainerRequest request;
    /** The policy's answer plan: its fallback, timeout and buffer, compiled with the policy. */
    final AnswerPlan plan;
    private volatile boolean answeredBySeawall;
    private volatile boolean parked;
    private volatile long appStart;
    private volatile ResponseGate gate;
    private volatile UnbufferedDeadline unbufferedDeadline;
    /** The request's deadline on the runtime's clock, once started under a timeout; null otherwise. */
    private volatile Deadline deadline;
    private volatile int appStatus;
    private volatile Throwable failure;
    /** The request's hold on its idempotency key, or null. */
    private volatile IdempotentCall keyed;

    GuardedRequest(SeawallRuntime runtime, Policy policy, JaxrsRequestView view, Exchange exchange,
                   ContainerRequest request) {
        this.runtime = runtime;
        this.policy = policy;
        this.view = view;
        this.exchange = exchange;
        this.request = request;
        this.plan = CoreAccess.answerPlan(policy);
    }

    /** The request holds an idempotency key: its answer is captured once the application runs. */
    void keyed(IdempotentCall call) {
        this.keyed = call;
    }

    /** The application will not run for this request (Seawall answered it instead): frees its idempotency key. */
    void releaseKey() {
        IdempotentCall k = keyed;
        if (k != null) {
            k.refused();
        }
    }

    /** The resource method starts (not for a parked call's, which reports its own invocation). */
    void methodStarted() {
        IdempotentCall k = keyed;
        if (k != null) {
            k.methodStarted();
        }
    }

    /**
     * Jersey committed a response for the request, or failed it: the application's outcome is known.
     *
     * @param status  the status Jersey wrote (the resource's, a mapper's, or a later filter's abort)
     * @param failure what the resource threw that no mapper answered, or null
     */
    void applicationEnded(int status, Throwable failure) {
        IdempotentCall k = keyed;
        if (k != null) {
            k.applicationEnded(status, failure);
        }
    }

    /**
     * Jersey's {@code FINISHED} event: the exchange settles if it has not yet, and the idempotency key keeps the
     * answer written, or is freed.
     */
    void finished() {
        try {
            settle();
        } finally {
            IdempotentCall k = keyed;
            if (k != null) {
                k.finished();
            }
        }
    }

    /**
     * The request is still queued, and its asynchronous method will be parked by {@link ParkedInvocations} when
     * Jersey invokes it, instead of blocking this thread.
     */
    void park() {
        parked = true;
    }

    /** @return true when the method's invocation is (or was) handed to a {@link ParkedCall} */
    boolean parked() {
        return parked;
    }

    /** @return true when Seawall, not the application, produced the response (rejection, fallback, timeout) */
    boolean answeredBySeawall() {
        return answeredBySeawall;
    }

    /**
     * Waits on this thread for a throttle slot, at most the queue's max-wait (plus a margin), then continues the
     * walk. Used for synchronous resource methods, which JAX-RS cannot suspend from a filter (asynchronous ones
     * are parked instead: {@link ParkedInvocations}).
     */
    void awaitBlocking() throws InterruptedException {
        try {
            exchange.deferral().awaitDecision(runtime.clock(), WAIT_MARGIN_NANOS);
        } catch (InterruptedException e) {
            exchange.release();
            throw e;
        }
        exchange.resume(view, runtime.clock().nanoTime());
    }

    /** The response for a refused request: the fallback when one answers this refusal, else the problem. */
    Response refusal() {
        answeredBySeawall = true;
        releaseKey();
        FallbackResponse r = plan.refusalAnswer(exchange, view, runtime.clock().nanoTime());
        return r != null ? Responses.fallback(r, exchange) : Responses.problem(exchange.rejection());
    }

    /**
     * The request was admitted and the resource method is about to run: takes over the response writer when the
     * policy may replace the response, and arms the deadline.
     *
     * @param handler the thread that runs the resource method (interrupted at the deadline while inside it), or
     *                null for asynchronous methods, whose work runs elsewhere
     */
    void start(Thread handler) {
        appStart = runtime.clock().nanoTime();
        IdempotentCall k = keyed;
        if (k != null) {
            // the tee sits outside the gated writer: it sees every answer that reaches the wire
            request.setWriter(k.tee(request.getResponseWriter()));
        }
        // every guarded response goes through our writer: its commit or failure settles the exchange (Jersey's
        // FINISHED event is only the backstop) and an unmapped exception gets Seawall's safe 500, never the
        // container's error page; without a timeout or fallback nothing is held back (buffer 0: pass-through)
        boolean holds = plan.buffers();
        ResponseGate g = new ResponseGate(holds ? handler : null);
        GatedWriter w = new GatedWriter(this, request.getResponseWriter(), g, holds ? plan.bufferBytes() : 0,
                plan.captureLimit());
        gate = g;
        request.setWriter(w);
        TimeoutStage timeout = plan.timeout();
        if (timeout != null) {
            // the policy's timeout, or the caller's shorter deadline from the policy's deadline header
            long after = timeout.afterNanos(view);
            deadline = Deadline.at(appStart + after, runtime.clock());
            request.setProperty(TimeoutStage.DEADLINE_ATTRIBUTE, Instant.now().plusNanos(after));
            if (holds) {
                w.arm(timeout, runtime.deadlines(), appStart, after);
            } else {
                // buffering off: nothing can be replaced; the deadline only interrupts and is recorded
                UnbufferedDeadline d = UnbufferedDeadline.arm(timeout, runtime.deadlines(), appStart, after, handler);
                gate = d.gate();
                unbufferedDeadline = d;
            }
        }
    }

    /**
     * Binds the request's deadline to the calling thread, which is about to invoke the resource method: outbound calls
     * through Seawall read it ({@link Deadline#current()}). Never later than a deadline bound there already (a servlet
     * filter's).
     *
     * @return the scope to close on this thread once the method returned, or null when nothing was bound (no timeout,
     *         or not started)
     */
    Deadline.Scope bindDeadline() {
        return DeadlineBinding.bindEarliest(deadline);
    }

    /** On the invoking thread, right after the resource method returned: no interrupt may reach it now. */
    void methodReturned() {
        UnbufferedDeadline d = unbufferedDeadline;
        if (d != null) {
            d.handlerReturned();
            return;
        }
        ResponseGate g = gate;
        if (g != null) {
            g.handlerReturned();
        }
    }

    /** Adds the permits' headers and {@code X-Data-Source: live} to the application's response. */
    void decorate(ContainerResponseContext response) {
        appStatus = response.getStatus();
        exchange.writeHeaders(new Responses.MapSink(response.getHeaders()));
        if (plan.fallback() != null && !response.getHeaders().containsKey(FallbackStage.DATA_SOURCE)) {
            response.getHeaders().putSingle(FallbackStage.DATA_SOURCE, "live");
        }
    }

    void failed(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    void markAnswered() {
        answeredBySeawall = true;
    }

    /** The request is over (Jersey's FINISHED event, or an async resume that will never come): settle once. */
    void settle() {
        if (exchange.settled()) {
            return;
        }
        if (exchange.pending()) {
            exchange.release();
            return;
        }
        int status = appStatus;
        Throwable f = failure;
        if (status == 0) {
            status = 500; // no response reached our filter: an unmapped exception or a broken writer
        }
        ResponseGate g = gate;
        exchange.complete(new Outcome(status, status >= 500 ? f : null, appStart, runtime.clock().nanoTime(),
                g != null && g.deadlinePassed()));
    }
}
