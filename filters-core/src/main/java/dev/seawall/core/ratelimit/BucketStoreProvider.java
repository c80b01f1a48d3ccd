package dev.seawall.core.ratelimit;

import dev.seawall.core.config.StoreConfig;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * SPI, found with {@link java.util.ServiceLoader}: creates the {@link BucketStore} of a {@code store.type} other
 * than {@code local}. The {@code redis-store} module registers one for {@code redis}; the core works without any.
 * Implementations are thread-safe and cheap to create; the stores they create may open connections.
 */
public interface BucketStoreProvider {

    /** @return the {@code store.type} this provider serves, e.g. {@code redis} */
    String type();

    /**
     * @throws IllegalArgumentException when the settings cannot work (the message is shown as a config error at
     *                                  the {@code store:} line)
     */
    BucketStore create(StoreConfig config, NanoClock clock, MeterRegistry registry);
}
