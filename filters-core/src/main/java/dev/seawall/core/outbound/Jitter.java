package dev.seawall.core.outbound;

import java.util.Locale;

/**
 * How a retry's delay is spread around the exponential backoff {@code min(max, base * 2^(n-1))}, so that callers
 * failing together do not retry together. Immutable.
 */
public enum Jitter {
    /** A uniform delay in {@code [0, backoff]} (the default: the least synchronised, AWS's "full jitter"). */
    FULL,
    /** Half the backoff plus a uniform share of the other half: never shorter than {@code backoff / 2}. */
    EQUAL,
    /** A uniform delay in {@code [base, 3 * previous delay]}, capped at {@code max}; grows with the last delay. */
    DECORRELATED,
    /** Exactly the backoff: only for tests and single callers, since every caller then retries in step. */
    NONE;

    /** @return the name used in {@code seawall.yaml} */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the jitter with this configuration name, or null */
    public static Jitter fromConfigName(String name) {
        for (Jitter j : values()) {
            if (j.configName().equals(name)) {
                return j;
            }
        }
        return null;
    }
}
