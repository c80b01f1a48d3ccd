package dev.seawall.core.ratelimit;

import dev.seawall.core.config.StoreConfig;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * SPI, found with {@link java.util.ServiceLoader}: owns a {@code store.type} other than {@code local} — its keys,
 * their defaults and rules, and the {@link BucketStore} it creates. The {@code redis-store} module registers one for
 * {@code redis}; the core works without any, and knows nothing of a store's keys.
 *
 * <p>Implementations are thread-safe and cheap to create; the stores they create may open connections.
 */
public interface BucketStoreProvider {

    /** @return the {@code store.type} this provider serves, e.g. {@code redis} */
    String type();

    /** @return the keys a {@code store:} block of this type takes besides {@code type}; others are unknown keys */
    java.util.Set<String> keys();

    /**
     * Checks the keys of a {@code store:} block of this type when the configuration is loaded, and turns them into the
     * store's own settings. Every problem goes to {@code keys} ({@link StoreKeys#check} and its siblings), naming the
     * key; the loader reports them as {@code file:line: store.key: problem}.
     *
     * @return the store's immutable settings, equal for equal settings (a reload keeps a store whose settings are
     *         equal) and with a {@code toString} that shows no secret; null when a problem was reported
     */
    Object settings(StoreKeys keys);

    /**
     * @param config the store block: its {@code type} and the {@link StoreConfig#settings() settings} this provider
     *               returned from {@link #settings}
     * @throws IllegalArgumentException when the settings cannot work (the message is shown as a config error at
     *                                  the {@code store:} line)
     */
    BucketStore create(StoreConfig config, NanoClock clock, MeterRegistry registry);
}
