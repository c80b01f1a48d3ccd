package dev.seawall.servlet;

import dev.seawall.core.timeout.Deadline;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.time.Instant;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The request an application (and every filter behind the owning Seawall filter) sees under a buffering policy.
 * <ul>
 *   <li>When the application goes async (Jersey's {@code @Suspended AsyncResponse}, a servlet's
 *       {@code startAsync()}), it hands out an {@link AsyncContext} whose {@code complete()} first commits the
 *       buffered response, and whose {@code dispatch()} lets it pass through, so async applications behave as
 *       without Seawall. Its ASYNC dispatches carry this request, and the request's {@link Deadline}
 *       ({@link FilterPass#BOUND_DEADLINE}, also copied onto the container's request when the cycle starts); its
 *       {@code start(Runnable)} runs the task under the deadline of the thread that starts it.</li>
 *   <li>It answers two request attributes itself instead of setting them on the container's request: the
 *       {@link ResponseContext} ({@link ResponseContext#ATTRIBUTE}, which inner Seawall filters join) and the documented
 *       deadline ({@link TimeoutStage#DEADLINE_ATTRIBUTE}: the armed deadline as an {@link Instant}, made only when
 *       somebody asks). The first attribute set on a request makes the container build its attribute map, and the
 *       deadline needed a wall-clock read: on a trivial endpoint the two were about 1 % of the server's time. Both are
 *       listed in {@link #getAttributeNames()}. An application may set or remove the deadline attribute (that goes to
 *       the container's request too, so its attribute listeners hear of it); it then sees its own value until a
 *       Seawall filter announces a deadline again, as when the filters set the attribute themselves. Before the
 *       container answers an error itself (an error page, which it dispatches with its own request), the deadline is
 *       copied onto the container's request ({@link #publishDeadline}). Code that unwraps this request to the
 *       container's own does not see them otherwise.</li>
 * </ul>
 * Confined to the request like any servlet request.
 */
final class GatedRequest extends HttpServletRequestWrapper {

    private final ResponseContext context;
    private AsyncContext gated;
    /**
     * The context's {@linkplain ResponseContext#announcements announcement} after which the application set or removed
     * the deadline attribute, or -1: until the next announcement the application reads {@link #ownDeadline}.
     */
    private int replacedAt = -1;
    private Object ownDeadline;
    /** The armed deadline as an {@code Instant}, made on first request, and the engine-clock deadline it was made for. */
    private Instant deadline;
    private long deadlineFor;

    GatedRequest(HttpServletRequest request, ResponseContext context) {
        super(request);
        this.context = context;
    }

    @Override
    public Object getAttribute(String name) {
        if (TimeoutStage.DEADLINE_ATTRIBUTE.equals(name)) {
            return deadline();
        }
        if (ResponseContext.ATTRIBUTE.equals(name)) {
            return context;
        }
        if (FilterPass.BOUND_DEADLINE.equals(name)) {
            Deadline d = context.deadline();
            return d != null ? d : super.getAttribute(name); // without a timeout here: an outer unbuffered filter's
        }
        return super.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (TimeoutStage.DEADLINE_ATTRIBUTE.equals(name)) {
            replaceDeadline(value); // null removes it, as for any attribute
        }
        super.setAttribute(name, value);
    }

    @Override
    public void removeAttribute(String name) {
        if (TimeoutStage.DEADLINE_ATTRIBUTE.equals(name)) {
            replaceDeadline(null);
        }
        super.removeAttribute(name);
    }

    private void replaceDeadline(Object value) {
        replacedAt = context.announcements();
        ownDeadline = value;
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        Set<String> names = new LinkedHashSet<>(Collections.list(super.getAttributeNames()));
        names.add(ResponseContext.ATTRIBUTE);
        if (deadline() != null) {
            names.add(TimeoutStage.DEADLINE_ATTRIBUTE);
        } else {
            names.remove(TimeoutStage.DEADLINE_ATTRIBUTE);
        }
        return Collections.enumeration(names);
    }

    /**
     * Copies the deadline as this request answers it onto the container's request: the container is about to answer an
     * error itself, and its error page gets its own request. Rare, so the attribute map it builds does not matter.
     */
    void publishDeadline() {
        Object d = deadline();
        if (d != null && super.getAttribute(TimeoutStage.DEADLINE_ATTRIBUTE) != d) {
            super.setAttribute(TimeoutStage.DEADLINE_ATTRIBUTE, d);
        }
    }

    private Object deadline() {
        if (replacedAt == context.announcements()) {
            return ownDeadline;
        }
        if (!context.hasDeadline()) {
            // no timeout in this context (a fallback-only owner): an outer unbuffered filter's, if any
            return super.getAttribute(TimeoutStage.DEADLINE_ATTRIBUTE);
        }
        long nanos = context.deadlineNanos();
        // racy by design when an async application reads it from several threads: each makes the same value
        if (deadline == null || deadlineFor != nanos) {
            deadline = Instant.now().plusNanos(nanos - context.clock().nanoTime());
            deadlineFor = nanos;
        }
        return deadline;
    }

    @Override
    public AsyncContext startAsync() {
        return startAsync(this, context.response);
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        AsyncContext real = super.startAsync(request, response);
        context.asyncStarted(real);
        // an ASYNC dispatch may carry the container's request rather than this one: it must find the deadline too
        Deadline d = context.deadline();
        if (d != null) {
            super.setAttribute(FilterPass.BOUND_DEADLINE, d);
        }
        gated = new Gated(real);
        return gated;
    }

    @Override
    public AsyncContext getAsyncContext() {
        AsyncContext real = super.getAsyncContext();
        return gated != null ? gated : real;
    }

    /** Commits the buffered response before the container completes the cycle. */
    private final class Gated implements AsyncContext {
        private final AsyncContext real;

        Gated(AsyncContext real) {
            this.real = real;
        }

        @Override
        public void complete() {
            try {
                context.finish(null);
            } catch (java.io.IOException e) {
                // the client went away; the container's cycle still has to end
            }
            try {
                real.complete();
            } catch (IllegalStateException alreadyDone) {
                // a timeout answer completed the cycle first
            }
        }

        private void passThrough() {
            try {
                context.response.passThroughForDispatch();
            } catch (java.io.IOException e) {
                // the dispatch target will see the broken connection itself
            }
        }

        @Override
        public void dispatch() {
            passThrough();
            real.dispatch();
        }

        @Override
        public void dispatch(String path) {
            passThrough();
            real.dispatch(path);
        }

        @Override
        public void dispatch(ServletContext ctx, String path) {
            passThrough();
            real.dispatch(ctx, path);
        }

        @Override
        public ServletRequest getRequest() {
            return real.getRequest();
        }

        @Override
        public ServletResponse getResponse() {
            return real.getResponse();
        }

        @Override
        public boolean hasOriginalRequestAndResponse() {
            return real.hasOriginalRequestAndResponse();
        }

        /** The container's thread runs {@code run} under the deadline of the thread that starts it. */
        @Override
        public void start(Runnable run) {
            real.start(Deadline.wrap(run));
        }

        @Override
        public void addListener(AsyncListener listener) {
            real.addListener(listener);
        }

        @Override
        public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
            real.addListener(listener, request, response);
        }

        @Override
        public <T extends AsyncListener> T createListener(Class<T> type) throws ServletException {
            return real.createListener(type);
        }

        @Override
        public void setTimeout(long timeout) {
            real.setTimeout(timeout);
        }

        @Override
        public long getTimeout() {
            return real.getTimeout();
        }
    }
}
