package dev.seawall.servlet;

import dev.seawall.core.http.Rejection;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may use an operator endpoint (the status, breaker and reload actions, an application's own admin servlets):
 * {@code Authorization: Bearer <token>} with the servlet's init-param {@code token} (or the context init-param
 * {@value SeawallStatusServlet#TOKEN_CONTEXT_PARAM}), and/or an authenticated user in the role of init-param
 * {@code role}. At least one is required and a token has at least 16 characters, so an operator endpoint is never
 * public by accident. The token is compared in constant time.
 *
 * <p>Immutable and thread-safe.
 */
public final class OperatorAccess {

    private final byte[] token;
    private final String role;

    private OperatorAccess(byte[] token, String role) {
        this.token = token;
        this.role = role;
    }

    /**
     * @throws ServletException naming the servlet when neither a token nor a role is configured, or the token is
     *                          shorter than 16 characters
     */
    public static OperatorAccess of(ServletConfig config) throws ServletException {
        String t = config.getInitParameter("token");
        if (t == null || t.isBlank()) {
            t = config.getServletContext().getInitParameter(SeawallStatusServlet.TOKEN_CONTEXT_PARAM);
        }
        String r = config.getInitParameter("role");
        if ((t == null || t.isBlank()) && (r == null || r.isBlank())) {
            throw new ServletException(config.getServletName() + ": set init-param token (or context init-param "
                    + SeawallStatusServlet.TOKEN_CONTEXT_PARAM + ") or role: an operator endpoint is never served"
                    + " without protection");
        }
        if (t != null && !t.isBlank() && t.strip().length() < 16) {
            throw new ServletException(config.getServletName() + ": the token must be at least 16 characters");
        }
        return new OperatorAccess(t == null || t.isBlank() ? null : t.strip().getBytes(StandardCharsets.UTF_8),
                r == null || r.isBlank() ? null : r.strip());
    }

    /** @return whether the caller presents the token or is an authenticated user in the role */
    public boolean allows(HttpServletRequest req) {
        if (token != null) {
            String auth = req.getHeader("Authorization");
            // constant-time comparison: the time taken must not reveal how much of the token matched
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                    && MessageDigest.isEqual(token, auth.substring(7).strip().getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        return role != null && req.getUserPrincipal() != null && req.isUserInRole(role);
    }

    /** Writes a problem answer ({@code application/problem+json}, {@code Cache-Control: no-store}). */
    public static void writeProblem(HttpServletResponse response, Rejection problem) throws IOException {
        ResponseHeaders.writeRejection(response, problem);
    }
}
