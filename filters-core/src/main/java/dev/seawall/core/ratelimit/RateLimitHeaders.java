package dev.seawall.core.ratelimit;

import java.util.Locale;

/** Which rate-limit headers responses carry ({@code headers.rate-limit} in the YAML). Immutable. */
public enum RateLimitHeaders {
    /** {@code RateLimit} and {@code RateLimit-Policy} per draft-ietf-httpapi-ratelimit-headers-11 (default). */
    IETF("ietf"),
    /** {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset}. */
    LEGACY("legacy"),
    /** Both of the above. */
    BOTH("both"),
    /** No rate-limit headers (a 429 still carries {@code Retry-After}). */
    NONE("none");

    private final String configName;

    RateLimitHeaders(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public boolean ietf() {
        return this == IETF || this == BOTH;
    }

    public boolean legacy() {
        return this == LEGACY || this == BOTH;
    }

    /** @return the mode for a config value, or null when unknown */
    public static RateLimitHeaders fromConfigName(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (RateLimitHeaders h : values()) {
            if (h.configName.equals(v)) {
                return h;
            }
        }
        return null;
    }
}
