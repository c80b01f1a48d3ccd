package dev.seawall.core.config;

import dev.seawall.core.key.KeyKind;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A policy's {@code throttle}. Immutable and thread-safe; built and validated by {@link #builder()}.
 *
 * @param priority  how requests are sorted into high / normal / low while they wait, or null
 * @param maxPerKey {@code max-concurrent-per-key}: slots (and queue places) one key may hold; 0 = no fair share
 * @param perKey    what a key is for fair share ({@code per-key}, default ip)
 */
public record ThrottleConfig(int maxConcurrent, int queue, Duration maxWait, Priority priority,
                             int maxPerKey, KeyKind perKey) {

    /** {@code queue}: requests waiting for a slot (0-1000000); none by default. */
    public static final int DEFAULT_QUEUE = 0;
    /** {@code max-wait}: longest wait in the queue. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(1);
    /** {@code per-key}: what a key is for fair share. */
    public static final KeyKind DEFAULT_PER_KEY = KeyKind.IP;
    public static final int MAX_CONCURRENT = 100_000;
    public static final int MAX_QUEUE = 1_000_000;

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
            if (header != null) {
                Check.token("header", header, "header name");
            }
            if (header == null && roles.isEmpty() && paths.isEmpty()) {
                throw new InvalidSettingException("", "needs at least one of header, roles or paths");
            }
        }
    }

    /** @return a builder holding the defaults; {@code max-concurrent} has none and must be set */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks
     * the rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private int maxConcurrent;
        private int queue = DEFAULT_QUEUE;
        private Duration maxWait = DEFAULT_MAX_WAIT;
        private Priority priority;
        private int maxPerKey;
        private KeyKind perKey;

        private Builder() {
        }

        /** {@code max-concurrent}: requests inside the application at once (1-100000); required. */
        public Builder maxConcurrent(int maxConcurrent) {
            this.maxConcurrent = Check.range("max-concurrent", maxConcurrent, 1, MAX_CONCURRENT);
            return this;
        }

        public Builder queue(int queue) {
            this.queue = Check.range("queue", queue, 0, MAX_QUEUE);
            return this;
        }

        public Builder maxWait(Duration maxWait) {
            this.maxWait = Check.duration("max-wait", maxWait);
            return this;
        }

        public Builder priority(Priority priority) {
            this.priority = priority;
            return this;
        }

        /** {@code max-concurrent-per-key}: 1 to {@code max-concurrent}; 0 turns fair share off. */
        public Builder maxConcurrentPerKey(int slots) {
            this.maxPerKey = slots == 0 ? 0 : Check.range("max-concurrent-per-key", slots, 1, MAX_CONCURRENT);
            return this;
        }

        /** {@code per-key}: what a key is for fair share; only with {@code max-concurrent-per-key}. */
        public Builder perKey(KeyKind perKey) {
            this.perKey = Objects.requireNonNull(perKey, "per-key");
            return this;
        }

        public ThrottleConfig build() {
            if (maxConcurrent == 0) {
                throw Check.required("max-concurrent", null);
            }
            if (maxPerKey > 0) {
                Check.range("max-concurrent-per-key", maxPerKey, 1, maxConcurrent);
            }
            if (perKey != null && maxPerKey == 0) {
                throw new InvalidSettingException("per-key", "applies only with max-concurrent-per-key");
            }
            return new ThrottleConfig(maxConcurrent, queue, maxWait, priority, maxPerKey,
                    perKey == null ? DEFAULT_PER_KEY : perKey);
        }
    }
}
