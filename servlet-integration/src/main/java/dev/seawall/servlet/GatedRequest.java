package dev.seawall.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The request an application sees under a buffering policy. Its only job: when the application goes async
 * (Jersey's {@code @Suspended AsyncResponse}, a servlet's {@code startAsync()}), hand out an
 * {@link AsyncContext} whose {@code complete()} first commits the buffered response, and whose
 * {@code dispatch()} lets it pass through, so async applications behave as without Seawall. Confined to the
 * request like any servlet request.
 */
final class GatedRequest extends HttpServletRequestWrapper {

    private final ResponseContext context;
    private AsyncContext gated;

    GatedRequest(HttpServletRequest request, ResponseContext context) {
        super(request);
        this.context = context;
    }

    @Override
    public AsyncContext startAsync() {
        return startAsync(this, context.response);
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        AsyncContext real = super.startAsync(request, response);
        context.asyncStarted(real);
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
                context.response.stream();
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

        @Override
        public void start(Runnable run) {
            real.start(run);
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
