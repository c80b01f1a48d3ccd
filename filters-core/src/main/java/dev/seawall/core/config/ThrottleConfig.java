package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
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
 * @param limit     the adaptive limit's settings with {@code max-concurrent: adaptive} ({@code maxConcurrent} is then
 *                  0), or null for a fixed limit
 * @param criticality how requests are sorted into critical / default / sheddable, or null
 * @param mode      {@code enforce} (default) or {@code shadow}: decisions are counted, nothing is refused or delayed
 */
public record ThrottleConfig(int maxConcurrent, int queue, Duration maxWait, Priority priority,
                             int maxPerKey, KeyKind perKey, AdaptiveLimitConfig limit, Criticality criticality,
                             String mode) {

    /** {@code queue}: requests waiting for a slot (0-1000000); none by default. */
    public static final int DEFAULT_QUEUE = 0;
    /** {@code max-wait}: longest wait in the queue. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(1);
    /** {@code per-key}: what a key is for fair share. */
    public static final KeyKind DEFAULT_PER_KEY = KeyKind.IP;
    public static final int MAX_CONCURRENT = 100_000;
    public static final int MAX_QUEUE = 1_000_000;
    /** {@code mode}: enforce. */
    public static final String DEFAULT_MODE = "enforce";
    /** {@code criticality.cohort-rotation}: how long a caller keeps its shedding cohort. */
    public static final Duration DEFAULT_COHORT_ROTATION = Duration.ofMinutes(5);

    /** @return true with {@code max-concurrent: adaptive} */
    public boolean adaptive() {
        return limit != null;
    }

    /** @return true in shadow mode */
    public boolean shadow() {
        return "shadow".equals(mode);
    }

    /**
     * Criticality rules, tried in this order: {@code paths}, then {@code roles}, then {@code header}; the first that
     * matches decides, otherwise {@code default}. The header is believed only from a peer inside
     * {@code trusted-proxies} (checked where the stage is built: a header needs trusted proxies).
     *
     * @param header         a header whose value is critical, default or sheddable
     * @param roles          class name to container roles
     * @param paths          class name to servlet url-patterns
     * @param reserve        percent of the limit only critical requests may use, 0-100 (default 0); above 0 it needs
     *                       a header or a {@code critical} entry in roles or paths
     * @param cohortRotation how long a caller keeps its shedding cohort (default 5m)
     */
    public record Criticality(String header, Map<String, List<String>> roles, Map<String, List<String>> paths,
                              int reserve, Duration cohortRotation) {
        public Criticality {
            roles = Map.copyOf(roles);
            paths = Map.copyOf(paths);
            if (header != null) {
                Check.token("header", header, "header name");
            }
            Check.range("reserve", reserve, 0, 100);
            cohortRotation = Check.duration("cohort-rotation",
                    cohortRotation == null ? DEFAULT_COHORT_ROTATION : cohortRotation);
            if (header == null && roles.isEmpty() && paths.isEmpty()) {
                throw new InvalidSettingException("", "needs at least one of header, roles or paths");
            }
            // only critical requests may use the reserve: without a rule that can make one, it is capacity nobody gets
            if (reserve > 0 && header == null && !roles.containsKey("critical") && !paths.containsKey("critical")) {
                throw new InvalidSettingException("", "reserve " + reserve + "% keeps slots that no request can use:"
                        + " name critical paths or roles, or a header");
            }
        }
    }

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
        private boolean adaptive;
        private AdaptiveLimitConfig limit;
        private Criticality criticality;
        private String mode = DEFAULT_MODE;

        private Builder() {
        }

        /** {@code max-concurrent: adaptive}: the limit moves by itself within {@code limit}'s bounds. */
        public Builder adaptive() {
            this.adaptive = true;
            return this;
        }

        /** {@code limit}: the adaptive limit's settings; only with {@code max-concurrent: adaptive}. */
        public Builder limit(AdaptiveLimitConfig limit) {
            this.limit = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /** {@code criticality}: critical / default / sheddable rules; not together with {@code priority}. */
        public Builder criticality(Criticality criticality) {
            this.criticality = criticality;
            return this;
        }

        /** {@code mode}: {@code enforce} or {@code shadow}. */
        public Builder mode(String mode) {
            this.mode = Check.mode(mode);
            return this;
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
            if (adaptive && maxConcurrent > 0) {
                throw new InvalidSettingException("max-concurrent", "is either a number or adaptive, not both");
            }
            if (maxConcurrent == 0 && !adaptive) {
                throw Check.required("max-concurrent", null);
            }
            if (limit != null && !adaptive) {
                throw new InvalidSettingException("limit", "applies only with max-concurrent: adaptive");
            }
            AdaptiveLimitConfig adaptiveLimit = adaptive ? (limit != null ? limit : AdaptiveLimitConfig.builder().build())
                    : null;
            if (priority != null && criticality != null) {
                throw new InvalidSettingException("criticality", "cannot be combined with priority (criticality"
                        + " classes are the queue's priorities)");
            }
            if (maxPerKey > 0) {
                Check.range("max-concurrent-per-key", maxPerKey, 1, adaptive ? adaptiveLimit.max() : maxConcurrent);
            }
            if (perKey != null && maxPerKey == 0) {
                throw new InvalidSettingException("per-key", "applies only with max-concurrent-per-key");
            }
            return new ThrottleConfig(maxConcurrent, queue, maxWait, priority, maxPerKey,
                    perKey == null ? DEFAULT_PER_KEY : perKey, adaptiveLimit, criticality, mode);
        }
    }
}
