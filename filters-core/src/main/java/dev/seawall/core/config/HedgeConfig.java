package dev.seawall.core.config;

import java.time.Duration;

/**
 * A client's {@code hedge}: when the first attempt of an idempotent request has not answered after {@code delay},
 * a second attempt is sent; the first answer wins and the other is cancelled. A hedged attempt is paid from the
 * retry budget, so hedging never adds more load than retries may. Immutable and thread-safe.
 *
 * @param delay {@code delay}: how long the first attempt runs alone
 */
public record HedgeConfig(Duration delay) {

    /** @throws InvalidSettingException for a delay that is not positive */
    public HedgeConfig {
        Check.duration("delay", delay);
    }
}
