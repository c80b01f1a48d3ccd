package dev.seawall.jaxrs;

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
 * the method's invocation. Closes the runtime when the application
 * is destroyed.
 *
 * <p>Thread-safe and stateless per request: one instance listens to every request.
 */
final class Settlement implements ApplicationEventListener, RequestEventListener {

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
        return this;
    }

    @Override
    public void onEvent(RequestEvent event) {
        ContainerRequest request = event.getContainerRequest();
        if (request == null || !(request.getProperty(GuardedRequest.PROPERTY) instanceof GuardedRequest guarded)) {
            return;
        }
        switch (event.getType()) {
            case RESOURCE_METHOD_START -> {
                if (guarded.parked()) {
                    ParkedInvocations.CURRENT.set(guarded);
                }
            }
            case RESOURCE_METHOD_FINISHED -> {
                if (guarded.parked()) {
                    // the parked call reports the method's return itself, from whichever thread invoked it
                    ParkedInvocations.CURRENT.remove();
                } else {
                    guarded.methodReturned();
                }
            }
            case ON_EXCEPTION -> guarded.failed(event.getException());
            case FINISHED -> guarded.settle();
            default -> { }
        }
    }
}
