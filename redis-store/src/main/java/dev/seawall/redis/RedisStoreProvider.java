package dev.seawall.redis;

import dev.seawall.core.config.StoreConfig;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.BucketStoreProvider;
import dev.seawall.core.ratelimit.StoreKeys;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Set;

/**
 * Serves {@code store: {type: redis}}; registered in {@code META-INF/services}, so putting this module on the class
 * path is all an application does. Owns the block's keys: forwards the ones given to {@link RedisStoreSettings}'s
 * builder, which holds their defaults and rules. Stateless and thread-safe.
 */
public final class RedisStoreProvider implements BucketStoreProvider {

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public Set<String> keys() {
        return RedisStoreSettings.KEYS;
    }

    @Override
    public RedisStoreSettings settings(StoreKeys keys) {
        RedisStoreSettings.Builder b = RedisStoreSettings.builder();
        keys.text("uri", b::uri);
        keys.text("key-prefix", b::keyPrefix);
        keys.duration("timeout", b::timeout);
        keys.text("on-failure", b::onFailure);
        keys.integer("nodes", b::nodes);
        if (keys.has("key-salt") && keys.has("key-salt-env")) {
            // one mistake, reported once by build(): neither value is read
            b.given("key-salt").given("key-salt-env");
        } else {
            keys.text("key-salt", b::keySalt);
            keys.text("key-salt-env", b::keySaltEnv);
        }
        keys.duration("backoff", b::backoff);
        keys.integer("failures", b::failures);
        keys.text("engine", b::engine);
        if (keys.has("optimization")) {
            if ("bucket4j".equals(keys.has("engine") ? keys.get("engine").trim() : RedisStoreSettings.DEFAULT_ENGINE)) {
                keys.text("optimization", b::optimization);
            } else {
                b.given("optimization"); // refused by build() as a whole, whatever its value
            }
        }
        if (!keys.clean()) {
            return null; // the rules between keys would only report consequences
        }
        try {
            return b.build();
        } catch (dev.seawall.core.config.InvalidSettingException e) {
            keys.refuse(e);
            return null;
        }
    }

    @Override
    public BucketStore create(StoreConfig config, NanoClock clock, MeterRegistry registry) {
        if (!(config.settings() instanceof RedisStoreSettings settings)) {
            throw new IllegalArgumentException("a redis store needs its settings (RedisStoreSettings), found "
                    + (config.settings() == null ? "none" : config.settings().getClass().getSimpleName()));
        }
        return new RedisBucketStore(settings, clock, registry, false);
    }
}
