package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;

import java.time.Duration;

/**
 * A client's {@code timeout}: how long one attempt and the whole call (attempts and the waits between them) may
 * take, and how a call inside an inbound request with a deadline shares the time left. Immutable and thread-safe;
 * built and validated by {@link #builder()}.
 *
 * @param attempt        {@code attempt}: the longest single attempt, or null for none of its own
 * @param total          {@code total}: the longest call, or null for none of its own (the inbound deadline still
 *                       applies)
 * @param margin         {@code margin}: taken off the inbound request's time left, for the work after the call
 * @param share          {@code share}: the percent of the time left (after the margin) one call may use, below
 *                       100 for a handler that fans out to several calls in sequence
 * @param deadlineHeader {@code deadline-header}: a request header carrying the call's time left in whole
 *                       milliseconds to the downstream, or null for none
 */
public record ClientTimeoutConfig(Duration attempt, Duration total, Duration margin, int share,
                                  String deadlineHeader) {

    public static final Duration DEFAULT_MARGIN = Duration.ofMillis(10);
    public static final int DEFAULT_SHARE = 100;
    /** A client's timeout when its {@code timeout} block is absent: only the inbound deadline bounds a call. */
    public static final ClientTimeoutConfig DEFAULTS = builder().build();

    public static Builder builder() {
        return new Builder();
    }

    /** Validating builder; setters throw {@link InvalidSettingException} naming the key. Not thread-safe. */
    public static final class Builder {
        private Duration attempt;
        private Duration total;
        private Duration margin = DEFAULT_MARGIN;
        private int share = DEFAULT_SHARE;
        private String deadlineHeader;

        private Builder() {
        }

        public Builder attempt(Duration attempt) {
            this.attempt = Check.duration("attempt", attempt);
            return this;
        }

        public Builder total(Duration total) {
            this.total = Check.duration("total", total);
            return this;
        }

        /** {@code margin}: 0 or more, below 1 minute. */
        public Builder margin(Duration margin) {
            if (margin == null || margin.isNegative() || margin.compareTo(Duration.ofMinutes(1)) >= 0) {
                throw new InvalidSettingException("margin", ConfigValues.quote(margin == null ? "null"
                        : ConfigValues.formatDuration(margin)) + " is outside 0ms-1m");
            }
            this.margin = margin;
            return this;
        }

        /** {@code share}: 1-100 percent. */
        public Builder share(int percent) {
            this.share = Check.range("share", percent, 1, 100);
            return this;
        }

        public Builder deadlineHeader(String header) {
            this.deadlineHeader = header == null ? null : Check.token("deadline-header", header.trim(), "header name");
            return this;
        }

        public ClientTimeoutConfig build() {
            if (attempt != null && total != null && attempt.compareTo(total) > 0) {
                throw new InvalidSettingException("attempt", ConfigValues.quote(ConfigValues.formatDuration(attempt))
                        + " is longer than total " + ConfigValues.quote(ConfigValues.formatDuration(total)));
            }
            return new ClientTimeoutConfig(attempt, total, margin, share, deadlineHeader);
        }
    }
}
