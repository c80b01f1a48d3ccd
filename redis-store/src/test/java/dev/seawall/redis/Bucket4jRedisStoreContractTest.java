package dev.seawall.redis;

import dev.seawall.core.config.StoreConfig;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.BucketStoreContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The bucket-store contract for {@code engine: bucket4j} (Bucket4j's compare-and-swap Lettuce integration). */
class Bucket4jRedisStoreContractTest extends BucketStoreContract {

    private static EmbeddedRedis redis;
    private RedisBucketStore store;

    @BeforeAll
    static void startRedis() {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected BucketStore store() {
        if (store == null) {
            store = RedisTestSupport.clientTimeStore(RedisTestSupport.config(redis.uri(), StoreConfig.OnFailure.DENY, 1, "bucket4j", "none"),
                    clock, new SimpleMeterRegistry());
        }
        return store;
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }
}
