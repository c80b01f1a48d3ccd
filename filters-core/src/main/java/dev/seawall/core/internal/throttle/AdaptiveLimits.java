package dev.seawall.core.internal.throttle;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import dev.seawall.core.config.AdaptiveLimitConfig;
import dev.seawall.core.throttle.ConcurrencyLimit;
import dev.seawall.core.time.NanoClock;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Makes the adaptive limit a throttle's config asks for. Stateless and thread-safe. */
public final class AdaptiveLimits {

    private AdaptiveLimits() {
    }

    /**
     * @param clock the throttle's clock: the samples' times are on it; read once here, for the first window
     * @return the adaptive limit for these settings, starting at {@code initial}; thread-safe
     */
    public static ConcurrencyLimit create(AdaptiveLimitConfig config, NanoClock clock) {
        return create(config, clock, false);
    }

    /**
     * @param clock  the throttle's clock: the samples' times are on it; read once here, for the first window
     * @param shadow whether the throttle runs in shadow mode; such a limit never probes for its no-load latency:
     *               shadow holds nothing back, so in-flight never falls to the probe concurrency, a probe would
     *               gather no sample and report the probe concurrency as the limit (every request a would-reject)
     *               for ten windows every {@code probe-interval}
     * @return the adaptive limit for these settings, starting at {@code initial}; thread-safe
     */
    public static ConcurrencyLimit create(AdaptiveLimitConfig config, NanoClock clock, boolean shadow) {
        Objects.requireNonNull(config, "config");
        return new AdaptiveLimit(config, algorithm(config), clock.nanoTime(), !shadow);
    }

    /** @return a maker of the configured Netflix algorithm, starting at a given limit, within the bounds */
    static IntFunction<Limit> algorithm(AdaptiveLimitConfig c) {
        return switch (c.algorithm()) {
            case GRADIENT2 -> initial -> Gradient2Limit.newBuilder()
                    .initialLimit(initial)
                    .minLimit(c.min())
                    .maxConcurrency(c.max())
                    .smoothing(c.smoothing())
                    .longWindow(c.longWindow())
                    .rttTolerance(c.rttTolerance())
                    .queueSize(c.queueSize())
                    .build();
            case VEGAS -> initial -> {
                VegasLimit.Builder b = VegasLimit.newBuilder()
                        .initialLimit(initial)
                        .maxConcurrency(c.max())
                        .smoothing(c.smoothing());
                if (c.alpha() > 0) {
                    b.alpha(c.alpha());
                }
                if (c.beta() > 0) {
                    b.beta(c.beta());
                }
                return b.build();
            };
            case AIMD -> initial -> AIMDLimit.newBuilder()
                    .initialLimit(initial)
                    .minLimit(c.min())
                    .maxLimit(c.max())
                    .backoffRatio(c.backoffRatio())
                    .timeout(c.latencyThreshold().toNanos(), TimeUnit.NANOSECONDS)
                    .build();
        };
    }
}
