package dev.seawall.redis;

import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.ManualClock;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis down, slow, restarted or forgetful: decisions follow on-failure and shared limiting comes back by itself. */
class RedisStoreFailureTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private EmbeddedRedis redis;
    private RedisBucketStore store;

    @BeforeEach
    void startRedis() {
        redis = EmbeddedRedis.start();
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
        redis.close();
    }

    private BucketStore.Buckets buckets(RedisStoreSettings.OnFailure onFailure, int nodes, Rate rate) {
        store = RedisTestSupport.clientTimeStore(RedisTestSupport.config(redis.uri(), onFailure, nodes), clock, meters);
        return store.buckets(new BucketSpec("api", "ip", "default", List.of(rate), 1000, clock));
    }

    private double calls(String outcome) {
        return meters.get("seawall.store.calls").tag("outcome", outcome).counter().count();
    }

    @Test
    void keysHoldNoClientIdentityAndExpireOnceFull() {
        BucketStore.Buckets b = buckets(RedisStoreSettings.OnFailure.DENY, 1, new Rate(10, Duration.ofMinutes(1)));
        b.tryConsumeOne("192.0.2.77");
        b.tryConsumeOne(store.identityHash().applyAsLong("key-of-customer-42"));
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = c.sync().keys("*");
            assertThat(keys).hasSize(2).allSatisfy(k -> {
                assertThat(k).startsWith("seawall-test:api:ip:default:");
                assertThat(k).doesNotContain("192.0.2.77").doesNotContain("customer");
                long ttl = c.sync().pttl(k);
                assertThat(ttl).as("expires once refilled: 6 s for one token of 10/1m, plus 1 s")
                        .isBetween(1L, 7_000L);
            });
        } finally {
            client.shutdown();
        }
    }

    @Test
    void theSameIdentityMapsToTheSameKeyOnEveryNodeAndNowhereWithoutTheSalt() {
        RedisStoreSettings config = RedisTestSupport.config(redis.uri(), RedisStoreSettings.OnFailure.DENY, 1);
        try (RedisBucketStore a = RedisTestSupport.clientTimeStore(config, clock, new SimpleMeterRegistry());
             RedisBucketStore b = RedisTestSupport.clientTimeStore(config, clock, new SimpleMeterRegistry())) {
            assertThat(a.identityHash().applyAsLong("alice")).isEqualTo(b.identityHash().applyAsLong("alice"));
            assertThat(RedisBucketStore.saltedHash("another-salt-0123456789").hash("alice"))
                    .isNotEqualTo(a.identityHash().applyAsLong("alice"));
        }
    }

    @Test
    void aStoppedRedisFallsBackToLocalBucketsHoldingTheLimitDividedByNodesAndStopsCallingIt() {
        BucketStore.Buckets b = buckets(RedisStoreSettings.OnFailure.LOCAL, 2, new Rate(10, Duration.ofHours(1)));
        assertThat(b.tryConsumeOne("192.0.2.1").isConsumed()).isTrue();
        assertThat(store.up()).isTrue();
        redis.stop();

        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (b.tryConsumeOne("192.0.2.1").isConsumed()) {
                admitted++;
            }
        }
        assertThat(admitted).as("10 per hour across 2 nodes: 5 on this node").isEqualTo(5);
        assertThat(store.up()).isFalse();
        assertThat(calls("error") + calls("timeout")).as("three failures open the guard").isEqualTo(3.0);
        assertThat(calls("skipped")).as("then Redis is not called at all").isEqualTo(17.0);
        assertThat(meters.get("seawall.store.up").gauge().value()).isEqualTo(0.0);
        assertThat(store.describe()).contains("down");
    }

    @Test
    void denyRejectsAndAllowAdmitsWhileRedisIsDown() {
        BucketStore.Buckets deny = buckets(RedisStoreSettings.OnFailure.DENY, 1, new Rate(10, Duration.ofHours(1)));
        redis.stop();
        ConsumptionProbe p = deny.tryConsumeOne("192.0.2.1");
        assertThat(p.isConsumed()).isFalse();
        assertThat(p.getNanosToWaitForRefill()).isGreaterThanOrEqualTo(1_000_000_000L);
        store.close();

        BucketStore.Buckets allow = buckets(RedisStoreSettings.OnFailure.ALLOW, 1, new Rate(10, Duration.ofHours(1)));
        for (int i = 0; i < 30; i++) {
            assertThat(allow.tryConsumeOne("192.0.2.1").isConsumed()).isTrue();
        }
    }

    @Test
    void sharedLimitingResumesByItselfWhenRedisComesBack() {
        BucketStore.Buckets b = buckets(RedisStoreSettings.OnFailure.LOCAL, 1, new Rate(3, Duration.ofHours(1)));
        redis.stop();
        for (int i = 0; i < 5; i++) {
            b.tryConsumeOne("192.0.2.1");
        }
        assertThat(store.up()).isFalse();
        redis.startAgain();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            clock.advance(Duration.ofSeconds(3)); // past the back-off: one request probes Redis
            b.tryConsumeOne("203.0.113.1");
            return store.up();
        });
        // the restarted Redis is empty: this address has its full shared budget again, counted in Redis
        assertThat(b.tryConsumeOne("192.0.2.1").getRemainingTokens()).isEqualTo(2);
    }

    @Test
    void aSlowRedisCostsItsTimeoutOnlyUntilTheGuardOpens() throws Exception {
        BucketStore.Buckets b = buckets(RedisStoreSettings.OnFailure.LOCAL, 1, new Rate(100, Duration.ofHours(1)));
        assertThat(b.tryConsumeOne("192.0.2.1").isConsumed()).isTrue();
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            // DEBUG SLEEP blocks the whole Redis server for 3 s
            var sleeping = c.async().dispatch(io.lettuce.core.protocol.CommandType.DEBUG,
                    new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                    new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                            .add("SLEEP").add(3));
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                b.tryConsumeOne("192.0.2.9");
                return calls("timeout") > 0;
            });
            for (int i = 0; i < 10; i++) {
                assertThat(b.tryConsumeOne("192.0.2.1").isConsumed()).isTrue();
            }
            assertThat(calls("timeout")).as("three timeouts open the guard").isEqualTo(3.0);
            assertThat(calls("skipped")).as("the other calls skip Redis").isGreaterThanOrEqualTo(8.0);
            sleeping.get();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aFlushedRedisStartsEveryBucketFullWithoutAnError() {
        BucketStore.Buckets b = buckets(RedisStoreSettings.OnFailure.DENY, 1, new Rate(2, Duration.ofHours(1)));
        b.tryConsumeOne("192.0.2.1");
        b.tryConsumeOne("192.0.2.1");
        assertThat(b.tryConsumeOne("192.0.2.1").isConsumed()).isFalse();
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().flushall();
        } finally {
            client.shutdown();
        }
        assertThat(b.tryConsumeOne("192.0.2.1").getRemainingTokens()).isEqualTo(1);
        assertThat(calls("error") + calls("timeout")).isZero();
    }

    @Test
    void aPasswordInTheUriIsUsedAndNeverShownAndAWrongOneLeavesTheStoreDown() {
        redis.close();
        redis = EmbeddedRedis.start("requirepass s3cret-password-42");
        String good = "redis://:s3cret-password-42@127.0.0.1:" + redis.port();
        store = RedisTestSupport.clientTimeStore(RedisTestSupport.config(good, RedisStoreSettings.OnFailure.DENY, 1), clock,
                meters);
        BucketStore.Buckets b = store.buckets(new BucketSpec("api", "ip", "default",
                List.of(new Rate(5, Duration.ofHours(1))), 100, clock));
        assertThat(b.tryConsumeOne("192.0.2.1").getRemainingTokens()).isEqualTo(4);
        assertThat(store.describe()).doesNotContain("s3cret").contains("127.0.0.1:" + redis.port());
        store.close();

        String wrong = "redis://:not-the-password@127.0.0.1:" + redis.port();
        store = RedisTestSupport.clientTimeStore(RedisTestSupport.config(wrong, RedisStoreSettings.OnFailure.DENY, 1), clock,
                new SimpleMeterRegistry());
        assertThat(store.up()).isFalse();
        assertThat(store.describe()).doesNotContain("not-the-password");
        BucketStore.Buckets denied = store.buckets(new BucketSpec("api", "ip", "default",
                List.of(new Rate(5, Duration.ofHours(1))), 100, clock));
        assertThat(denied.tryConsumeOne("192.0.2.1").isConsumed()).as("on-failure: deny").isFalse();
    }

    @Test
    void aRedisThatForgotTheScriptIsSentItAgain() {
        BucketStore.Buckets b = buckets(RedisStoreSettings.OnFailure.DENY, 1, new Rate(3, Duration.ofHours(1)));
        assertThat(b.tryConsumeOne("192.0.2.1").isConsumed()).isTrue();
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().scriptFlush();
        } finally {
            client.shutdown();
        }
        assertThat(b.tryConsumeOne("192.0.2.1").getRemainingTokens()).isEqualTo(1);
        assertThat(store.up()).isTrue();
    }
}
