package dev.seawall.redis;

import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.internal.idempotency.Decision;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis stopped or asleep while requests carry idempotency keys: each {@code on-failure} of the store decides (the
 * policy says nothing), no decision waits for Redis longer than the store's timeout, and keys are shared again once
 * Redis is back.
 */
class RedisIdempotencyFailureTest {

    private static final byte[] BODY = "{\"amount\":42}".getBytes(StandardCharsets.UTF_8);
    private static final IdempotencyConfig CONFIG = IdempotencyConfig.builder().build();

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicInteger keys = new AtomicInteger();
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

    private IdempotencyGuard guard(RedisStoreSettings.OnFailure onFailure) {
        store = RedisTestSupport.clientTimeStore(RedisTestSupport.config(redis.uri(), onFailure, 1), clock, meters);
        return RedisIdempotencyNodesTest.guard(store, CONFIG, clock);
    }

    private FakeRequest fresh() {
        return RedisIdempotencyNodesTest.post("key-" + keys.incrementAndGet());
    }

    private static Decision claim(IdempotencyGuard guard, FakeRequest request) {
        return RedisIdempotencyNodesTest.claim(guard, request, BODY);
    }

    private double calls(String outcome) {
        return meters.get("seawall.store.calls").tag("outcome", outcome).counter().count();
    }

    private long keysInRedis() {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().keys("seawall-test:idem:*").size();
        } finally {
            client.shutdown();
        }
    }

    /** What each mode decides while Redis cannot answer. */
    private static void assertOnFailure(RedisStoreSettings.OnFailure mode, IdempotencyGuard guard, Decision d) {
        switch (mode) {
            case LOCAL -> {
                assertThat(d.kind()).isEqualTo(Decision.Kind.RUN);
                assertThat(guard.localStore().size()).as("held by this node's own store").isPositive();
            }
            case ALLOW -> assertThat(d.kind()).isEqualTo(Decision.Kind.UNPROTECTED);
            case DENY -> {
                assertThat(d.kind()).isEqualTo(Decision.Kind.REFUSE);
                assertThat(d.rejection().status()).isEqualTo(503);
                assertThat(d.rejection().header("Retry-After")).isNotNull();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RedisStoreSettings.OnFailure.class)
    void aStoppedRedisFollowsTheStoresOnFailureAndKeysAreSharedAgainOnceItIsBack(RedisStoreSettings.OnFailure mode) {
        IdempotencyGuard guard = guard(mode);
        assertThat(guard.onFailure().name()).as("the store's mode, the policy saying none").isEqualTo(mode.name());
        assertThat(claim(guard, fresh()).kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(keysInRedis()).isEqualTo(1);

        redis.stop();
        FakeRequest repeat = fresh();
        Decision d = claim(guard, repeat);
        assertOnFailure(mode, guard, d);
        assertThat(guard.storeDown()).isTrue();
        if (mode == RedisStoreSettings.OnFailure.LOCAL) {
            assertThat(claim(guard, repeat).rejection().status()).as("this node still runs a key once").isEqualTo(409);
        }
        for (int i = 0; i < 5; i++) {
            assertOnFailure(mode, guard, claim(guard, fresh()));
        }
        assertThat(store.up()).isFalse();
        assertThat(calls("error") + calls("timeout")).as("three failures open the store's guard").isEqualTo(3.0);
        assertThat(calls("skipped")).as("then Redis is not called at all").isPositive();
        if (d.claim() != null) {
            d.claim().release();
        }

        redis.startAgain();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            clock.advance(Duration.ofSeconds(3)); // past the back-off: one request probes Redis
            Decision probe = claim(guard, fresh());
            if (probe.claim() != null) {
                probe.claim().release();
            }
            return store.up();
        });
        Decision back = claim(guard, fresh());
        assertThat(back.kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(guard.storeDown()).isFalse();
        assertThat(keysInRedis()).as("the restarted Redis holds the new claim").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(RedisStoreSettings.OnFailure.class)
    void aRedisAsleepIsAnsweredWithinTheTimeoutNotWhenItWakes(RedisStoreSettings.OnFailure mode) throws Exception {
        IdempotencyGuard guard = guard(mode);
        assertThat(claim(guard, fresh()).kind()).isEqualTo(Decision.Kind.RUN);
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            // DEBUG SLEEP blocks the whole Redis server for 3 s
            RedisFuture<String> sleeping = c.async().dispatch(CommandType.DEBUG,
                    new StatusOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).add("SLEEP").add(3));
            AtomicReference<Decision> decided = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
                Decision d = claim(guard, fresh());
                if (calls("timeout") > 0) {
                    decided.set(d);
                    return true;
                }
                if (d.claim() != null) {
                    d.claim().release(); // Redis answered before it fell asleep
                }
                return false;
            });
            assertThat(sleeping.isDone()).as("decided while Redis still sleeps: the store's timeout (200 ms)"
                    + " bounds the wait, not Redis").isFalse();
            assertOnFailure(mode, guard, decided.get());
            sleeping.get();
        } finally {
            client.shutdown();
        }
    }
}
