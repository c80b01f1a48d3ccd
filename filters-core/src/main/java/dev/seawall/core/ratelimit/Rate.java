package dev.seawall.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * One bandwidth of a token bucket: {@code tokens} per {@code period}, e.g. 100 per minute
 * ({@code 100/1m} in the YAML). Immutable and thread-safe.
 */
public record Rate(long tokens, Duration period) {

    public Rate {
        Objects.requireNonNull(period, "period");
        if (tokens <= 0) {
            throw new IllegalArgumentException("tokens: " + tokens + " must be positive");
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period: " + period + " must be positive");
        }
        if (period.compareTo(java.time.Duration.ofDays(3650)) <= 0 && tokens > period.toNanos()) {
            // Bucket4j's refill arithmetic supports at most one token per nanosecond
            throw new IllegalArgumentException(tokens + " per " + period + " refills faster than one token per"
                    + " nanosecond");
        }
    }

    /**
     * Parses the configuration's rate syntax: {@code 100/1m}, {@code 5/10s}, {@code 10/s}.
     *
     * @throws IllegalArgumentException quoting the text and saying what was expected
     */
    public static Rate parse(String text) {
        return dev.seawall.core.internal.config.ConfigValues.parseRate(text);
    }

    /** @return the window in whole seconds, rounded up (the {@code w} of {@code RateLimit-Policy}) */
    public long windowSeconds() {
        long s = period.getSeconds();
        return period.getNano() > 0 ? s + 1 : Math.max(1, s);
    }

    /** @return the rate in the configuration's syntax, e.g. {@code 100/1m} */
    @Override
    public String toString() {
        return tokens + "/" + dev.seawall.core.internal.config.ConfigValues.formatDuration(period);
    }
}
