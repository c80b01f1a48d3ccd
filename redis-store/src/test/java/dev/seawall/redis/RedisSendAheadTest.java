package dev.seawall.redis;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.LimitSpec;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
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

/**
 * A request with several shared limits sends every limit's script call before it waits for the first answer, and
 * decides exactly as limit after limit: a refusal gives back what the other limits took, in Redis.
 */
class RedisSendAheadTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private EmbeddedRedis redis;
    private RedisBucketStore store;
    private RedisClient client;

    @BeforeEach
    void start() {
        redis = EmbeddedRedis.start();
        store = RedisTestSupport.clientTimeStore(RedisTestSupport.config(redis.uri(),
                RedisStoreSettings.OnFailure.LOCAL, 1), clock, meters);
        client = RedisClient.create(redis.uri());
    }

    @AfterEach
    void stop() {
        store.close();
        client.shutdown();
        redis.close();
    }

    private RateLimitStage stage() {
        return RateLimitStage.builder("api").clock(clock)
                .limit(LimitSpec.builder("ip", new ClientIpResolver(TrustedProxies.none(), 64))
                        .rates(List.of(new Rate(5, Duration.ofMinutes(1)))).store(store).build())
                .limit(LimitSpec.builder("key", new ApiKeyResolver("X-API-Key"))
                        .rates(List.of(new Rate(3, Duration.ofMinutes(1)))).store(store).build())
                .build();
    }

    private static FakeRequest request(String ip, String key) {
        return FakeRequest.get("/api").from(ip).header("X-API-Key", key);
    }

    @Test
    void theScriptEngineSendsAheadAndATakeIsInRedisBeforeItIsAwaited() {
        BucketStore.Buckets b = store.buckets(new BucketSpec("api", "ip", "default",
                List.of(new Rate(5, Duration.ofMinutes(1))), 1000, clock));
        assertThat(b.sendsAhead()).isTrue();
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertThat(c.sync().dbsize()).isZero();
            BucketStore.Pending first = b.tryConsumeAhead("192.0.2.1", 1);
            BucketStore.Pending second = b.tryConsumeAhead("192.0.2.2", 2);
            // both calls reached Redis while neither was awaited
            await().atMost(Duration.ofSeconds(10)).until(() -> c.sync().dbsize() == 2);
            assertThat(second.join().getRemainingTokens()).isEqualTo(3);
            assertThat(first.join().getRemainingTokens()).isEqualTo(4);
        }
    }

    @Test
    void decisionsAreTheWalksAndARefusalGivesBackTheOtherLimitsTokens() {
        RateLimitStage s = stage();
        // the key limit (3) refuses the fourth request of k1; the ip limit's token it took is given back
        for (int i = 0; i < 3; i++) {
            assertThat(s.admit(request("192.0.2.1", "k1"), clock.nanoTime()).admitted()).isTrue();
        }
        Admission refused = s.admit(request("192.0.2.1", "k1"), clock.nanoTime());
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.rejection().status()).isEqualTo(429);
        // two more for the ip limit (5): 3 taken, the refused one's given back
        assertThat(s.admit(request("192.0.2.1", "k2"), clock.nanoTime()).admitted()).isTrue();
        assertThat(s.admit(request("192.0.2.1", "k2"), clock.nanoTime()).admitted()).isTrue();
        Admission ipRefused = s.admit(request("192.0.2.1", "k3"), clock.nanoTime());
        assertThat(ipRefused.admitted()).isFalse();
        assertThat(ipRefused.rejection().headers()).anySatisfy(h -> assertThat(h.value()).contains("\"ip\""));
        // the ip limit refused first, so k3's token, sent ahead, was given back: k3 still has all 3
        for (int i = 0; i < 3; i++) {
            assertThat(s.admit(request("192.0.2.2", "k3"), clock.nanoTime()).admitted()).as("k3 %d", i).isTrue();
        }
        assertThat(s.limits().get(0).admitted()).isEqualTo(8);
        assertThat(s.limits().get(0).rejected()).isEqualTo(1);
        assertThat(s.limits().get(1).admitted()).isEqualTo(8);
        assertThat(s.limits().get(1).rejected()).isEqualTo(1);
    }

    @Test
    void withRedisGoneTheTakesSentAheadFollowOnFailure() {
        RateLimitStage s = stage();
        redis.stop();
        // on-failure local: each node's buckets hold the limit (nodes: 1); no exception reaches the request
        for (int i = 0; i < 3; i++) {
            assertThat(s.admit(request("192.0.2.1", "k1"), clock.nanoTime()).admitted()).as("request %d", i).isTrue();
        }
        assertThat(s.admit(request("192.0.2.1", "k1"), clock.nanoTime()).admitted()).isFalse();
    }
}
