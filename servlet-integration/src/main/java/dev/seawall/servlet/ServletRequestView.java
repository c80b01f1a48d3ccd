package dev.seawall.servlet;

import dev.seawall.core.http.RequestView;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;

import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;

/**
 * {@link RequestView} over an {@link HttpServletRequest}. Reads only what the container already parsed
 * (headers, principal, addresses) and never touches the body or the parameters; that is also why a timeout
 * answer may read it from the deadline thread while the handler still runs: parsed headers no longer change.
 *
 * <p><b>The client address is the container's, not a wrapper's.</b> The peer address and the forwarding headers
 * ({@code Forwarded}, {@code X-Forwarded-For}) are read from the innermost request, below every
 * {@link ServletRequestWrapper}: a framework's wrapper that answers {@code getRemoteAddr()} from
 * {@code X-Forwarded-For} and hides that header (Spring's {@code ForwardedHeaderFilter}) would otherwise let any
 * client choose its own rate-limit bucket, past {@code trusted-proxies}. A container that rewrites the address before
 * any filter can leave the original under {@link PeerAddress}'s attributes, which then win.
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
    /**
     * The innermost request (see the class comment), found when first needed. Racy but benign: every thread finds the
     * same object, and it was published by the container before the request reached Seawall.
     */
    private HttpServletRequest innermost;

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

    /** Wrapper chains longer than this are not followed further (no framework stacks that many). */
    private static final int MAX_WRAPPERS = 64;

    /** @return the innermost {@link HttpServletRequest} below the wrappers of {@code request} */
    static HttpServletRequest innermost(HttpServletRequest request) {
        HttpServletRequest found = request;
        ServletRequest r = request;
        for (int i = 0; i < MAX_WRAPPERS && r instanceof ServletRequestWrapper w; i++) {
            r = w.getRequest();
            if (r instanceof HttpServletRequest h) {
                found = h;
            }
        }
        return found;
    }

    private HttpServletRequest container() {
        HttpServletRequest c = innermost;
        if (c == null) {
            c = innermost(request);
            innermost = c;
        }
        return c;
    }

    private static boolean forwarding(String name) {
        return name.equalsIgnoreCase("X-Forwarded-For") || name.equalsIgnoreCase("Forwarded");
    }

    /** @return the peer address a container left under {@link PeerAddress#ATTRIBUTE}, or null */
    private String peerAttribute() {
        return request.getAttribute(PeerAddress.ATTRIBUTE) instanceof String s && !s.isBlank() ? s.trim() : null;
    }

    /**
     * @return the original {@code X-Forwarded-For} lines a container left under
     *         {@link PeerAddress#FORWARDED_FOR_ATTRIBUTE} next to a peer address, or null to read the header
     */
    private List<String> forwardedForAttribute() {
        if (peerAttribute() == null || !(request.getAttribute(PeerAddress.FORWARDED_FOR_ATTRIBUTE)
                instanceof String[] lines)) {
            return null;
        }
        List<String> kept = new ArrayList<>(lines.length);
        for (String line : lines) {
            if (line != null) {
                kept.add(line);
            }
        }
        return kept;
    }

    @Override
    public String header(String name) {
        if (name == null) {
            return null; // every header has a name (and an entry without one would break the memo's comparisons)
        }
        if (forwarding(name)) {
            Iterator<String> values = headers(name).iterator();
            return values.hasNext() ? values.next() : null;
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
        HttpServletRequest from = request;
        if (name != null && forwarding(name)) {
            if (name.equalsIgnoreCase("X-Forwarded-For")) {
                List<String> lines = forwardedForAttribute();
                if (lines != null) {
                    return lines;
                }
            }
            from = container();
        }
        Enumeration<String> values = from.getHeaders(name);
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
        String peer = peerAttribute();
        return peer != null ? peer : container().getRemoteAddr();
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
