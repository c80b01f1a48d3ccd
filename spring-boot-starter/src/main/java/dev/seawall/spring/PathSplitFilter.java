package dev.seawall.spring;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a Seawall filter for the requests of one side of {@code seawall.filter.before-security}: the early filter
 * (before Spring Security) takes the listed paths, the late one every other path, so each request meets Seawall
 * exactly once. Patterns are those of the configuration's {@code paths}: exact ({@code /login}), prefix
 * ({@code /auth/*}, which also matches {@code /auth}), extension ({@code *.do}) and {@code /*} for everything; they
 * are checked at start-up. Matched against the request URI without the context path, compiled once.
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

    /** A compiled set of path patterns. Immutable. */
    static final class Paths {
        private final List<String> exact = new ArrayList<>();
        private final List<String> prefixes = new ArrayList<>();
        private final List<String> extensions = new ArrayList<>();
        private boolean all;

        /**
         * @throws IllegalArgumentException naming the property and the pattern when one is not a path pattern
         */
        static Paths of(List<String> patterns, String property) {
            Paths p = new Paths();
            for (int i = 0; i < patterns.size(); i++) {
                String raw = patterns.get(i) == null ? "" : patterns.get(i).trim();
                if (raw.equals("/*") || raw.equals("/")) {
                    p.all = true;
                } else if (raw.startsWith("*.") && raw.length() > 2 && raw.indexOf('*', 1) < 0
                        && raw.indexOf('/') < 0) {
                    p.extensions.add(raw.substring(1));
                } else if (raw.startsWith("/") && raw.endsWith("/*") && raw.indexOf('*') == raw.length() - 1) {
                    p.prefixes.add(raw.substring(0, raw.length() - 2));
                } else if (raw.startsWith("/") && raw.indexOf('*') < 0) {
                    p.exact.add(raw);
                } else {
                    throw new IllegalArgumentException(property + "[" + i + "]: \"" + raw + "\" is not a path pattern"
                            + " (/exact, /prefix/*, *.ext or /*)");
                }
            }
            return p;
        }

        boolean isEmpty() {
            return !all && exact.isEmpty() && prefixes.isEmpty() && extensions.isEmpty();
        }

        boolean matches(String path) {
            if (all) {
                return true;
            }
            for (String e : exact) {
                if (e.equals(path)) {
                    return true;
                }
            }
            for (String prefix : prefixes) {
                if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                    return true;
                }
            }
            int slash = path.lastIndexOf('/');
            for (String ext : extensions) {
                if (path.endsWith(ext) && path.length() - ext.length() > slash + 1) {
                    return true;
                }
            }
            return false;
        }
    }
}
