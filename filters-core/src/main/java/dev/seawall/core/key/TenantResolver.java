package dev.seawall.core.key;

import dev.seawall.core.http.RequestView;

/**
 * Keys a request by tenant: from a header (default {@code X-Tenant-ID}), the first label of the host
 * ({@code acme} of {@code acme.example.com}; hosts with fewer than three labels, IP literals and
 * {@code www} carry no tenant), or a path segment ({@code segment} 1 of {@code /t/acme/orders} is
 * {@code acme}).
 *
 * <p>A tenant id is 1-{@value #MAX_LENGTH} chars of {@code [A-Za-z0-9._-]} starting with a letter or digit;
 * anything else (Unicode look-alikes, {@code ..}, spaces, controls) is {@link #INVALID} and answered with 400.
 * Thread-safe and stateless.
 */
public final class TenantResolver implements KeyResolver {

    public static final String DEFAULT_HEADER = "X-Tenant-ID";
    public static final int MAX_LENGTH = 64;

    private final TenantSource source;
    private final String header;
    private final int segment;

    /**
     * @param source  where the tenant id is
     * @param header  the header for {@link TenantSource#HEADER} (null = default)
     * @param segment the 0-based path segment for {@link TenantSource#PATH_SEGMENT}
     */
    public TenantResolver(TenantSource source, String header, int segment) {
        this.source = source == null ? TenantSource.HEADER : source;
        this.header = header == null || header.isBlank() ? DEFAULT_HEADER : header;
        if (this.source == TenantSource.PATH_SEGMENT && (segment < 0 || segment > 64)) {
            throw new IllegalArgumentException("segment: " + segment + " is outside 0-64");
        }
        this.segment = segment;
    }

    @Override
    public KeyKind kind() {
        return KeyKind.TENANT;
    }

    @Override
    public String resolve(RequestView request) {
        return switch (source) {
            case HEADER -> fromHeader(request.header(header));
            case SUBDOMAIN -> fromHost(request.host());
            case PATH_SEGMENT -> fromPath(request.path());
        };
    }

    private static String fromHeader(String v) {
        if (v == null) {
            return null;
        }
        v = v.strip();
        if (v.isEmpty()) {
            return null;
        }
        return Identities.validTenant(v, 0, v.length()) ? v : INVALID;
    }

    private static String fromHost(String host) {
        if (host == null || host.isEmpty() || host.indexOf(':') >= 0 || IpAddresses.parseHost(host) != null) {
            return null;
        }
        int dot = host.indexOf('.');
        if (dot < 0 || host.indexOf('.', dot + 1) < 0) {
            return null;
        }
        String label = host.substring(0, dot);
        if (label.equalsIgnoreCase("www")) {
            return null;
        }
        return Identities.validTenant(label, 0, label.length()) ? label : INVALID;
    }

    private String fromPath(String path) {
        if (path == null) {
            return null;
        }
        int start = path.startsWith("/") ? 1 : 0;
        for (int s = 0; s < segment; s++) {
            int slash = path.indexOf('/', start);
            if (slash < 0) {
                return null;
            }
            start = slash + 1;
        }
        int end = path.indexOf('/', start);
        if (end < 0) {
            end = path.length();
        }
        if (end == start) {
            return null;
        }
        return Identities.validTenant(path, start, end) ? path.substring(start, end) : INVALID;
    }
}
