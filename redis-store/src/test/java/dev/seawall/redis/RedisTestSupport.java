package dev.seawall.redis;

import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;

/** Builds Redis stores for tests; a public door to the package-private test hook. Stateless. */
public final class RedisTestSupport {

    /** The salt the tests use (any 16+ characters). */
    public static final String SALT = "test-salt-0123456789abcdef";

    private RedisTestSupport() {
    }

    /** Store settings as the YAML loader would produce them. */
    public static RedisStoreSettings config(String uri, RedisStoreSettings.OnFailure onFailure, int nodes) {
        return config(uri, onFailure, nodes, "script", "none");
    }

    /** As above, with an engine and, for bucket4j, an optimization. */
    public static RedisStoreSettings config(String uri, RedisStoreSettings.OnFailure onFailure, int nodes, String engine,
                                     String optimization) {
        return new RedisStoreSettings(uri, "seawall-test:", Duration.ofMillis(200), onFailure, nodes, SALT,
                Duration.ofSeconds(2), 3, engine, optimization);
    }

    /** A store taking "now" from {@code clock} (one JVM only), so that tests control time. */
    public static RedisBucketStore clientTimeStore(RedisStoreSettings config, NanoClock clock, MeterRegistry registry) {
        return new RedisBucketStore(config, clock, registry, true);
    }
}
