package dev.seawall.jaxrs;

import dev.seawall.core.chain.Exchange;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemRenderer;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

/**
 * Seawall's answers as JAX-RS responses: the same core data ({@link Rejection}, {@link FallbackResponse}) and
 * the same renderer ({@link ProblemRenderer}) as the servlet filter, so both adapters put identical bytes and
 * headers on the wire. Stateless and thread-safe.
 */
final class Responses {

    private Responses() {
    }

    /** A refusal: {@code application/problem+json}, {@code Cache-Control: no-store}. */
    static Response problem(Rejection rejection) {
        Response.ResponseBuilder b = Response.status(rejection.status())
                .entity(ProblemRenderer.render(rejection))
                .type(ProblemRenderer.CONTENT_TYPE);
        MultivaluedSink sink = new MultivaluedSink();
        for (Rejection.Header h : rejection.headers()) {
            sink.set(h.name(), h.value());
        }
        sink.set("Cache-Control", "no-store");
        sink.copyTo(b);
        return b.build();
    }

    /** A substitute answer, with the rate-limit headers of the permits the request holds. */
    static Response fallback(FallbackResponse r, Exchange exchange) {
        Response.ResponseBuilder b = Response.status(r.status()).entity(r.body());
        MultivaluedSink sink = new MultivaluedSink();
        if (exchange != null) {
            exchange.writeHeaders(sink);
        }
        for (Rejection.Header h : r.headers()) {
            sink.set(h.name(), h.value());
        }
        sink.set(FallbackStage.DATA_SOURCE, r.source());
        sink.copyTo(b);
        return b.build();
    }

    /**
     * Sets a header, joining the list headers {@code RateLimit} and {@code RateLimit-Policy} with {@code ", "} as
     * the servlet filter does (RFC 9651 field-line combination).
     */
    static void put(MultivaluedMap<String, Object> headers, String name, String value) {
        if (isListHeader(name)) {
            Object existing = headers.getFirst(name);
            if (existing != null && !existing.toString().isEmpty()) {
                headers.putSingle(name, existing + ", " + value);
                return;
            }
        }
        headers.putSingle(name, value);
    }

    static boolean isListHeader(String name) {
        return name.equalsIgnoreCase("RateLimit") || name.equalsIgnoreCase("RateLimit-Policy");
    }

    /** Collects headers for a response builder; confined to one thread. */
    static final class MultivaluedSink implements HeaderSink {
        private final jakarta.ws.rs.core.MultivaluedHashMap<String, Object> headers =
                new jakarta.ws.rs.core.MultivaluedHashMap<>();

        @Override
        public void set(String name, String value) {
            for (String k : headers.keySet()) {
                if (k.equalsIgnoreCase(name)) {
                    put(headers, k, value);
                    return;
                }
            }
            headers.putSingle(name, value);
        }

        void copyTo(Response.ResponseBuilder b) {
            headers.forEach((k, vs) -> vs.forEach(v -> b.header(k, v)));
        }

        void copyTo(MultivaluedMap<String, Object> target) {
            headers.forEach((k, vs) -> vs.forEach(v -> put(target, k, v.toString())));
        }
    }

    /** Writes headers straight onto a response's header map; confined to the request's thread. */
    static final class MapSink implements HeaderSink {
        private final MultivaluedMap<String, Object> headers;

        MapSink(MultivaluedMap<String, Object> headers) {
            this.headers = headers;
        }

        @Override
        public void set(String name, String value) {
            put(headers, name, value);
        }
    }
}
