package dev.seawall.jaxrs;

import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.timeout.DeadlineTimer;
import dev.seawall.core.timeout.ResponseGate;
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
    final FallbackStage fallback;
    final TimeoutStage timeout;
    private volatile boolean answeredBySeawall;
    private volatile boolean parked;
    private volatile long appStart;
    private volatile ResponseGate gate;
    private volatile GatedWriter writer;
    private volatile DeadlineTimer.Handle unbufferedDeadline;
    private volatile int appStatus;
    private volatile Throwable failure;

    GuardedRequest(SeawallRuntime runtime, Policy policy, JaxrsRequestView view, Exchange exchange,
                   ContainerRequest request) {
        this.runtime = runtime;
        this.policy = policy;
        this.view = view;
        this.exchange = exchange;
        this.request = request;
        this.fallback = (FallbackStage) policy.chain().stage(StageKind.FALLBACK);
        this.timeout = (TimeoutStage) policy.chain().stage(StageKind.TIMEOUT);
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
        Rejection rejection = exchange.rejection();
        FallbackTrigger trigger = FallbackTrigger.of(rejection);
        if (fallback != null && trigger != null && exchange.passed(fallback)) {
            FallbackResponse r = fallback.answer(trigger, fallback.cacheKey(view), view, runtime.clock().nanoTime());
            if (r != null) {
                return Responses.fallback(r, exchange);
            }
        }
        return Responses.problem(rejection);
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
        // every guarded response goes through our writer: its commit or failure settles the exchange (Jersey's
        // FINISHED event is only the backstop) and an unmapped exception gets Seawall's safe 500, never the
        // container's error page; without a timeout or fallback nothing is held back (buffer 0: pass-through)
        boolean holds = policy.bufferBytes() > 0 && (timeout != null || fallback != null);
        ResponseGate g = new ResponseGate(holds ? handler : null);
        GatedWriter w = new GatedWriter(this, request.getResponseWriter(), g, holds ? policy.bufferBytes() : 0,
                fallback != null && fallback.cache() != null ? fallback.cache().maxEntryBytes() : 0);
        gate = g;
        writer = w;
        request.setWriter(w);
        if (timeout != null && !holds) {
            writer = null; // buffering off: the deadline cannot replace anything, see below
        }
        if (timeout != null) {
            request.setProperty(TimeoutStage.DEADLINE_ATTRIBUTE, Instant.now().plusNanos(timeout.afterNanos()));
            DeadlineTimer timer = runtime.deadlines();
            if (writer != null) {
                writer.arm(timeout, timer, appStart);
            } else {
                // buffering off: nothing can be replaced; the deadline only interrupts and is recorded
                ResponseGate interruptOnly = new ResponseGate(handler);
                gate = interruptOnly;
                TimeoutStage t = timeout;
                unbufferedDeadline = timer.schedule(appStart + t.afterNanos(), () -> {
                    interruptOnly.passDeadline();
                    t.overran();
                });
            }
        }
    }

    /** On the invoking thread, right after the resource method returned: no interrupt may reach it now. */
    void methodReturned() {
        ResponseGate g = gate;
        if (g != null) {
            g.handlerReturned();
        }
        DeadlineTimer.Handle h = unbufferedDeadline;
        if (h != null) {
            h.cancel();
        }
    }

    /** Adds the permits' headers and {@code X-Data-Source: live} to the application's response. */
    void decorate(ContainerResponseContext response) {
        appStatus = response.getStatus();
        exchange.writeHeaders(new Responses.MapSink(response.getHeaders()));
        if (fallback != null && !response.getHeaders().containsKey(FallbackStage.DATA_SOURCE)) {
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
