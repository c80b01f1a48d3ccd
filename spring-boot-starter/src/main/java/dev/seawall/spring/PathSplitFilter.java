package dev.seawall.spring;

import dev.seawall.core.internal.policy.PathPolicyTable;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.util.List;

/**
 * Runs a Seawall filter for the requests of one side of {@code seawall.filter.before-security}: the early filter
 * (before Spring Security) takes the listed paths, the late one every other path, so each request meets Seawall
 * exactly once. Patterns are those of the configuration's {@code paths} (servlet url-patterns: {@code /login},
 * {@code /auth/*}, {@code *.do}, {@code /}), checked at start-up. Matched against the request URI without the
 * context path, compiled once.
 *
 * <p>Thread-safe: immutable after construction.
 */
final class PathSplitFilter implements Filter {

    private final Filter seawall;
    private final Paths paths;
    private final boolean listed;

    /**
     * @param listed true to run Seawall for the listed paths only; false for every other path
     */
    PathSplitFilter(Filter seawall, Paths paths, boolean listed) {
        this.seawall = seawall;
        this.paths = paths;
        this.listed = listed;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        seawall.init(config);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && paths.matches(pathOf(http)) == listed) {
            seawall.doFilter(request, response, chain);
        } else {
            chain.doFilter(request, response);
        }
    }

    @Override
    public void destroy() {
        seawall.destroy();
    }

    private static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length())
                : uri;
    }

    /**
     * A compiled set of path patterns: the configuration's own url-pattern parser and path table, so the patterns
     * mean exactly what a policy's {@code paths} mean and a request is matched in O(path length). Immutable.
     */
    static final class Paths {
        private final PathPolicyTable<Boolean> table;
        private final boolean empty;

        private Paths(PathPolicyTable<Boolean> table, boolean empty) {
            this.table = table;
            this.empty = empty;
        }

        /**
         * @throws IllegalArgumentException naming the property and the pattern when one is not a path pattern
         */
        static Paths of(List<String> patterns, String property) {
            PathPolicyTable.Builder<Boolean> b = PathPolicyTable.builder();
            for (int i = 0; i < patterns.size(); i++) {
                String name = property + "[" + i + "]";
                String raw = patterns.get(i) == null ? "" : patterns.get(i).trim();
                try {
                    b.add(raw, null, Boolean.TRUE, name);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
                }
            }
            return new Paths(b.build(), patterns.isEmpty());
        }

        boolean isEmpty() {
            return empty;
        }

        boolean matches(String path) {
            return !empty && table.match("GET", path) != null;
        }
    }
}
