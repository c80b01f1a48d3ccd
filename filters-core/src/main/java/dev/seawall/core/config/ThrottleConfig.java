package dev.seawall.core.config;

import dev.seawall.core.key.KeyKind;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A policy's {@code throttle}. Immutable and thread-safe.
 *
 * @param priority  how requests are sorted into high / normal / low while they wait, or null
 * @param maxPerKey {@code max-concurrent-per-key}: slots (and queue places) one key may hold; 0 = no fair share
 * @param perKey    what a key is for fair share ({@code per-key}, default ip)
 */
public record ThrottleConfig(int line, int maxConcurrent, int queue, Duration maxWait, Priority priority,
                             int maxPerKey, KeyKind perKey) {

    /**
     * Priority rules, tried in this order: {@code paths}, then {@code roles}, then {@code header}; the first
     * that matches decides, otherwise {@code normal}.
     *
     * @param header a header whose value is high, normal or low (set it at a trusted proxy: clients can send it)
     * @param roles  class name to container roles
     * @param paths  class name to servlet url-patterns
     */
    public record Priority(String header, Map<String, List<String>> roles, Map<String, List<String>> paths) {
        public Priority {
            roles = Map.copyOf(roles);
            paths = Map.copyOf(paths);
        }
    }
}
