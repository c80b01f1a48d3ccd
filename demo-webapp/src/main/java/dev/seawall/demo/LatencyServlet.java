package dev.seawall.demo;

import dev.seawall.core.Seawall;
import dev.seawall.core.policy.Policy;
import dev.seawall.servlet.SeawallFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;

/**
 * {@code GET /seawall/latency}: the last five minutes of client-seen latency per policy from
 * {@link LatencyHistory} (filled by {@link LatencyFilter}), as JSON for the status page's latency charts.
 * Protected like the status endpoint (see {@link ProtectedDemoServlet}); every configured policy is listed,
 * in configuration order, with empty series until it has been called.
 *
 * <p>Thread-safe: stateless; the history is thread-safe.
 */
public class LatencyServlet extends ProtectedDemoServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admit(req, resp)) {
            return;
        }
        Object engine = getServletContext().getAttribute(SeawallFilter.ENGINE_ATTRIBUTE);
        List<String> names = engine instanceof Seawall s ? s.policies().stream().map(Policy::name).toList() : List.of();
        LatencyHistory history = getServletContext().getAttribute(LatencyHistory.ATTRIBUTE) instanceof LatencyHistory h
                ? h : new LatencyHistory(System::nanoTime);
        json(resp, history.json(names));
    }
}
