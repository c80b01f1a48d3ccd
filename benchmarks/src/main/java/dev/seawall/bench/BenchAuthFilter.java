package dev.seawall.bench;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Stands in for an authentication filter so the full chain's {@code by: user} limit has a user: sets the
 * attribute Seawall is configured to read. Stateless, thread-safe.
 */
public final class BenchAuthFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        req.setAttribute("bench.user", "user-1");
        chain.doFilter(req, res);
    }
}
