package dev.seawall.demo;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * {@code GET /seawall/history}: the last five minutes of Seawall's rates, gauges and breaker states from
 * {@link RateHistory} (filled once a second by {@link HistorySampler}), as JSON for the status page's charts, so that
 * a reloaded page shows the past at once. Protected like the status endpoint (see {@link ProtectedDemoServlet}).
 *
 * <p>Thread-safe: stateless; the history is thread-safe.
 */
public class HistoryServlet extends ProtectedDemoServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admit(req, resp)) {
            return;
        }
        RateHistory history = getServletContext().getAttribute(RateHistory.ATTRIBUTE) instanceof RateHistory h
                ? h : new RateHistory(System::nanoTime, System::currentTimeMillis);
        json(resp, history.json());
    }
}
