package dev.seawall.demo;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.servlet.OperatorAccess;
import dev.seawall.servlet.SeawallStatusServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Base of the demo's own operator endpoints under {@code /seawall/}: the same protection as
 * {@link SeawallStatusServlet} — {@code Authorization: Bearer <token>} with the token of init-param
 * {@code token} or context init-param {@value SeawallStatusServlet#TOKEN_CONTEXT_PARAM}, and/or an
 * authenticated user in the role of init-param {@code role}; anyone else gets 401 problem+json. Also writes
 * the demo's problem and JSON answers, always with {@code Cache-Control: no-store}.
 *
 * <p>Thread-safe: the {@link OperatorAccess} is set once in {@link #init(ServletConfig)} and only read afterwards.
 */
public abstract class ProtectedDemoServlet extends HttpServlet {

    private static final Rejection UNAUTHORIZED = Rejection.builder(401, ProblemTypes.IDENTITY_REQUIRED,
                    "Authentication Required")
            .detail("This demo endpoint needs the status token as a bearer token, or an authorised user.")
            .header("WWW-Authenticate", "Bearer realm=\"seawall\"")
            .build();

    private volatile OperatorAccess access;

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        // the status servlet's own rules, so the demo's endpoints are never less protected than it
        this.access = OperatorAccess.of(config);
    }

    /**
     * Answers 401 problem+json unless the caller is authorised.
     *
     * @return true when the caller may go on
     */
    protected final boolean admit(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (access.allows(req)) {
            return true;
        }
        OperatorAccess.writeProblem(resp, UNAUTHORIZED);
        return false;
    }

    /** A 400 problem whose detail is ours: never an exception message, never the client's value echoed. */
    protected static void badRequest(HttpServletResponse resp, String detail) throws IOException {
        OperatorAccess.writeProblem(resp, Rejection.builder(400, ProblemTypes.BASE + "bad-request", "Bad Request")
                .detail(detail).build());
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
