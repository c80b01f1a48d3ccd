package dev.seawall.core.config;

import java.time.Duration;

/** A policy's {@code throttle}. Immutable and thread-safe. */
public record ThrottleConfig(int line, int maxConcurrent, int queue, Duration maxWait) {
}
