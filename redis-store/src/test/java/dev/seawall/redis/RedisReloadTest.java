package dev.seawall.redis;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.TextSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** An engine on the Redis store, found through ServiceLoader, and reloads that keep or replace the store. */
class RedisReloadTest {

    private EmbeddedRedis redis;
    private LiveSeawall live;
    private TextSource source;

    @BeforeEach
    void start() {
        redis = EmbeddedRedis.start();
    }

    @AfterEach
    void stop() {
        if (live != null) {
            live.close();
        }
        redis.close();
    }

    private String config(String timeout, String limit) {
        return """
                store:
                  type: redis
                  uri: %s
                  key-salt: reload-test-salt-0123456789
                  timeout: %s
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: %s
                      - by: api-key
                        limit: 100/1h
                        store: local
                """.formatted(redis.uri(), timeout, limit);
    }

    private boolean admit() {
        Exchange e = live.current().match("GET", "/api/x").chain()
                .admit(FakeRequest.get("/api/x").from("192.0.2.1"), live.current().clock().nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(200, null, 0, 0, false));
        }
        return e.admitted();
    }

    private void boot(String t) {
        source = new TextSource("seawall.yaml", t);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Seawall engine = Seawall.builder().meterRegistry(meters).yaml("seawall.yaml", t).build();
        live = new LiveSeawall(engine, source, t, meters, Clock.systemUTC());
    }

    @Test
    void theStoreComesFromTheConfigurationAndSurvivesAReloadThatKeepsItsSettings() {
        boot(config("200ms", "3/1h"));
        assertThat(live.current().store()).isInstanceOf(RedisBucketStore.class);
        assertThat(live.current().store().describe()).isEqualTo("redis " + redis.uri() + " (up)");
        assertThat(admit()).isTrue();
        var store = live.current().store();

        source.text = config("200ms", "3/1h") + "# edited\n";
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(live.current().store()).isSameAs(store);
        assertThat(admit()).isTrue();
        assertThat(admit()).isTrue();
        assertThat(admit()).as("3 per hour, counted in Redis across the reload").isFalse();
    }

    @Test
    void changedStoreSettingsBuildANewStoreAndCloseTheOld() {
        boot(config("200ms", "3/1h"));
        RedisBucketStore old = (RedisBucketStore) live.current().store();
        assertThat(admit()).isTrue();
        source.text = config("300ms", "3/1h");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(live.current().store()).isNotSameAs(old);
        assertThat(old.up()).as("closed").isFalse();
        assertThat(admit()).isTrue();
        assertThat(admit()).isTrue();
        assertThat(admit()).as("the budget lives in Redis, not in the store object").isFalse();
    }
}
