package dev.seawall.core.config;

import java.time.Duration;
import java.util.List;

/**
 * A policy's {@code circuit-breaker}. Exactly one of {@code windowCalls} and {@code windowTime} is set.
 * Immutable and thread-safe.
 *
 * @param name a shared breaker's name, or null for one breaker per policy
 * @param mode {@code enforce} or {@code shadow}
 */
public record CircuitBreakerConfig(int line, String name, int failureRate, int minimumCalls, Integer windowCalls,
                                   Duration windowTime, Duration openFor, int halfOpenCalls, Duration slowCall,
                                   List<StatusRange> failureStatuses, String mode) {

    public CircuitBreakerConfig {
        failureStatuses = List.copyOf(failureStatuses);
    }
}
