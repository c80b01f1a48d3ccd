package dev.seawall.servlet;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.status.StatusReport;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET}: the live state of the {@link SeawallFilter} of this web application as JSON
 * ({@link StatusReport}), including the configuration's load time and reloads. Protected: the caller sends {@code Authorization: Bearer <token>} or is an
 * authenticated user in the configured role; anyone else gets 401 problem+json.
 *
 * <p>Init-params: {@code token} (or the context init-param {@code dev.seawall.status.token}) and/or
 * {@code role}; at least one is required, so a status page is never public by accident. Thread-safe.
 */
public class SeawallStatusServlet extends HttpServlet {

    /**
     * Servlet-context attribute where an application may put a {@code Supplier<List<Policy>>} of policies enforced
     * beside the filter's (e.g. {@code SeawallFeature::policies} for JAX-RS annotations), listed in the status.
     */
    public static final String MORE_POLICIES_ATTRIBUTE = "dev.seawall.status.morePolicies";

    /** Context init-param that can hold the token instead of the servlet's own init-param. */
    public static final String TOKEN_CONTEXT_PARAM = "dev.seawall.status.token";

    private static final Rejection UNAUTHORIZED = Rejection.builder(401, ProblemTypes.IDENTITY_REQUIRED,
                    "Authentication Required")
            .detail("The Seawall status needs a bearer token or an authorised user.")
            .header("WWW-Authenticate", "Bearer realm=\"seawall\"")
            .build();

    private volatile OperatorAccess access;

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        this.access = OperatorAccess.of(config);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!authorised(req)) {
            ResponseHeaders.writeRejection(resp, UNAUTHORIZED);
            return;
        }
        Object live = getServletContext().getAttribute(SeawallFilter.LIVE_ATTRIBUTE);
        Object engine = getServletContext().getAttribute(SeawallFilter.ENGINE_ATTRIBUTE);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        if (live instanceof LiveSeawall l) {
            resp.getWriter().write(StatusReport.json(l, morePolicies()));
        } else if (engine instanceof Seawall seawall) {
            resp.getWriter().write(StatusReport.json(seawall));
        } else {
            resp.setStatus(503);
            resp.getWriter().write("{\"policies\":[],\"detail\":\"no SeawallFilter has started in this application\"}");
        }
    }

    /**
     * {@code POST ?breaker=NAME&action=open|close}: an operator forces a breaker open or closes it.
     * {@code POST ?action=reload}: the configuration is read again and swapped in when valid (unchanged policies
     * keep their state); an invalid version answers 422 problem+json whose {@code detail} is the configuration
     * error ({@code file:line: key: problem}), and the running configuration stays. The same protection as
     * {@code GET}; a bearer token (not a cookie) authorises it, so a forged cross-site form cannot. Answers the new
     * status, with {@code X-Seawall-Reload: applied|unchanged} after a reload.
     */
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!authorised(req)) {
            ResponseHeaders.writeRejection(resp, UNAUTHORIZED);
            return;
        }
        Object engine = getServletContext().getAttribute(SeawallFilter.ENGINE_ATTRIBUTE);
        // query-string only: reading a form body here could consume what another component expects
        String name = query(req, "breaker");
        String action = query(req, "action");
        if ("reload".equals(action) && name == null) {
            reload(req, resp);
            return;
        }
        Breaker breaker = engine instanceof Seawall seawall && name != null ? seawall.breakers().get(name) : null;
        if (breaker == null || !("open".equals(action) || "close".equals(action))) {
            ResponseHeaders.writeRejection(resp, Rejection.builder(400, ProblemTypes.BASE + "bad-request",
                    "Bad Request").detail("Expected ?breaker=<name>&action=open|close naming a configured breaker.")
                    .build());
            return;
        }
        if ("open".equals(action)) {
            breaker.forceOpen();
        } else {
            breaker.close();
        }
        doGet(req, resp);
    }

    private void reload(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object attr = getServletContext().getAttribute(SeawallFilter.LIVE_ATTRIBUTE);
        if (!(attr instanceof LiveSeawall live) || !live.reloadable()) {
            ResponseHeaders.writeRejection(resp, Rejection.builder(409, ProblemTypes.BASE + "not-reloadable",
                    "Not Reloadable").detail("This application's Seawall engine was built in code; there is no"
                    + " configuration to reload.").build());
            return;
        }
        LiveSeawall.Result r = live.reload();
        if (r.outcome() == LiveSeawall.Outcome.REFUSED) {
            ResponseHeaders.writeRejection(resp, Rejection.builder(422, ProblemTypes.BASE + "invalid-config",
                    "Configuration Refused").detail(r.message()).extension("running", "the previous configuration")
                    .build());
            return;
        }
        resp.setHeader("X-Seawall-Reload", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
        doGet(req, resp);
    }

    private List<Policy> morePolicies() {
        if (getServletContext().getAttribute(MORE_POLICIES_ATTRIBUTE) instanceof Supplier<?> s
                && s.get() instanceof List<?> list) {
            List<Policy> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (o instanceof Policy p) {
                    out.add(p);
                }
            }
            return out;
        }
        return List.of();
    }

    private static String query(HttpServletRequest req, String key) {
        String q = req.getQueryString();
        if (q == null || q.length() > 512) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(key)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private boolean authorised(HttpServletRequest req) {
        return access.allows(req);
    }
}
