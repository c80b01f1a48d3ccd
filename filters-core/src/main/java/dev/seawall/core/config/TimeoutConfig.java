package dev.seawall.core.config;

import java.time.Duration;

/**
 * A policy's {@code timeout}: after how long, answered with 503 (default) or 504. Immutable, thread-safe; built
 * and validated by {@link #builder()}.
 *
 * @param deadlineHeader {@code deadline-header}: a request header in which a caller may send its own time left in
 *                       whole milliseconds; a shorter time than {@code after} shortens this request's deadline, a
 *                       longer one is ignored; null for none
 */
public record TimeoutConfig(Duration after, int status, String deadlineHeader) {

    /** A timeout without a deadline header. */
    public TimeoutConfig(Duration after, int status) {
        this(after, status, null);
    }

    /** {@code status}: 503 Service Unavailable; 504 for a gateway. */
    public static final int DEFAULT_STATUS = 503;

    /** @return a builder holding the defaults; {@code after} has none and must be set */
    public static Builder builder() {
        return new Builder();
    }

    /** Validating builder; setters throw {@link InvalidSettingException} naming the key. Not thread-safe. */
    public static final class Builder {
        private Duration after;
        private int status = DEFAULT_STATUS;
        private String deadlineHeader;

        private Builder() {
        }

        /** {@code deadline-header}: where a caller may send a shorter deadline (whole milliseconds); null for none. */
        public Builder deadlineHeader(String header) {
            this.deadlineHeader = header == null ? null
                    : Check.token("deadline-header", header.trim(), "header name");
            return this;
        }

        public Builder after(Duration after) {
            this.after = Check.duration("after", after);
            return this;
        }

        /** {@code status}: 503, or 504 for a gateway. */
        public Builder status(int status) {
            Check.range("status", status, 100, 599);
            if (status != 503 && status != 504) {
                throw new InvalidSettingException("status", status + " is not a timeout status"
                        + " (expected 503, or 504 for a gateway)");
            }
            this.status = status;
            return this;
        }

        public TimeoutConfig build() {
            if (after == null) {
                throw Check.required("after", null);
            }
            return new TimeoutConfig(after, status, deadlineHeader);
        }
    }
}
