package dev.seawall.servlet;

import dev.seawall.core.http.RequestView;
import jakarta.servlet.http.HttpServletRequest;

import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;

/**
 * {@link RequestView} over an {@link HttpServletRequest}. Reads only what the container already parsed
 * (headers, principal, addresses) and never touches the body or the parameters; that is also why a timeout
 * answer may read it from the deadline thread while the handler still runs: parsed headers no longer change.
 */
final class ServletRequestView implements RequestView {

    private final HttpServletRequest request;
    private final String path;
    /**
     * The first two headers asked for, with their values (null when absent). A policy's rate limits read the API-key
     * and tenant headers, and the stale cache reads the same two again for its caller key: each read is a
     * case-insensitive walk over the request's fields in the container. Filled once each, so they hold what the
     * limits read first (a timeout answer reading this view on the deadline thread may race the request's thread to
     * fill one: either entry is right). Immutable entries: a reader on another thread sees no entry or a whole one.
     */
    private Seen seen0;
    private Seen seen1;

    private record Seen(String name, String value) {
    }

    ServletRequestView(HttpServletRequest request, String path) {
        this.request = request;
        this.path = path;
    }

    /**
     * The path inside the application, as the container routed it: servlet path plus path info, both
     * already decoded and normalised (dot segments, {@code ;jsessionid}) by the container, so a policy
     * matches exactly what the container dispatches and path encoding cannot bypass it.
     */
    static String pathOf(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path;
        if (servletPath == null || servletPath.isEmpty()) {
            path = pathInfo == null || pathInfo.isEmpty() ? "/" : pathInfo;
        } else {
            path = pathInfo == null ? servletPath : servletPath + pathInfo;
        }
        return decodeSlashes(path);
    }

    /**
     * Jetty and Tomcat refuse a path with an encoded slash ({@code %2F}) with 400, but Undertow hands it on undecoded
     * ({@code /admin%2fx}), and a framework behind the servlet may decode it and route the request to
     * {@code /admin/x} (Jersey matches decoded paths). So policies are chosen on the path with encoded slashes decoded:
     * encoding a slash never escapes a policy. Only the path Seawall matches changes; the request goes on untouched.
     *
     * @return {@code path}, itself when it holds no {@code %2F} (the usual case: one scan, no allocation)
     */
    static String decodeSlashes(String path) {
        int i = path.indexOf('%');
        if (i < 0) {
            return path;
        }
        StringBuilder out = null;
        int copied = 0;
        for (; i >= 0 && i + 2 < path.length(); i = path.indexOf('%', i + 1)) {
            if (path.charAt(i + 1) == '2' && (path.charAt(i + 2) == 'f' || path.charAt(i + 2) == 'F')) {
                if (out == null) {
                    out = new StringBuilder(path.length());
                }
                out.append(path, copied, i).append('/');
                copied = i + 3;
            }
        }
        return out == null ? path : out.append(path, copied, path.length()).toString();
    }

    @Override
    public String query() {
        return request.getQueryString();
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String header(String name) {
        if (name == null) {
            return null; // every header has a name (and an entry without one would break the memo's comparisons)
        }
        Seen s0 = seen0;
        if (s0 != null && s0.name.equals(name)) {
            return s0.value;
        }
        Seen s1 = seen1;
        if (s1 != null && s1.name.equals(name)) {
            return s1.value;
        }
        String value = request.getHeader(name);
        if (s0 == null) {
            seen0 = new Seen(name, value);
        } else if (s1 == null) {
            seen1 = new Seen(name, value);
        }
        return value;
    }

    @Override
    public Iterable<String> headers(String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null) {
            return Collections.emptyList();
        }
        return () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return values.hasMoreElements();
            }

            @Override
            public String next() {
                return values.nextElement();
            }
        };
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }

    @Override
    public String host() {
        return request.getServerName();
    }

    @Override
    public String principalName() {
        Principal p = request.getUserPrincipal();
        return p == null ? null : p.getName();
    }

    @Override
    public boolean userInRole(String role) {
        return request.getUserPrincipal() != null && request.isUserInRole(role);
    }

    @Override
    public Object attribute(String name) {
        return request.getAttribute(name);
    }
}
