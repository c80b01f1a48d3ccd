package dev.seawall.jaxrs;

import dev.seawall.core.http.RequestView;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.SecurityContext;

import java.security.Principal;
import java.util.Collections;
import java.util.List;

/**
 * A {@link RequestView} over a JAX-RS request. The client address, the host and the path come from the
 * container ({@link Origin}) exactly as the servlet filter reads them, so both adapters key and match a request
 * the same way. Confined to the request's thread, like the request itself.
 */
final class JaxrsRequestView implements RequestView {

    private final ContainerRequestContext request;
    private final String path;
    private final String remote;
    private final String host;

    JaxrsRequestView(ContainerRequestContext request, String path, String remote, String host) {
        this.request = request;
        this.path = path;
        this.remote = remote;
        this.host = host;
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
    public String query() {
        return request.getUriInfo().getRequestUri().getRawQuery();
    }

    @Override
    public String header(String name) {
        List<String> values = request.getHeaders().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public Iterable<String> headers(String name) {
        List<String> values = request.getHeaders().get(name);
        return values == null ? Collections.emptyList() : values;
    }

    @Override
    public String remoteAddress() {
        return remote;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String principalName() {
        SecurityContext sc = request.getSecurityContext();
        Principal p = sc == null ? null : sc.getUserPrincipal();
        return p == null ? null : p.getName();
    }

    @Override
    public boolean userInRole(String role) {
        SecurityContext sc = request.getSecurityContext();
        return sc != null && sc.getUserPrincipal() != null && sc.isUserInRole(role);
    }

    @Override
    public Object attribute(String name) {
        return request.getProperty(name);
    }
}
