package dev.seawall.core.problem;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.Json;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

/**
 * Renders a {@link Rejection} as an RFC 9457 {@code application/problem+json} document. The one
 * renderer every adapter uses, so the servlet and JAX-RS sides cannot drift apart.
 *
 * <p>Stateless and thread-safe. {@link #render} allocates one builder and the result per call;
 * {@link #renderShared} allocates only the first time for a given rejection.
 */
public final class ProblemRenderer {

    /** The media type of every Seawall error body. */
    public static final String CONTENT_TYPE = "application/problem+json";

    private static final Function<Rejection, byte[]> RENDER = ProblemRenderer::render;

    private ProblemRenderer() {
    }

    /**
     * The same bytes as {@link #render}, rendered once per {@link Rejection} instance and shared by every caller:
     * a reused rejection (the rate limit reuses one while a client floods) is not rendered again per request.
     * The array is shared: write it, never modify it.
     */
    public static byte[] renderShared(Rejection rejection) {
        return rejection.derived(RENDER);
    }

    /** @return UTF-8 JSON: type, title, status, detail (when present), then the extension members */
    public static byte[] render(Rejection rejection) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"type\":");
        string(sb, rejection.type());
        sb.append(",\"title\":");
        string(sb, rejection.title());
        sb.append(",\"status\":").append(rejection.status());
        if (rejection.detail() != null) {
            sb.append(",\"detail\":");
            string(sb, rejection.detail());
        }
        for (Map.Entry<String, Object> e : rejection.extensions().entrySet()) {
            sb.append(',');
            string(sb, e.getKey());
            sb.append(':');
            Object v = e.getValue();
            if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                string(sb, String.valueOf(v));
            }
        }
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void string(StringBuilder sb, String s) {
        Json.string(sb, s);
    }
}
