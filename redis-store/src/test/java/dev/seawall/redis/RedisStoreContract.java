package dev.seawall.redis;

import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.BucketStoreContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The bucket-store contract against a real Redis, for one engine; subclasses name it. */
abstract class RedisStoreContract extends BucketStoreContract {

    private static EmbeddedRedis redis;
    private RedisBucketStore store;

    /** @return {@code script} or {@code bucket4j} */
    abstract String engine();

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
            store = RedisTestSupport.clientTimeStore(RedisTestSupport.config(redis.uri(), RedisStoreSettings.OnFailure.DENY,
                    1, engine(), "none"), clock, new SimpleMeterRegistry());
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
