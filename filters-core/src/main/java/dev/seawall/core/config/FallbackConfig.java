package dev.seawall.core.config;

import java.time.Duration;

/** A policy's {@code fallback}. {@code staleCache} is null when not configured. Immutable, thread-safe. */
public record FallbackConfig(int line, int status, String contentType, String body, Duration staleCache) {
}
