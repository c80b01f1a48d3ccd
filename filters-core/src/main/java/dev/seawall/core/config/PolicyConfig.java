package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;

import java.util.List;
import java.util.Set;

/**
 * One policy of the file. Stage fields are null when the policy does not configure that stage.
 * Immutable and thread-safe.
 *
 * @param order       explicit stage order (outer to inner), or null for the default order
 * @param failClosed  the policy never serves a substitute (login, authorisation endpoints)
 * @param bufferBytes how much of a response is held back so that a timeout or fallback can still replace it;
 *                    0 turns buffering off
 */
public record PolicyConfig(String name, int line, List<String> paths, Set<String> methods,
                           List<RateLimitConfig> rateLimits, ThrottleConfig throttle,
                           CircuitBreakerConfig circuitBreaker, TimeoutConfig timeout, FallbackConfig fallback,
                           List<StageKind> order, boolean failClosed, int bufferBytes) {

    public PolicyConfig {
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
        rateLimits = List.copyOf(rateLimits);
        order = order == null ? null : List.copyOf(order);
    }
}
