package dev.seawall.servlet;

/**
 * A hook for containers that rewrite the client address before any filter runs (Tomcat's {@code RemoteIpValve}, as
 * Spring Boot turns it on with {@code server.forward-headers-strategy=native}): the component that rewrites it first
 * stores what the socket really showed under these request attributes, and Seawall keys and judges forwarding headers
 * on those, so its {@code trusted-proxies} stay in charge.
 *
 * <ul>
 *   <li>{@link #ATTRIBUTE}: a {@link String}, the socket peer's address as the container saw it. When present (a
 *       non-blank {@code String}), Seawall uses it instead of {@code getRemoteAddr()}.</li>
 *   <li>{@link #FORWARDED_FOR_ATTRIBUTE}: a {@code String[]}, the request's original {@code X-Forwarded-For} header
 *       lines in order (empty when it had none). Read only when {@link #ATTRIBUTE} is present; Seawall then uses it
 *       instead of the {@code X-Forwarded-For} header.</li>
 * </ul>
 * An attribute of another type is ignored, as if absent (and a {@code null} line of the array is skipped): Seawall
 * then reads the innermost request's {@code getRemoteAddr()} and headers, below any request wrapper. Without the hook,
 * a framework's request wrapper that rewrites the address (Spring's {@code ForwardedHeaderFilter}) is not believed
 * either: Seawall reads the peer address and the forwarding headers from the innermost request.
 *
 * <p>Constants only; thread-safe.
 */
public final class PeerAddress {

    /** Request attribute: the socket peer as the container saw it, a {@link String}. */
    public static final String ATTRIBUTE = "dev.seawall.servlet.peer-address";

    /** Request attribute: the original {@code X-Forwarded-For} header lines, a {@code String[]} (possibly empty). */
    public static final String FORWARDED_FOR_ATTRIBUTE = "dev.seawall.servlet.x-forwarded-for";

    private PeerAddress() {
    }
}
