package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.outbound.Jitter;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A client's {@code retry}. Immutable and thread-safe; built and validated by {@link #builder()}, the one place that
 * states the retry defaults and ranges for every front end.
 *
 * @param maxAttempts    {@code max-attempts}: attempts including the first (1 means no retry)
 * @param base           {@code backoff.base}: the first retry's backoff before jitter
 * @param max            {@code backoff.max}: the longest backoff
 * @param jitter         {@code jitter}
 * @param onStatuses     the statuses of {@code on} that are retried
 * @param onConnectError whether {@code on} lists {@code connect-error}: the request never reached the server
 * @param onTimeout      whether {@code on} lists {@code timeout}: an attempt ran out of its time
 * @param methods        {@code methods}: the methods retried without an {@code Idempotency-Key}, upper case
 * @param maxRetryAfter  {@code max-retry-after}: the longest {@code Retry-After} the client waits for
 */
public record RetryConfig(int maxAttempts, Duration base, Duration max, Jitter jitter, List<StatusRange> onStatuses,
                          boolean onConnectError, boolean onTimeout, Set<String> methods, Duration maxRetryAfter) {

    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final int MAX_ATTEMPTS = 10;
    public static final Duration DEFAULT_BASE = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX = Duration.ofSeconds(2);
    public static final Jitter DEFAULT_JITTER = Jitter.FULL;
    /** {@code on}: the statuses that say "try again" (429, 502, 503, 504), connect errors and timeouts. */
    public static final List<StatusRange> DEFAULT_ON_STATUSES = List.of(new StatusRange(429, 429),
            new StatusRange(502, 504));
    /** {@code methods}: the idempotent methods of RFC 9110 that change nothing when repeated. */
    public static final Set<String> DEFAULT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(5);
    /** A client's retry when its {@code retry} block is absent. */
    public static final RetryConfig DEFAULTS = builder().build();

    public RetryConfig {
        onStatuses = List.copyOf(onStatuses);
        methods = Set.copyOf(methods);
    }

    /** @return whether a status is listed in {@code on} */
    public boolean retriesStatus(int status) {
        for (StatusRange r : onStatuses) {
            if (r.contains(status)) {
                return true;
            }
        }
        return false;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks the
     * rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration base = DEFAULT_BASE;
        private Duration max = DEFAULT_MAX;
        private Jitter jitter = DEFAULT_JITTER;
        private List<StatusRange> onStatuses = DEFAULT_ON_STATUSES;
        private boolean onConnectError = true;
        private boolean onTimeout = true;
        private Set<String> methods = DEFAULT_METHODS;
        private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;

        private Builder() {
        }

        /** {@code max-attempts}: attempts including the first, 1-10 (1: never retry). */
        public Builder maxAttempts(int attempts) {
            this.maxAttempts = Check.range("max-attempts", attempts, 1, MAX_ATTEMPTS);
            return this;
        }

        /** {@code backoff.base}. */
        public Builder base(Duration base) {
            this.base = Check.duration("backoff.base", base);
            return this;
        }

        /** {@code backoff.max}. */
        public Builder max(Duration max) {
            this.max = Check.duration("backoff.max", max);
            return this;
        }

        public Builder jitter(Jitter jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /**
         * {@code on}: what is retried. Each entry is a status or range ({@code 503}, {@code 502-504}), or one of
         * {@code connect-error} and {@code timeout}. Replaces the default list; an empty list retries nothing.
         */
        public Builder on(List<String> entries) {
            List<StatusRange> statuses = new java.util.ArrayList<>();
            boolean connect = false;
            boolean timeout = false;
            for (String e : entries) {
                String v = e == null ? "" : e.trim().toLowerCase(Locale.ROOT);
                if (v.equals("connect-error")) {
                    connect = true;
                } else if (v.equals("timeout")) {
                    timeout = true;
                } else {
                    StatusRange r;
                    try {
                        r = ConfigValues.parseStatusRange(v);
                    } catch (IllegalArgumentException ex) {
                        throw new InvalidSettingException("on", ConfigValues.quote(String.valueOf(e))
                                + " is not a status, a status range, connect-error or timeout");
                    }
                    if (r.from() < 400) {
                        throw new InvalidSettingException("on", ConfigValues.quote(e)
                                + " is not an error status (retries answer 4xx and 5xx)");
                    }
                    statuses.add(r);
                }
            }
            this.onStatuses = statuses;
            this.onConnectError = connect;
            this.onTimeout = timeout;
            return this;
        }

        /** {@code methods}: methods retried without an {@code Idempotency-Key}; replaces the default set. */
        public Builder methods(List<String> methods) {
            Set<String> out = new LinkedHashSet<>();
            for (String m : methods) {
                out.add(Check.token("methods", m == null ? null : m.trim(), "method").toUpperCase(Locale.ROOT));
            }
            this.methods = out;
            return this;
        }

        public Builder maxRetryAfter(Duration d) {
            this.maxRetryAfter = Check.duration("max-retry-after", d);
            return this;
        }

        public RetryConfig build() {
            if (base.compareTo(max) > 0) {
                throw new InvalidSettingException("backoff.base", ConfigValues.quote(ConfigValues.formatDuration(base))
                        + " is longer than backoff.max " + ConfigValues.quote(ConfigValues.formatDuration(max)));
            }
            return new RetryConfig(maxAttempts, base, max, jitter, onStatuses, onConnectError, onTimeout, methods,
                    maxRetryAfter);
        }
    }
}
