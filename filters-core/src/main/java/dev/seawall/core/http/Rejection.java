package dev.seawall.core.http;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A refusal as data: status, headers and the RFC 9457 problem fields. One shared renderer
 * ({@code dev.seawall.core.problem.ProblemRenderer}) turns it into {@code application/problem+json}
 * bytes; adapters only copy status, headers and bytes onto the wire.
 *
 * <p>Immutable and thread-safe, so rejections that never vary can be built once and reused.
 * {@code detail} and extension members are shown to the client: never put a secret, a client
 * identity, an exception message or a class name in them.
 */
public final class Rejection implements Admission {

    private final int status;
    private final String type;
    private final String title;
    private final String detail;
    private final Map<String, Object> extensions;
    private final List<Header> headers;
    /** One memoised derived value (the rendered body); racy by design, see {@link #derived}. */
    private volatile Derived<?> derived;

    private record Derived<T>(Function<Rejection, T> function, T value) {
    }

    private Rejection(Builder b) {
        this.status = b.status;
        this.type = b.type;
        this.title = b.title;
        this.detail = b.detail;
        this.extensions = Collections.unmodifiableMap(new LinkedHashMap<>(b.extensions));
        this.headers = List.copyOf(b.headers);
    }

    /**
     * @param status 4xx or 5xx
     * @param type   the problem type URI (see {@code ProblemTypes})
     * @param title  a short, constant, human-readable summary of the type
     */
    public static Builder builder(int status, String type, String title) {
        return new Builder(status, type, title);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    /** @return the occurrence-specific explanation, or null */
    public String detail() {
        return detail;
    }

    /** @return extension members in insertion order; values are String, Number or Boolean */
    public Map<String, Object> extensions() {
        return extensions;
    }

    /** @return response headers in insertion order, names as they go on the wire */
    public List<Header> headers() {
        return headers;
    }

    /** @return the first header value with this name (case-insensitive), or null */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /**
     * {@code function} applied to this rejection, computed once per instance and then shared, so a rejection that
     * is reused (a preallocated or recently built one) is rendered once, not per request. Only one function is
     * remembered, identified by identity: pass a constant. {@code function} must depend only on this rejection's
     * fields; two threads may both compute it the first time, which is harmless for such a function. The
     * returned value is shared: never modify it.
     */
    @SuppressWarnings("unchecked") // the slot only ever holds a value produced by the function compared against
    public <T> T derived(Function<Rejection, T> function) {
        Derived<?> d = derived;
        if (d != null && d.function() == function) {
            return (T) d.value();
        }
        T value = function.apply(this);
        if (d == null) {
            derived = new Derived<>(function, value);
        }
        return value;
    }

    @Override
    public Rejection rejection() {
        return this;
    }

    @Override
    public Permit permit() {
        return Permit.NONE;
    }

    @Override
    public String toString() {
        return "Rejection[" + status + " " + type + "]";
    }

    /** One response header. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Collects the fields of a rejection. Not thread-safe; build once, then share the result. */
    public static final class Builder {
        private final int status;
        private final String type;
        private final String title;
        private String detail;
        private final Map<String, Object> extensions = new LinkedHashMap<>();
        private final List<Header> headers = new ArrayList<>(4);

        private Builder(int status, String type, String title) {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " is not an error status (400-599)");
            }
            this.status = status;
            this.type = Objects.requireNonNull(type, "type");
            this.title = Objects.requireNonNull(title, "title");
        }

        public Builder detail(String detail) {
            this.detail = detail;
            return this;
        }

        /**
         * Adds an extension member. Names {@code type, title, status, detail, instance} are reserved by
         * RFC 9457 and refused.
         */
        public Builder extension(String name, Object value) {
            Objects.requireNonNull(name, "name");
            switch (name) {
                case "type", "title", "status", "detail", "instance" ->
                        throw new IllegalArgumentException("extension: '" + name + "' is a reserved problem member");
                default -> { }
            }
            if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                throw new IllegalArgumentException("extension " + name + ": only String, Number or Boolean values");
            }
            extensions.put(name, value);
            return this;
        }

        public Builder header(String name, String value) {
            headers.add(new Header(name, value));
            return this;
        }

        public Rejection build() {
            return new Rejection(this);
        }
    }
}
