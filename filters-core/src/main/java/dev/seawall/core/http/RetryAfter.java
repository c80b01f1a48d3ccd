package dev.seawall.core.http;

/** {@code Retry-After} arithmetic. Stateless, thread-safe, allocation-free. */
public final class RetryAfter {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private RetryAfter() {
    }

    /**
     * @param nanos time until the client may retry
     * @return whole seconds, rounded up, at least 1 (a {@code Retry-After: 0} invites a retry storm)
     */
    public static long seconds(long nanos) {
        if (nanos <= 0) {
            return 1;
        }
        long s = nanos / NANOS_PER_SECOND;
        if (nanos % NANOS_PER_SECOND != 0) {
            s++;
        }
        return Math.max(1, s);
    }

    /** Like {@link #seconds(long)} but 0 stays 0: for the {@code t} of a {@code RateLimit} item. */
    public static long secondsOrZero(long nanos) {
        return nanos <= 0 ? 0 : seconds(nanos);
    }
}
