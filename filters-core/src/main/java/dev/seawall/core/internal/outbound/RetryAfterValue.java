package dev.seawall.core.internal.outbound;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Reads a downstream's {@code Retry-After} (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. Hostile input is
 * expected: a negative, fractional, malformed or overlong value counts as absent (the client's own backoff applies);
 * a date in the past means "now"; a huge value is returned as {@link Long#MAX_VALUE}, which no
 * {@code max-retry-after} admits. Never throws. Stateless and thread-safe.
 */
public final class RetryAfterValue {

    /** The value was absent or unreadable. */
    public static final long ABSENT = -1;
    private static final int MAX_LENGTH = 64;
    private static final long MAX_SECONDS = 9_000_000_000L / 1000; // beyond any configurable wait, clear of overflow

    private RetryAfterValue() {
    }

    /** @return nanoseconds to wait (0 for a past date), {@link Long#MAX_VALUE} for a huge value, or {@link #ABSENT} */
    public static long parseNanos(String value, Clock wallClock) {
        if (value == null) {
            return ABSENT;
        }
        String v = value.trim();
        if (v.isEmpty() || v.length() > MAX_LENGTH) {
            return ABSENT;
        }
        if (isDigits(v)) {
            if (v.length() > 10) {
                return Long.MAX_VALUE;
            }
            long seconds = Long.parseLong(v);
            return seconds > MAX_SECONDS ? Long.MAX_VALUE : seconds * 1_000_000_000L;
        }
        if (!Character.isLetter(v.charAt(0))) {
            return ABSENT; // "-5", "1.5", "+3": not delta-seconds, and no HTTP-date starts like that
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            long millis = at.toInstant().toEpochMilli() - wallClock.millis();
            if (millis <= 0) {
                return 0;
            }
            return millis > MAX_SECONDS * 1000 ? Long.MAX_VALUE : millis * 1_000_000L;
        } catch (DateTimeParseException | ArithmeticException e) {
            return ABSENT;
        }
    }

    private static boolean isDigits(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
