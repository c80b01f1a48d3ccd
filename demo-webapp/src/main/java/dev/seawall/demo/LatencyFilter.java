package dev.seawall.demo;

import dev.seawall.core.Seawall;
import dev.seawall.core.policy.Policy;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The demo's latency probe: mapped before {@link SeawallFilter}, it times every request that a Seawall policy
 * matches as its client sees it — queueing, timeouts and fallbacks included — and records the time in the
 * {@link LatencyHistory} behind the status page's latency charts and in the Micrometer timer
 * {@code seawall.demo.latency} (tag {@code policy}) that {@code /metrics} shows. Requests of no policy are not
 * timed. A request that went asynchronous (a throttled one waiting in the queue) is timed until its
 * asynchronous cycle completes.
 *
 * <p>This is demo instrumentation, not part of Seawall: Seawall itself does not time whole requests.
 *
 * <p>Thread-safe: the history and the timers are thread-safe; the timer map is built once, when the first
 * request finds the engine, and never changed afterwards, so the meters' tags stay bounded to policy names.
 */
public class LatencyFilter implements Filter {

    private volatile ServletContext context;
    private volatile LatencyHistory history;
    private volatile Map<String, Timer> timers;

    @Override
    public void init(FilterConfig config) {
        context = config.getServletContext();
        // DemoServer may have put one there (tests read it); otherwise this filter owns the application's history
        synchronized (context) {
            if (context.getAttribute(LatencyHistory.ATTRIBUTE) instanceof LatencyHistory h) {
                history = h;
            } else {
                history = new LatencyHistory(System::nanoTime);
                context.setAttribute(LatencyHistory.ATTRIBUTE, history);
            }
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Seawall engine = context.getAttribute(SeawallFilter.ENGINE_ATTRIBUTE) instanceof Seawall s ? s : null;
        if (engine == null || !(request instanceof HttpServletRequest http)) {
            chain.doFilter(request, response);
            return;
        }
        String path = http.getServletPath() + (http.getPathInfo() == null ? "" : http.getPathInfo());
        Policy policy = engine.match(http.getMethod(), path);
        if (policy == null) {
            chain.doFilter(request, response);
            return;
        }
        LatencyHistory h = history;
        long start = h.now();
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new Completion(policy.name(), start));
            } else {
                record(policy.name(), start);
            }
        }
    }

    private void record(String policy, long start) {
        LatencyHistory h = history;
        long nanos = h.now() - start;
        h.record(policy, nanos);
        Timer timer = timers().get(policy);
        if (timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private Map<String, Timer> timers() {
        Map<String, Timer> t = timers;
        if (t != null) {
            return t;
        }
        synchronized (this) {
            if (timers == null) {
                Map<String, Timer> built = new HashMap<>();
                if (context.getAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE) instanceof MeterRegistry registry
                        && context.getAttribute(SeawallFilter.ENGINE_ATTRIBUTE) instanceof Seawall engine) {
                    // all at once, for every configured policy: tags bounded to policy names
                    for (Policy p : engine.policies()) {
                        built.put(p.name(), Timer.builder("seawall.demo.latency")
                                .description("Client-seen time of a request of a Seawall policy (demo probe)")
                                .tag("policy", p.name()).register(registry));
                    }
                }
                timers = Map.copyOf(built);
            }
            return timers;
        }
    }

    /**
     * Records when an asynchronous cycle ends. A new cycle (a resumed request that starts async again) drops
     * the registered listeners, so this one registers itself again.
     */
    private final class Completion implements AsyncListener {
        private final String policy;
        private final long start;

        Completion(String policy, long start) {
            this.policy = policy;
            this.start = start;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            record(policy, start);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // onComplete follows
        }

        @Override
        public void onError(AsyncEvent event) {
            // onComplete follows
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
