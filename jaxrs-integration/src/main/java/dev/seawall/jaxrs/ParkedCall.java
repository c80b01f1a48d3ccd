package dev.seawall.jaxrs;

import dev.seawall.core.chain.Deferral;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.internal.problem.Failures;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.timeout.Deadline;
import jakarta.ws.rs.container.AsyncResponse;
import org.glassfish.jersey.process.internal.RequestContext;
import org.glassfish.jersey.process.internal.RequestScope;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.RejectedExecutionException;

/**
 * One asynchronous resource method invocation held back while its request waits for a throttle slot, holding
 * no thread: the request is suspended, its arguments are kept, and the method runs once the slot is decided.
 *
 * <p>The decision (a slot freed by another request, the wait's expiry, or a cancellation) is taken on whichever
 * thread made it: a thread finishing another response, the deadline timer's, or a request being admitted. None
 * of them may run application code ({@link Deferral}'s contract): a method that resumes synchronously would
 * free the next slot and run the next method on the same stack, one frame per queued request. So the method is
 * handed to the runtime's bounded resume executor and invoked there inside the request's own Jersey request scope
 * (its {@code @Context} proxies keep working). When the decision is known by the time Jersey invokes the method,
 * nothing is parked: the invoking thread goes on.
 *
 * <p>Expiry: the throttle decides an expired wait only when asked, so a deadline-timer task asks at max-wait;
 * the refusal is the throttle's own 503 with {@code Retry-After}, answered through {@link GuardedRequest#refusal()}
 * as for a synchronous request. Disconnects: a client gone while queued is noticed when its answer is written;
 * the exchange settles through Jersey's {@code FINISHED} event then, at the latest at max-wait. A request
 * answered meanwhile by someone else (the container's async timeout) is released by {@link Settlement}, which
 * abandons the wait; the method then never runs.
 *
 * <p>Thread-safety: created on the invoking thread; {@link #decided()} runs once on the deciding thread and
 * {@link #proceed()} once on a resume thread; the fields they share are final or volatile.
 */
final class ParkedCall {

    private final SeawallRuntime runtime;
    private final GuardedRequest guarded;
    private final Object resource;
    private final Method method;
    private final Object[] args;
    private final AsyncResponse response;
    private final RequestScope scope;
    private volatile RequestContext context;
    private volatile DeadlineTimer.Handle expiry;

    ParkedCall(SeawallRuntime runtime, GuardedRequest guarded, Object resource, Method method, Object[] args,
               AsyncResponse response, RequestScope scope) {
        this.runtime = runtime;
        this.guarded = guarded;
        this.resource = resource;
        this.method = method;
        this.args = args;
        this.response = response;
        this.scope = scope;
    }

    /**
     * On the invoking thread, inside the request scope: parks the invocation, or runs it now when the slot is
     * already decided.
     *
     * @return what the method returned (ignored by Jersey for a {@code @Suspended} method), or null when parked
     */
    Object park() throws Throwable {
        Exchange exchange = guarded.exchange;
        Deferral deferral = exchange.deferral();
        if (deferral == null || deferral.outcome() != null) {
            return runHere();
        }
        // a reference keeps the request scope alive after Jersey's thread leaves it; released once proceeded
        context = scope.referenceCurrent();
        deferral.onDecided(this::decided);
        if (deferral.outcome() == null) {
            Deferral d = deferral;
            expiry = runtime.deadlines().schedule(d.deadlineNanos(), () -> d.endAt(runtime.clock().nanoTime()));
        }
        return null;
    }

    private Object runHere() throws Throwable {
        Exchange exchange = guarded.exchange;
        if (exchange.pending()) {
            exchange.resume(guarded.view, runtime.clock().nanoTime());
        }
        if (!exchange.admitted()) {
            if (!exchange.abandoned()) {
                response.resume(guarded.refusal());
            }
            return null;
        }
        guarded.start(null);
        Deadline.Scope bound = guarded.bindDeadline();
        guarded.methodStarted();
        try {
            return method.invoke(resource, args); // Jersey maps what it throws, as for any method
        } finally {
            if (bound != null) {
                bound.close();
            }
            guarded.methodReturned();
        }
    }

    /** On the deciding thread: hands the invocation to a resume thread. Never runs application code. */
    private void decided() {
        DeadlineTimer.Handle h = expiry;
        if (h != null) {
            h.cancel();
        }
        try {
            runtime.resumes().execute(this::proceedInScope);
        } catch (RejectedExecutionException full) {
            // the resume queue is full (or the application is shutting down): give the slot back and answer a
            // small 503 here; the request never reaches the application
            guarded.exchange.release();
            guarded.releaseKey();
            guarded.markAnswered();
            response.resume(Responses.problem(Failures.failedClosed(guarded.policy.name(), Failures.newRequestId())));
            context.release();
        }
    }

    private void proceedInScope() {
        RequestContext c = context;
        try {
            scope.runInScope(c, this::proceed);
        } finally {
            c.release();
        }
    }

    /** On a resume thread, inside the request's scope: continues the walk and invokes the method if admitted. */
    private void proceed() {
        try {
            continueWalk();
        } catch (RuntimeException | Error e) {
            // nothing may leave the request suspended forever: Jersey answers it, and FINISHED settles it
            response.resume(e);
        }
    }

    private void continueWalk() {
        Exchange exchange = guarded.exchange;
        exchange.resume(guarded.view, runtime.clock().nanoTime());
        if (exchange.abandoned()) {
            return; // released while it waited (the request was answered or failed): the slot went back
        }
        if (!exchange.admitted()) {
            response.resume(guarded.refusal());
            return;
        }
        if (!response.isSuspended()) {
            exchange.release(); // answered meanwhile: the method must not run for nobody
            return;
        }
        guarded.start(null);
        // the deadline counts from now, as the timeout does: the wait in the queue was not the method's time
        Deadline.Scope bound = guarded.bindDeadline();
        guarded.methodStarted();
        try {
            method.invoke(resource, args);
        } catch (InvocationTargetException e) {
            // what the method threw goes through Jersey's exception mappers, as if thrown on Jersey's thread
            response.resume(e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            response.resume(e);
        } finally {
            if (bound != null) {
                bound.close(); // a resume thread is pooled: it must not keep the request's deadline
            }
            guarded.methodReturned();
        }
    }
}
