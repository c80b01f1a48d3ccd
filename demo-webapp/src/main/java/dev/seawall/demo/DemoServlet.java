package dev.seawall.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The demo's application: small JSON answers per endpoint. No Seawall logic here — every limit comes from
 * {@code WEB-INF/seawall.yaml} through the filter in {@code web.xml}. Thread-safe: its state is the shared,
 * thread-safe {@link PaymentProvider} and {@link CatalogUpstream} and the search backend's fair semaphore.
 */
public class DemoServlet extends HttpServlet {

    /** How long the simulated report takes. */
    static final long REPORT_MILLIS = 2_000;

    /** Workers of the simulated search backend: a query beyond them waits for one, so latency grows with load. */
    static final int SEARCH_WORKERS = 4;
    /** How long one search query takes on a worker. */
    static final long SEARCH_MILLIS = 40;

    private final java.util.concurrent.Semaphore searchWorkers = new java.util.concurrent.Semaphore(SEARCH_WORKERS, true);
    private volatile PaymentProvider provider;
    private volatile CatalogUpstream catalog;

    @Override
    public void init() {
        // shared with the admin servlets through the servlet context; set once here, read on every call
        provider = PaymentProvider.of(getServletContext());
        catalog = CatalogUpstream.of(getServletContext());
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        String body;
        if (path.equals("/hello")) {
            body = "{\"message\":\"hello, no policy applies here\"}";
        } else if (path.equals("/login")) {
            if (!"POST".equals(req.getMethod())) {
                resp.setHeader("Allow", "POST");
                resp.sendError(405);
                return;
            }
            body = "{\"login\":\"accepted (demo: no credentials are checked)\"}";
        } else if (path.equals("/api/reports/health")) {
            body = "{\"status\":\"up\"}";
        } else if (path.startsWith("/api/reports")) {
            try {
                Thread.sleep(REPORT_MILLIS); // a simulated expensive report
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                resp.sendError(503);
                return;
            }
            body = "{\"report\":\"quarterly\",\"rows\":1200}";
        } else if (path.startsWith("/api/payments")) {
            // the simulated provider: scripted (down 20 s a minute, then hanging 10 s) unless an operator
            // overrode it through /seawall/admin/provider; an overridden failure throws ProviderFailure
            PaymentProvider.Answer answer;
            try {
                answer = provider.call();
            } catch (InterruptedException e) {
                // Seawall's 1 s timeout answered the client and interrupted us: write nothing more
                Thread.currentThread().interrupt();
                return;
            }
            if (answer == PaymentProvider.Answer.FAIL) {
                resp.sendError(502);
                return;
            }
            body = "{\"payment\":\"accepted\"}";
        } else if (path.startsWith("/api/catalog")) {
            if (req.getHeader("X-Demo-Fail") != null || catalog.down()) {
                // demo knobs: the catalog's database fails for this request (X-Demo-Fail) or for all of them (the
                // status page's stale-copy scenario), with a message that must never reach the client
                catalog.failedOne();
                throw new CatalogUpstream.DatabaseDown();
            }
            body = "{\"items\":[{\"sku\":\"sw-001\",\"name\":\"Breakwater\"},{\"sku\":\"sw-002\",\"name\":\"Jetty\"}]}";
        } else if (path.startsWith("/api/search")) {
            try {
                searchWorkers.acquire();
                try {
                    Thread.sleep(SEARCH_MILLIS); // one query on one of the backend's workers
                } finally {
                    searchWorkers.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                resp.sendError(503);
                return;
            }
            body = "{\"results\":[{\"sku\":\"sw-001\",\"name\":\"Breakwater\"}]}";
        } else if (path.startsWith("/api/orders")) {
            String user = req.getUserPrincipal() == null ? "anonymous" : req.getUserPrincipal().getName();
            body = "{\"user\":\"" + json(user) + "\",\"orders\":[{\"id\":1,\"total\":42.0}]}";
        } else {
            body = "{\"path\":\"" + json(path) + "\"}";
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(body);
    }

    private static String json(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == '<' || c == '>') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
