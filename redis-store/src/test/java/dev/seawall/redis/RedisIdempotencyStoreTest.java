package dev.seawall.redis;

import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.idempotency.IdempotencyStore;
import dev.seawall.core.time.ManualClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The Redis idempotency store's three atomic operations against a real Redis, one round trip each. */
class RedisIdempotencyStoreTest {

    private static final String KEY = "api:0123456789abcdef0123456789abcdef";
    private static EmbeddedRedis redis;
    private static RedisClient raw;
    private static StatefulRedisConnection<byte[], byte[]> rawConnection;
    private static RedisBucketStore store;
    private static RedisIdempotencyStore idem;

    @BeforeAll
    static void start() {
        redis = EmbeddedRedis.start();
        store = RedisTestSupport.clientTimeStore(settings(redis.uri(), RedisStoreSettings.OnFailure.DENY),
                new ManualClock(), new SimpleMeterRegistry());
        idem = store.idempotencyStore();
        raw = RedisClient.create(redis.uri());
        rawConnection = raw.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterAll
    static void stop() {
        rawConnection.close();
        raw.shutdown();
        store.close();
        redis.close();
    }

    @BeforeEach
    void empty() {
        rawConnection.sync().flushall();
    }

    /** A generous timeout: these tests are about atomicity, not about a slow machine. */
    static RedisStoreSettings settings(String uri, RedisStoreSettings.OnFailure onFailure) {
        return new RedisStoreSettings(uri, "seawall-test:", Duration.ofSeconds(2), onFailure, 1, RedisTestSupport.SALT,
                Duration.ofSeconds(2), 3, "script", "none");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] redisKey(String coreKey) {
        return bytes("seawall-test:idem:" + coreKey);
    }

    @Test
    void isTheStoresOwnInstanceAndMapsEachOnFailureMode() {
        assertThat(store.idempotencyStore()).isSameAs(idem);
        assertThat(idem.onFailure()).isEqualTo(IdempotencyConfig.OnFailure.DENY);
        for (RedisStoreSettings.OnFailure f : RedisStoreSettings.OnFailure.values()) {
            RedisIdempotencyStore s = new RedisIdempotencyStore(new FailingCalls(), "p:", f, () -> "x");
            assertThat(s.onFailure().name()).isEqualTo(f.name());
        }
    }

    @Test
    void describesTheStoreWithoutCredentials() {
        assertThat(idem.describe()).startsWith("redis redis://127.0.0.1:" + redis.port()).contains("(up)");
        RedisIdempotencyStore s = new RedisIdempotencyStore(new FailingCalls(), "p:",
                RedisStoreSettings.OnFailure.LOCAL, () -> "redis redis://127.0.0.1:1");
        assertThat(s.describe()).isEqualTo("redis redis://127.0.0.1:1");
    }

    @Test
    void theFirstPutStoresUnderThePrefixedKeyAndLaterOnesGetTheHeldValueAndItsRemainingTime() {
        byte[] first = {'F', 1, 0, (byte) 0xff, 0x7f, 0};
        assertThat(idem.putIfAbsent(KEY, first, 60_000)).isNull();

        assertThat(rawConnection.sync().get(redisKey(KEY))).as("binary-safe, under prefix + idem:").isEqualTo(first);
        assertThat(rawConnection.sync().pttl(redisKey(KEY))).isBetween(1L, 60_000L);

        IdempotencyStore.Present p = idem.putIfAbsent(KEY, bytes("second"), 60_000);
        assertThat(p).isNotNull();
        assertThat(p.value()).isEqualTo(first);
        assertThat(p.remainingMillis()).isBetween(1L, 60_000L);
        assertThat(rawConnection.sync().get(redisKey(KEY))).as("the held value is untouched").isEqualTo(first);
    }

    @Test
    void fiftyConcurrentPutsOnOneKeyStoreExactlyOnce() throws Exception {
        int n = 50;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<IdempotencyStore.Present>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] mine = bytes("owner-" + i);
                results.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return idem.putIfAbsent(KEY, mine, 60_000);
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            int stored = 0;
            List<byte[]> seen = new ArrayList<>();
            for (Future<IdempotencyStore.Present> f : results) {
                IdempotencyStore.Present p = f.get(30, TimeUnit.SECONDS);
                if (p == null) {
                    stored++;
                } else {
                    seen.add(p.value());
                }
            }
            byte[] winner = rawConnection.sync().get(redisKey(KEY));
            assertThat(stored).as("exactly one put stored its value").isEqualTo(1);
            assertThat(seen).hasSize(n - 1).allSatisfy(v -> assertThat(v).isEqualTo(winner));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void replaceAndRemoveTouchOnlyTheExactExpectedValue() {
        byte[] mine = bytes("in-flight-of-request-1");
        assertThat(idem.putIfAbsent(KEY, mine, 60_000)).isNull();

        assertThat(idem.replace(KEY, bytes("in-flight-of-request-2"), bytes("answer-2"), 60_000)).isFalse();
        assertThat(idem.replace(KEY, bytes("in-flight-of-request-"), bytes("prefix"), 60_000)).isFalse();
        assertThat(idem.replace(KEY, bytes("in-flight-of-request-1x"), bytes("longer"), 60_000)).isFalse();
        assertThat(idem.remove(KEY, bytes("in-flight-of-request-2"))).isFalse();
        assertThat(rawConnection.sync().get(redisKey(KEY))).isEqualTo(mine);

        byte[] answer = {'A', 1, 0, 1, 2, (byte) 0x80};
        assertThat(idem.replace(KEY, mine, answer, 3_600_000)).isTrue();
        assertThat(rawConnection.sync().get(redisKey(KEY))).isEqualTo(answer);
        assertThat(rawConnection.sync().pttl(redisKey(KEY))).as("the answer's own time to live")
                .isGreaterThan(60_000L).isLessThanOrEqualTo(3_600_000L);

        assertThat(idem.remove(KEY, mine)).as("the old in-flight value no longer matches").isFalse();
        assertThat(idem.replace(KEY, mine, bytes("again"), 60_000)).isFalse();
        assertThat(rawConnection.sync().get(redisKey(KEY))).isEqualTo(answer);

        assertThat(idem.remove(KEY, answer)).isTrue();
        assertThat(rawConnection.sync().exists(redisKey(KEY))).isZero();
        assertThat(idem.remove(KEY, answer)).as("nothing left to remove").isFalse();
        assertThat(idem.replace(KEY, answer, bytes("resurrected"), 60_000)).as("a missing key is never created")
                .isFalse();
        assertThat(rawConnection.sync().exists(redisKey(KEY))).isZero();
    }

    @Test
    void aLaterOwnersRecordIsNeverOverwrittenByAnOwnerWhoseLeaseEnded() {
        byte[] early = bytes("owner-early");
        assertThat(idem.putIfAbsent(KEY, early, 20)).isNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> rawConnection.sync().exists(redisKey(KEY)) == 0);
        byte[] later = bytes("owner-later");
        assertThat(idem.putIfAbsent(KEY, later, 60_000)).as("the expired key is free again").isNull();

        assertThat(idem.replace(KEY, early, bytes("early-answer"), 60_000)).isFalse();
        assertThat(idem.remove(KEY, early)).isFalse();
        assertThat(rawConnection.sync().get(redisKey(KEY))).isEqualTo(later);
    }

