package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.policy.Policy;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part every Seawall servlet filter shares: match, admit, run, settle. Thread-safe; one instance per
 * filter.
 *
 * <p>Settlement rules (ARCHITECTURE.md, steps 4-5): every admitted exchange is settled exactly once —
 * completed with an {@link Outcome} when the application ran (on return, on exception, or for an async
 * request when its {@link AsyncListener} fires), or released when an inner Seawall filter rejected the
 * request, so that stacked standalone filters refund tokens exactly as one {@link SeawallFilter} does.
 */
final class PolicyRunner {

    /** Set on a request by whichever Seawall filter wrote a rejection for it. */
    static final String REJECTED_ATTRIBUTE = "dev.seawall.rejected";

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final String seenAttribute;

    PolicyRunner(Object owner) {
        // unique per filter instance (identity hash codes can collide), so two stacked filters never
        // mistake each other for a re-entry
        this.seenAttribute = "dev.seawall.seen." + owner.getClass().getSimpleName() + "." + INSTANCES.incrementAndGet();
    }

    void doFilter(Seawall engine, ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (engine == null) {
            throw new ServletException("Seawall filter used before init() completed");
        }
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)
                || request.getDispatcherType() != DispatcherType.REQUEST
                || request.getAttribute(seenAttribute) != null) {
            // forwards, includes, error and async dispatches were admitted (or not) on their REQUEST pass
            chain.doFilter(req, res);
            return;
        }
        String path = ServletRequestView.pathOf(request);
        Policy policy = engine.match(request.getMethod(), path);
        if (policy == null) {
            chain.doFilter(req, res);
            return;
        }
        request.setAttribute(seenAttribute, Boolean.TRUE);
        long start = engine.clock().nanoTime();
        Exchange exchange = policy.chain().admit(new ServletRequestView(request, path), start);
        if (!exchange.admitted()) {
            request.setAttribute(REJECTED_ATTRIBUTE, policy.name());
            ResponseHeaders.writeRejection(response, exchange.rejection());
            return;
        }
        exchange.writeHeaders(new ResponseHeaders(response));

        Throwable failure = null;
        try {
            chain.doFilter(req, res);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            settle(engine, request, response, exchange, failure);
        }
    }

    private static void settle(Seawall engine, HttpServletRequest request, HttpServletResponse response,
                               Exchange exchange, Throwable failure) {
        if (failure == null && request.getAttribute(REJECTED_ATTRIBUTE) != null) {
            // an inner Seawall filter refused the request: it never reached the application
            exchange.release();
            return;
        }
        if (failure == null && request.isAsyncStarted()) {
            request.getAsyncContext().addListener(new SettlingListener(engine, exchange, response));
            return;
        }
        exchange.complete(new Outcome(statusOf(response, failure), failure, exchange.startNanos(),
                engine.clock().nanoTime(), false));
    }

    static int statusOf(HttpServletResponse response, Throwable failure) {
        // an exception escaping an uncommitted response becomes a 500 from the container
        if (failure != null && !response.isCommitted()) {
            return 500;
        }
        return response.getStatus();
    }

    /** Settles an async request when it really ends; the exchange makes repeated events harmless. */
    private static final class SettlingListener implements AsyncListener {
        private final Seawall engine;
        private final Exchange exchange;
        private final HttpServletResponse response;

        SettlingListener(Seawall engine, Exchange exchange, HttpServletResponse response) {
            this.engine = engine;
            this.exchange = exchange;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            exchange.complete(new Outcome(response.getStatus(), null, exchange.startNanos(),
                    engine.clock().nanoTime(), false));
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            exchange.complete(new Outcome(statusOf(response, event.getThrowable()), event.getThrowable(),
                    exchange.startNanos(), engine.clock().nanoTime(), true));
        }

        @Override
        public void onError(AsyncEvent event) {
            Throwable t = event.getThrowable();
            exchange.complete(new Outcome(t == null ? response.getStatus() : 500, t, exchange.startNanos(),
                    engine.clock().nanoTime(), false));
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // a re-started async cycle keeps the listener only if re-added
            event.getAsyncContext().addListener(this);
        }
    }
}
