package dev.seawall.jaxrs;

import dev.seawall.core.timeout.Deadline;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.monitoring.ApplicationEvent;
import org.glassfish.jersey.server.monitoring.ApplicationEventListener;
import org.glassfish.jersey.server.monitoring.RequestEvent;
import org.glassfish.jersey.server.monitoring.RequestEventListener;

/**
 * Settles every guarded request from Jersey's request events, which fire even when a resource throws an
 * exception no mapper answers, so no permit leaks: the method's return ({@code RESOURCE_METHOD_FINISHED}, after
 * which no deadline interrupt may reach the thread), its exception ({@code ON_EXCEPTION}) and the end of the
 * request ({@code FINISHED}, which completes or releases the exchange). For a request whose asynchronous method
 * is parked while it waits for a throttle slot, it also publishes the request to {@link ParkedInvocations} around
 * the method's invocation. Jersey fires {@code RESOURCE_METHOD_START} and {@code RESOURCE_METHOD_FINISHED} on the
 * thread that invokes the method (the request's, or the managed executor's for {@code @ManagedAsync}), so the
 * request's {@link Deadline} is bound between the two there; {@code RESOURCE_METHOD_START} also marks that the resource
 * ran, which an idempotency key's settlement needs (a request a later filter aborted never ran). Closes the runtime
 * when the application is destroyed.
 *
 * <p>Each request gets a small listener that looks its {@link GuardedRequest} up once, at {@code REQUEST_FILTERED}
 * (which Jersey fires after the request filters, even when one aborted), and keeps it. It must not read request
 * properties later: in a servlet container they are the servlet request's attributes, and once an asynchronous
 * response completed, the container refuses to read them (Jetty throws). Throwing from a listener would also cost
 * every listener after it the {@code FINISHED} event, the application's monitoring included.
 *
 * <p>Thread-safe: one instance listens to the application; the per-request listener is written on the request's
 * thread and read on whichever thread finishes the request (the field is volatile).
 */
final class Settlement implements ApplicationEventListener {

    private final SeawallRuntime runtime;

    Settlement(SeawallRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void onEvent(ApplicationEvent event) {
        if (event.getType() == ApplicationEvent.Type.DESTROY_FINISHED) {
            runtime.close();
        }
    }

    @Override
    public RequestEventListener onRequest(RequestEvent requestEvent) {
        return new OfRequest();
    }

    /** The events of one request. */
    private static final class OfRequest implements RequestEventListener {
        private volatile GuardedRequest guarded;
        /** The deadline bound around the method's invocation; opened and closed on the invoking thread. */
        private Deadline.Scope bound;

        @Override
        public void onEvent(RequestEvent event) {
            if (event.getType() == RequestEvent.Type.REQUEST_FILTERED) {
                ContainerRequest request = event.getContainerRequest();
                if (request != null && request.getProperty(GuardedRequest.PROPERTY) instanceof GuardedRequest g) {
                    guarded = g;
                }
                return;
            }
            GuardedRequest g = guarded;
            if (g == null) {
                return;
            }
            switch (event.getType()) {
                case RESOURCE_METHOD_START -> {
                    if (g.parked()) {
                        ParkedInvocations.CURRENT.set(g); // the parked call binds the deadline where the method runs
                    } else {
                        bound = g.bindDeadline();
                        g.methodStarted();
                    }
                }
                case RESOURCE_METHOD_FINISHED -> {
                    Deadline.Scope s = bound;
                    if (s != null) {
                        bound = null;
                        s.close(); // the pooled thread must not keep it
                    }
                    if (g.parked()) {
                        // the parked call reports the method's return itself, from whichever thread invoked it
                        ParkedInvocations.CURRENT.remove();
                    } else {
                        g.methodReturned();
                    }
                }
                case ON_EXCEPTION -> g.failed(event.getException());
                case FINISHED -> g.finished();
                default -> { }
            }
        }
    }
}
