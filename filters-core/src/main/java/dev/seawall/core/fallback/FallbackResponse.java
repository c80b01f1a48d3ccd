package dev.seawall.core.fallback;

import dev.seawall.core.http.Rejection.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A complete substitute response: status, headers and body bytes. Adapters copy it onto the wire as is.
 * Immutable (the body array is never handed out for writing by Seawall; do not modify it) and thread-safe.
 *
 * @param source the value of {@code X-Data-Source}: {@code cache} or {@code fallback}
 */
public record FallbackResponse(int status, List<Header> headers, byte[] body, String source) {

    public FallbackResponse {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("fallback status: " + status + " is outside 200-599");
        }
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(source, "source");
    }

    /** A static response, as an application's {@link FallbackHandler} would build one. */
    public static FallbackResponse of(int status, String contentType, String body) {
        List<Header> h = new ArrayList<>(1);
        if (contentType != null) {
            h.add(new Header("Content-Type", contentType));
        }
        return new FallbackResponse(status, h, body.getBytes(StandardCharsets.UTF_8), "fallback");
    }

    /** @return true for 2xx/3xx: a response that looks like success (never allowed on a fail-closed policy) */
    public boolean successLooking() {
        return status < 400;
    }

    /** @return the first value of a header (case-insensitive), or null */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }
}
