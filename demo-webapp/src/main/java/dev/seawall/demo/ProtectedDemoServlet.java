package dev.seawall.demo;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemRenderer;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.servlet.SeawallStatusServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Base of the demo's own operator endpoints under {@code /seawall/}: the same protection as
 * {@link SeawallStatusServlet} — {@code Authorization: Bearer <token>} with the token of init-param
 * {@code token} or context init-param {@value SeawallStatusServlet#TOKEN_CONTEXT_PARAM}, and/or an
 * authenticated user in the role of init-param {@code role}; anyone else gets 401 problem+json. Also writes
 * the demo's problem and JSON answers, always with {@code Cache-Control: no-store}.
 *
 * <p>Thread-safe: the credentials are set once in {@link #init(ServletConfig)} and only read afterwards.
 */
public abstract class ProtectedDemoServlet extends HttpServlet {

    private static final Rejection UNAUTHORIZED = Rejection.builder(401, ProblemTypes.IDENTITY_REQUIRED,
                    "Authentication Required")
            .detail("This demo endpoint needs the status token as a bearer token, or an authorised user.")
            .header("WWW-Authenticate", "Bearer realm=\"seawall\"")
            .build();

    private volatile byte[] token;
    private volatile String role;

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        // the same rules as SeawallStatusServlet, so the demo's endpoints are never less protected than it
        String t = config.getInitParameter("token");
        if (t == null || t.isBlank()) {
            t = config.getServletContext().getInitParameter(SeawallStatusServlet.TOKEN_CONTEXT_PARAM);
        }
        String r = config.getInitParameter("role");
        if ((t == null || t.isBlank()) && (r == null || r.isBlank())) {
            throw new ServletException(config.getServletName() + ": set init-param token (or context init-param "
                    + SeawallStatusServlet.TOKEN_CONTEXT_PARAM + ") or role: never served without protection");
        }
        if (t != null && !t.isBlank() && t.strip().length() < 16) {
            throw new ServletException(config.getServletName() + ": the token must be at least 16 characters");
        }
        this.token = t == null || t.isBlank() ? null : t.strip().getBytes(StandardCharsets.UTF_8);
        this.role = r == null || r.isBlank() ? null : r.strip();
    }

    /**
     * Answers 401 problem+json unless the caller is authorised.
     *
     * @return true when the caller may go on
     */
    protected final boolean admit(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] expected = token;
        if (expected != null) {
            String auth = req.getHeader("Authorization");
            // constant-time comparison: the time taken must not reveal how much of the token matched
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                    && MessageDigest.isEqual(expected, auth.substring(7).strip().getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        String r = role;
        if (r != null && req.getUserPrincipal() != null && req.isUserInRole(r)) {
            return true;
        }
        problem(resp, UNAUTHORIZED);
        return false;
    }

    /** A 400 problem whose detail is ours: never an exception message, never the client's value echoed. */
    protected static void badRequest(HttpServletResponse resp, String detail) throws IOException {
        problem(resp, Rejection.builder(400, ProblemTypes.BASE + "bad-request", "Bad Request").detail(detail).build());
    }

    private static void problem(HttpServletResponse resp, Rejection rejection) throws IOException {
        byte[] body = ProblemRenderer.render(rejection);
        resp.setStatus(rejection.status());
        for (Rejection.Header h : rejection.headers()) {
            resp.setHeader(h.name(), h.value());
        }
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentType(ProblemRenderer.CONTENT_TYPE);
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    /** A 200 JSON answer that no cache keeps: it is live operator state. */
    protected static void json(HttpServletResponse resp, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentType("application/json;charset=utf-8");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
