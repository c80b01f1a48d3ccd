package dev.seawall.core.internal.throttle;

import dev.seawall.core.config.AdaptiveLimitConfig;
import dev.seawall.core.throttle.ConcurrencyLimit;
import dev.seawall.core.time.NanoClock;

/** PLACEHOLDER CONTRACT (replaced by the adaptive-limit work): makes the limit a throttle's config asks for. */
public final class AdaptiveLimits {

    private AdaptiveLimits() {
    }

    /** @return the adaptive limit for these settings; thread-safe */
    public static ConcurrencyLimit create(AdaptiveLimitConfig config, NanoClock clock) {
        return ConcurrencyLimit.fixed(config.initial());
    }
}
