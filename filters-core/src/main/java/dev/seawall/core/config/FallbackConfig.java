package dev.seawall.core.config;

import dev.seawall.core.fallback.FallbackTrigger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * A policy's {@code fallback}. Immutable, thread-safe.
 *
 * @param status       the static response's status, or null when the policy has no static response
 * @param contentType  the static response's media type
 * @param body         the static response's body ({@code body} or the contents of {@code body-file}), or null
 * @param headers      extra headers of the static response
 * @param handler      the class name of an application {@code FallbackHandler}, or null
 * @param staleCache   how old a last-good copy may be to be served, or null for no copies
 * @param cacheEntries bound on the copies held
 * @param cacheBytes   bound on the bytes held by copies
 * @param on           the failures answered
 */
public record FallbackConfig(int line, Integer status, String contentType, String body, Map<String, String> headers,
                             String handler, Duration staleCache, int cacheEntries, long cacheBytes,
                             Set<FallbackTrigger> on) {

    /** Default bound on the copies a policy keeps. */
    public static final int DEFAULT_CACHE_ENTRIES = 10_000;
    /** Default bound on the bytes a policy's copies hold (16 MiB). */
    public static final long DEFAULT_CACHE_BYTES = 16L * 1024 * 1024;

    public FallbackConfig {
        headers = Map.copyOf(headers);
        on = Set.copyOf(on);
    }

    /** @return true when a static response is configured ({@code status}, {@code body} or {@code body-file}) */
    public boolean hasStatic() {
        return status != null;
    }
}
