package dev.seawall.core.internal.outbound;

import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.outbound.Jitter;

import java.util.function.DoubleSupplier;

/**
 * The delay before a retry: exponential backoff {@code min(max, base * 2^(retry-1))} spread by the client's
 * {@link Jitter}. Stateless apart from the random source; the decorrelated mode's memory (the previous delay) is kept
 * by the caller. Thread-safe when the random source is.
 */
public final class Backoff {

    private final long baseNanos;
    private final long maxNanos;
    private final Jitter jitter;
    private final DoubleSupplier random;

    /** @param random uniform values in [0, 1) */
    public Backoff(RetryConfig config, DoubleSupplier random) {
        this.baseNanos = config.base().toNanos();
        this.maxNanos = config.max().toNanos();
        this.jitter = config.jitter();
        this.random = random;
    }

    /**
     * @param retry         the retry about to be made, from 1
     * @param previousNanos the delay before the previous retry, or 0 before the first (decorrelated jitter only)
     * @return nanoseconds to wait, within [0, max]
     */
    public long delayNanos(int retry, long previousNanos) {
        long exp = exponential(retry);
        return switch (jitter) {
            case NONE -> exp;
            case FULL -> (long) (random.getAsDouble() * exp);
            case EQUAL -> exp / 2 + (long) (random.getAsDouble() * (exp - exp / 2));
            case DECORRELATED -> {
                long prev = previousNanos <= 0 ? baseNanos : previousNanos;
                long upper = prev > maxNanos / 3 ? maxNanos : Math.max(baseNanos, prev * 3);
                yield Math.min(maxNanos, baseNanos + (long) (random.getAsDouble() * (upper - baseNanos)));
            }
        };
    }

    private long exponential(int retry) {
        int shift = Math.max(0, Math.min(retry - 1, 62));
        if (baseNanos > (maxNanos >> shift)) {
            return maxNanos;
        }
        return Math.min(maxNanos, baseNanos << shift);
    }
}
