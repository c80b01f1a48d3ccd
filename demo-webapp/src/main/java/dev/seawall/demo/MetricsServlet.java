package dev.seawall.demo;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** {@code GET /metrics}: the demo's Prometheus registry in text format. Stateless and thread-safe. */
public class MetricsServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object registry = getServletContext().getAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE);
        if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
            resp.sendError(503);
            return;
        }
        resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
        resp.getWriter().write(prometheus.scrape());
    }
}
