package dev.seawall.core.key;

import dev.seawall.core.http.RequestView;

/**
 * Keys a request by an API key header (default {@code X-API-Key}).
 *
 * <p>Returns the raw key: the rate-limit stage hashes it before it is stored anywhere, and it is never
 * logged or used as a metric tag. Empty means missing. A key longer than {@link #MAX_LENGTH} or with
 * characters outside visible ASCII is {@link #INVALID} (answered with 400), because no issuer mints such
 * keys and accepting them would let a client fill memory with huge keys.
 *
 * <p>Thread-safe and stateless; allocation-free unless the value has surrounding whitespace.
 */
public final class ApiKeyResolver implements KeyResolver {

    public static final String DEFAULT_HEADER = "X-API-Key";
    public static final int MAX_LENGTH = 512;

    private final String header;

    public ApiKeyResolver(String header) {
        this.header = header == null || header.isBlank() ? DEFAULT_HEADER : header;
    }

    @Override
    public KeyKind kind() {
        return KeyKind.API_KEY;
    }

    /** @return the header this resolver reads */
    public String header() {
        return header;
    }

    @Override
    public String resolve(RequestView request) {
        String v = request.header(header);
        if (v == null) {
            return null;
        }
        v = v.strip();
        if (v.isEmpty()) {
            return null;
        }
        if (v.length() > MAX_LENGTH || !Identities.visibleAscii(v)) {
            return INVALID;
        }
        return v;
    }
}
