package dev.seawall.core.outbound;

import java.util.Locale;
import java.util.Objects;

/**
 * What the outbound engine needs to know about one request to decide its retries: never its body, query or headers
 * beyond these facts. Immutable and thread-safe.
 *
 * @param method         the HTTP method, upper case (the decorator uses {@link #CALL})
 * @param host           the host as the URI gives it
 * @param port           the port (the scheme's default when the URI names none)
 * @param path           the path, without the query
 * @param idempotencyKey whether the request carries an {@code Idempotency-Key} header: a method outside
 *                       {@code retry.methods} is then retried too
 * @param replayable     whether the request can be sent again: false for a body larger than {@code max-body} or one
 *                       that can only be read once; such a request is sent once and never hedged
 */
public record OutboundRequest(String method, String host, int port, String path, boolean idempotencyKey,
                              boolean replayable) {

    /** The method of calls made through the decorator ({@code OutboundClient#call}): retried like an idempotent one. */
    public static final String CALL = "CALL";

    public OutboundRequest {
        method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        host = host == null ? "" : host;
        path = path == null || path.isEmpty() ? "/" : path;
    }

    /** A plain call through the decorator: no host, always replayable (the work is a function called again). */
    public static OutboundRequest call() {
        return new OutboundRequest(CALL, "", -1, "/", false, true);
    }
}
