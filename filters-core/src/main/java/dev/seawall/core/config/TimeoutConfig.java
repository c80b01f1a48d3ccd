package dev.seawall.core.config;

import java.time.Duration;

/** A policy's {@code timeout}: after how long, answered with 503 (default) or 504. Immutable, thread-safe. */
public record TimeoutConfig(int line, Duration after, int status) {
}