    @Test
    void aRecordExpiresWithItsTimeToLiveByRedisOwnClock() {
        assertThat(idem.putIfAbsent(KEY, bytes("lease"), 100)).isNull();
        long pttl = rawConnection.sync().pttl(redisKey(KEY));
        assertThat(pttl).isBetween(1L, 100L);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> idem.putIfAbsent(KEY, bytes("next"), 60_000) == null);
        assertThat(rawConnection.sync().get(redisKey(KEY))).isEqualTo(bytes("next"));
    }

    @Test
    void aForeignValueOrTypeUnderTheKeyIsReportedAsHeldAndNeverTouched() {
        // a string that is no record of Seawall's: handed to the core as it is (the core never replays it)
        rawConnection.sync().set(redisKey(KEY), bytes("garbage \u0000 not a record"));
        IdempotencyStore.Present p = idem.putIfAbsent(KEY, bytes("mine"), 60_000);
        assertThat(p.value()).isEqualTo(bytes("garbage \u0000 not a record"));
        assertThat(p.remainingMillis()).as("a key without expiry still reports at least 1 ms").isEqualTo(1L);

        // another type: no error escapes, the key reads as an empty record, and nothing replaces or deletes it
        byte[] hashKey = redisKey("api:ffffffffffffffffffffffffffffffff");
        rawConnection.sync().hset(hashKey, bytes("field"), bytes("value"));
        rawConnection.sync().pexpire(hashKey, 60_000);
        IdempotencyStore.Present h = idem.putIfAbsent("api:ffffffffffffffffffffffffffffffff", bytes("mine"), 60_000);
        assertThat(h.value()).isEmpty();
        assertThat(h.remainingMillis()).isBetween(1L, 60_000L);
        assertThat(idem.replace("api:ffffffffffffffffffffffffffffffff", new byte[0], bytes("x"), 1000)).isFalse();
        assertThat(idem.remove("api:ffffffffffffffffffffffffffffffff", new byte[0])).isFalse();
        assertThat(rawConnection.sync().type(hashKey)).isEqualTo("hash");
        assertThat(store.up()).as("a foreign key is no failure of Redis").isTrue();
    }

    @Test
    void aKeyThatIsNotTheCoresShapeNeverReachesRedis() {
        long before = idem.roundTrips();
        assertThatThrownBy(() -> idem.putIfAbsent("api:with space", bytes("v"), 1000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> idem.putIfAbsent("api:\r\nDEL x", bytes("v"), 1000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> idem.putIfAbsent("", bytes("v"), 1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> idem.putIfAbsent("a".repeat(257), bytes("v"), 1000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(idem.roundTrips()).isEqualTo(before);
    }

    @Test
    void eachOperationIsOneRoundTripAndAForgottenScriptCostsOneMore() {
        long before = idem.roundTrips();
        assertThat(idem.putIfAbsent(KEY, bytes("a"), 60_000)).isNull();
        assertThat(idem.roundTrips() - before).isEqualTo(1);
        assertThat(idem.putIfAbsent(KEY, bytes("b"), 60_000)).isNotNull();
        assertThat(idem.replace(KEY, bytes("a"), bytes("c"), 60_000)).isTrue();
        assertThat(idem.remove(KEY, bytes("c"))).isTrue();
        assertThat(idem.roundTrips() - before).isEqualTo(4);

        rawConnection.sync().scriptFlush();
        assertThat(idem.putIfAbsent(KEY, bytes("d"), 60_000)).as("NOSCRIPT, then the whole script").isNull();
        assertThat(idem.roundTrips() - before).isEqualTo(6);
        assertThat(idem.putIfAbsent(KEY, bytes("e"), 60_000)).isNotNull();
        assertThat(idem.roundTrips() - before).as("EVAL cached the script again").isEqualTo(7);
    }

    @Test
    void anUnreachableStoreThrowsStoreUnavailableWithoutTheClientsDetails() {
        RedisIdempotencyStore s = new RedisIdempotencyStore(new FailingCalls(), "p:",
                RedisStoreSettings.OnFailure.LOCAL, () -> "redis redis://127.0.0.1:1");
        assertThatThrownBy(() -> s.putIfAbsent(KEY, bytes("v"), 1000))
                .isInstanceOf(IdempotencyStore.StoreUnavailableException.class)
                .hasMessageContaining("redis://127.0.0.1:1").hasNoCause();
        assertThatThrownBy(() -> s.replace(KEY, bytes("v"), bytes("w"), 1000))
                .isInstanceOf(IdempotencyStore.StoreUnavailableException.class);
        assertThatThrownBy(() -> s.remove(KEY, bytes("v")))
                .isInstanceOf(IdempotencyStore.StoreUnavailableException.class);
        assertThat(s.roundTrips()).as("Redis was never called").isZero();
    }

    /** A store whose guard never lets a call through. */
    private static final class FailingCalls implements RedisCalls {
        @Override
        public StatefulRedisConnection<byte[], byte[]> connection() {
            return null;
        }

        @Override
        public Duration timeout() {
            return Duration.ofMillis(50);
        }

        @Override
        public dev.seawall.core.time.NanoClock clientClock() {
            return null;
        }

        @Override
        public void succeeded() {
        }

        @Override
        public void timedOut() {
        }

        @Override
        public void failed(String why) {
        }

        @Override
        public void abandoned() {
        }
    }
}
