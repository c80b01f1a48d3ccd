package dev.seawall.core.http;

/**
 * The little the engine may know about a request, translated by an adapter from its container's type.
 *
 * <p>Implementations are adapters over one in-flight request and are confined to the thread handling
 * it (not thread-safe). They must be cheap: every accessor reads what the container already parsed;
 * none may read or consume the request body (never {@code getParameter()}, which can consume a form).
 */
public interface RequestView {

    /** The HTTP method, upper case as sent, e.g. {@code GET}. */
    String method();

    /**
     * The path inside the application used for policy matching: for a servlet, {@code servletPath +
     * pathInfo} (already decoded and normalised by the container, so it matches what the container
     * routes); never null, starts with {@code /}.
     */
    String path();

    /** The raw query string (without {@code ?}), or null; part of the identity of a cached copy. */
    default String query() {
        return null;
    }

    /** The first value of a request header, or null. Header names are case-insensitive. */
    String header(String name);

    /**
     * Every value of a request header in the order received (one element per header line, not split
     * on commas). Empty when absent; never null.
     */
    Iterable<String> headers(String name);

    /** The socket peer's IP address as a literal (e.g. {@code 192.0.2.1} or {@code 2001:db8::1}). */
    String remoteAddress();

    /** The {@code Host} the client addressed (without port), or null. Used by subdomain tenancy. */
    String host();

    /** The name of the authenticated principal established by the container or an auth filter, or null. */
    String principalName();

    /** @return true when the authenticated user has this role (container security); false when unauthenticated */
    default boolean userInRole(String role) {
        return false;
    }

    /** A request attribute set by an earlier filter, or null. */
    Object attribute(String name);
}
