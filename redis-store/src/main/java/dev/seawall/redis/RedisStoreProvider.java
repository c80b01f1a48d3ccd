package dev.seawall.redis;

import dev.seawall.core.config.StoreConfig;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.BucketStoreProvider;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Serves {@code store: {type: redis}}; registered in {@code META-INF/services}, so putting this module on the class
 * path is all an application does. Stateless and thread-safe.
 */
public final class RedisStoreProvider implements BucketStoreProvider {

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public BucketStore create(StoreConfig config, NanoClock clock, MeterRegistry registry) {
        return new RedisBucketStore(config, clock, registry, false);
    }
}
