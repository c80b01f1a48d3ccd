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
        if (servletPath == null || servletPath.isEmpty()) {
            return pathInfo == null || pathInfo.isEmpty() ? "/" : pathInfo;
        }
        return pathInfo == null ? servletPath : servletPath + pathInfo;
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
        return request.getHeader(name);
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
