package dev.seawall.demo;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * {@code /seawall/admin/catalog}: the demo's stale-copy scenario, protected like the status endpoint (see
 * {@link ProtectedDemoServlet}). {@code GET} answers {@code {"down":false,"failed":0}}; {@code POST down=true} makes
 * the catalog's simulated database fail for every request (the catalog policy then serves each caller's last good
 * copy, {@code X-Data-Source: cache}); {@code POST down=false} brings it back. Any other parameter or value answers
 * 400 problem+json and changes nothing. Thread-safe: stateless apart from the shared, thread-safe upstream.
 */
public class CatalogAdminServlet extends ProtectedDemoServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (admit(req, resp)) {
            json(resp, CatalogUpstream.of(getServletContext()).json());
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admit(req, resp)) {
            return;
        }
        String[] down = req.getParameterMap().get("down");
        if (req.getParameterMap().size() != 1 || down == null || down.length != 1
                || !(down[0].equals("true") || down[0].equals("false"))) {
            badRequest(resp, "Expected exactly down=true (the catalog's database fails) or down=false.");
            return;
        }
        CatalogUpstream upstream = CatalogUpstream.of(getServletContext());
        upstream.down(Boolean.parseBoolean(down[0]));
        json(resp, upstream.json());
    }
}
