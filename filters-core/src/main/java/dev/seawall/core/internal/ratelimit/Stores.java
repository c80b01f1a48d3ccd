package dev.seawall.core.internal.ratelimit;

import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.StoreConfig;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.BucketStoreProvider;
import dev.seawall.core.ratelimit.LocalBucketStore;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ServiceLoader;

/**
 * Creates the bucket store a configuration names, finding providers with {@link ServiceLoader} so that the core
 * needs no store module on its class path. Stateless and thread-safe; runs at start-up and on reload.
 */
public final class Stores {

    private Stores() {
    }

    /**
     * @return the provider serving a store type, found through the thread's context class loader, or null
     */
    public static BucketStoreProvider provider(String type) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = Stores.class.getClassLoader();
        }
        for (BucketStoreProvider p : ServiceLoader.load(BucketStoreProvider.class, loader)) {
            if (p.type().equals(type)) {
                return p;
            }
        }
        return null;
    }

    /** The problem of a store type whose module is not on the class path. */
    public static String missingModule(String type) {
        return "\"" + type + "\" needs its store module on the class path (for redis: dev.seawall:redis-store)";
    }

    /**
     * @param line the {@code store:} block's line, or 0 when unknown
     * @throws ConfigException at the {@code store:} line when no provider serves the type or the provider refuses
     *                         the settings
     */
    public static BucketStore create(String source, int line, StoreConfig config, NanoClock clock,
                                     MeterRegistry registry) {
        if (config.local()) {
            return LocalBucketStore.INSTANCE;
        }
        BucketStoreProvider p = provider(config.type());
        if (p == null) {
            throw new ConfigException(source, line, "store.type", missingModule(config.type()));
        }
        try {
            return p.create(config, clock, registry);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source, line, "store", e.getMessage());
        }
    }
}
