package dev.seawall.core.http;

/**
 * Where stages put response headers (e.g. {@code RateLimit}) without knowing the container.
 * Adapters implement it over their response; confined to the request's thread.
 */
@FunctionalInterface
public interface HeaderSink {

    /** Sets (replaces) a response header. */
    void set(String name, String value);
}
