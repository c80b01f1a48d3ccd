package dev.seawall.jaxrs;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.glassfish.jersey.internal.inject.InjectionManager;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.util.function.Function;

/**
 * Where a JAX-RS request came from and which path it addressed, read from the container under Jersey, because
 * JAX-RS itself has no client address:
 * <ul>
 *   <li>in a servlet container: the {@code HttpServletRequest}'s remote address, server name and
 *       {@code servletPath + pathInfo} (what the servlet filter reads, so YAML policies match the same paths);</li>
 *   <li>on Jersey's Grizzly HTTP container: Grizzly's request's remote address, and the request URI's decoded
 *       path and host;</li>
 *   <li>elsewhere: an application-supplied function ({@link SeawallFeature#remoteAddress}).</li>
 * </ul>
 * Thread-safe: immutable after construction; the servlet request proxy resolves the current request per call.
 */
final class Origin {

    private static final String GRIZZLY_REQUEST = "org.glassfish.grizzly.http.server.Request";

    private final InjectionManager injection;
    private final Function<ContainerRequestContext, String> custom;
    private final Class<?> servletType;
    private final Class<?> grizzlyType;
    private final MethodHandle grizzlyRemote;
    private volatile Object servletProxy;

    Origin(InjectionManager injection, Function<ContainerRequestContext, String> custom) {
        this.injection = injection;
        this.custom = custom;
        this.servletType = load("jakarta.servlet.http.HttpServletRequest");
        this.grizzlyType = load(GRIZZLY_REQUEST);
        MethodHandle h = null;
        if (grizzlyType != null) {
            try {
                h = MethodHandles.publicLookup().findVirtual(grizzlyType, "getRemoteAddr",
                        MethodType.methodType(String.class));
            } catch (ReflectiveOperationException e) {
                h = null;
            }
        }
        this.grizzlyRemote = h;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, Origin.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** @return the view of this request, or throws when the client address cannot be known */
    JaxrsRequestView view(ContainerRequestContext request) {
        Object servlet = servletRequest();
        if (servlet != null) {
            return ServletAccess.view(servlet, request, custom);
        }
        URI uri = request.getUriInfo().getRequestUri();
        String path = request.getUriInfo().getAbsolutePath().getPath();
        return new JaxrsRequestView(request, path == null || path.isEmpty() ? "/" : path, remote(request),
                uri.getHost());
    }

    private String remote(ContainerRequestContext request) {
        if (custom != null) {
            return custom.apply(request);
        }
        if (grizzlyRemote != null && injection != null) {
            Object g = injection.getInstance(grizzlyType);
            if (g != null) {
                try {
                    return (String) grizzlyRemote.invoke(g);
                } catch (Throwable e) {
                    throw new IllegalStateException("Seawall: the Grizzly request has no remote address", e);
                }
            }
        }
        throw new IllegalStateException("Seawall: this container does not tell JAX-RS the client address;"
                + " give SeawallFeature.remoteAddress(...) a function that reads it");
    }

    private Object servletRequest() {
        if (servletType == null || injection == null) {
            return null;
        }
        Object p = servletProxy;
        if (p == null) {
            try {
                p = injection.getInstance(servletType);
            } catch (RuntimeException notBound) {
                p = null;
            }
            if (p == null) {
                return null;
            }
            servletProxy = p;
        }
        return p;
    }

    /** Kept apart so that Origin loads and verifies without the Servlet API on the class path. */
    private static final class ServletAccess {
        static JaxrsRequestView view(Object servlet, ContainerRequestContext request,
                                     Function<ContainerRequestContext, String> custom) {
            HttpServletRequest r = (HttpServletRequest) servlet;
            String remote = custom != null ? custom.apply(request) : r.getRemoteAddr();
            return new JaxrsRequestView(request, pathOf(r), remote, r.getServerName());
        }

        static String pathOf(HttpServletRequest request) {
            String servletPath = request.getServletPath();
            String pathInfo = request.getPathInfo();
            if (servletPath == null || servletPath.isEmpty()) {
                return pathInfo == null || pathInfo.isEmpty() ? "/" : pathInfo;
            }
            return pathInfo == null ? servletPath : servletPath + pathInfo;
        }
    }
}
