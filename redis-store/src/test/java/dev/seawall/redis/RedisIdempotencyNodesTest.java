package dev.seawall.redis;

import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.idempotency.Claim;
import dev.seawall.core.internal.idempotency.Decision;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.key.KeyResolvers;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The core's idempotency protocol on two "nodes" (two Redis stores, two guards) sharing one real Redis: a claim on one
 * node is seen by the other, its answer is replayed there byte for byte, and a node that died mid-request frees its key
 * when the lease ends.
 */
class RedisIdempotencyNodesTest {

    private static final byte[] BODY = "{\"amount\":42}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = "{\"order\":7,\"status\":\"created\"}".getBytes(StandardCharsets.UTF_8);
    private static final List<Rejection.Header> SENT = List.of(
            new Rejection.Header("Content-Type", "application/json"),
            new Rejection.Header("Location", "/api/orders/7"),
            new Rejection.Header("Set-Cookie", "session=secret-of-the-first-caller"),
            new Rejection.Header("X-Order", "7"));

    private static EmbeddedRedis redis;
    private static RedisClient raw;
    private static StatefulRedisConnection<byte[], byte[]> rawConnection;
    private static RedisBucketStore storeA;
    private static RedisBucketStore storeB;
    private final ManualClock clock = new ManualClock();

    @BeforeAll
    static void start() {
        redis = EmbeddedRedis.start();
        RedisStoreSettings settings = RedisIdempotencyStoreTest.settings(redis.uri(),
                RedisStoreSettings.OnFailure.DENY);
        storeA = RedisTestSupport.clientTimeStore(settings, new ManualClock(), new SimpleMeterRegistry());
        storeB = RedisTestSupport.clientTimeStore(settings, new ManualClock(), new SimpleMeterRegistry());
        raw = RedisClient.create(redis.uri());
        rawConnection = raw.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterAll
    static void stop() {
        rawConnection.close();
        raw.shutdown();
        storeA.close();
        storeB.close();
        redis.close();
    }

    @BeforeEach
    void empty() {
        rawConnection.sync().flushall();
    }

    static IdempotencyGuard guard(RedisBucketStore store, IdempotencyConfig config, ManualClock clock) {
        return new IdempotencyGuard("api", config, null, KeyResolvers.ip(TrustedProxies.of(List.of()), 64),
                store.idempotencyStore(), store.identityHash(), clock);
    }

    private IdempotencyGuard guard(RedisBucketStore store, Duration lease) {
        return guard(store, IdempotencyConfig.builder().lease(lease).expire(Duration.ofHours(1)).build(), clock);
    }

    static FakeRequest post(String key) {
        return new FakeRequest().method("POST").path("/api/orders").from("192.0.2.10")
                .header("Idempotency-Key", "\"" + key + "\"");
    }

    static Decision claim(IdempotencyGuard guard, FakeRequest request, byte[] body) {
        return guard.open(request).claim(request, body, body.length);
    }

    private static List<String> idempotencyKeys() {
        List<String> keys = new ArrayList<>();
        for (byte[] k : rawConnection.sync().keys("seawall-test:idem:*".getBytes(StandardCharsets.US_ASCII))) {
            keys.add(new String(k, StandardCharsets.US_ASCII));
        }
        return keys;
    }

    @Test
    void aClaimOnOneNodeIsA409OnTheOtherAndItsAnswerIsReplayedThereByteForByte() {
        IdempotencyGuard a = guard(storeA, Duration.ofSeconds(60));
        IdempotencyGuard b = guard(storeB, Duration.ofSeconds(60));

        Decision first = claim(a, post("order-1"), BODY);
        assertThat(first.kind()).isEqualTo(Decision.Kind.RUN);

        Decision meanwhile = claim(b, post("order-1"), BODY);
        assertThat(meanwhile.kind()).isEqualTo(Decision.Kind.REFUSE);
        assertThat(meanwhile.rejection().status()).isEqualTo(409);
        assertThat(meanwhile.rejection().header("Retry-After")).isNotNull();

        Claim claim = first.claim();
        claim.finish(201, SENT, ANSWER, ANSWER.length);
        assertThat(a.counted(IdempotencyGuard.Settled.KEPT)).isEqualTo(1);

        Decision again = claim(b, post("order-1"), BODY);
        assertThat(again.kind()).isEqualTo(Decision.Kind.REPLAY);
        Decision.Replay replay = again.replay();
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.body()).isEqualTo(ANSWER);
        assertThat(replay.headers()).startsWith(SENT.get(0), SENT.get(1), SENT.get(3))
                .contains(new Rejection.Header("Idempotent-Replayed", "true"))
                .noneMatch(h -> h.name().equalsIgnoreCase("Set-Cookie"));
        assertThat(replay.headers()).filteredOn(h -> h.name().equals("Idempotency-Key-Lifetime")).singleElement()
                .satisfies(h -> assertThat(Long.parseLong(h.value())).isBetween(1L, 3600L));

        Decision onA = claim(a, post("order-1"), BODY);
        assertThat(onA.kind()).as("the first node replays too").isEqualTo(Decision.Kind.REPLAY);
        assertThat(onA.replay().body()).isEqualTo(ANSWER);
        assertThat(onA.replay().status()).isEqualTo(201);
    }

    @Test
    void theKeyInRedisHoldsNeitherTheClientsKeyNorItsAddress() {
        IdempotencyGuard a = guard(storeA, Duration.ofSeconds(60));
        assertThat(claim(a, post("order-secret-99"), BODY).kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(idempotencyKeys()).singleElement().satisfies(k -> {
            assertThat(k).matches("seawall-test:idem:api:[0-9a-f]{32}");
            assertThat(k).doesNotContain("order").doesNotContain("192.0.2.10");
        });
    }

    @Test
    void aChangedBodyUnderTheSameKeyIs422OnEitherNode() {
        IdempotencyGuard a = guard(storeA, Duration.ofSeconds(60));
        IdempotencyGuard b = guard(storeB, Duration.ofSeconds(60));
        claim(a, post("order-2"), BODY).claim().finish(201, SENT, ANSWER, ANSWER.length);

        byte[] changed = "{\"amount\":43}".getBytes(StandardCharsets.UTF_8);
        Decision d = claim(b, post("order-2"), changed);
        assertThat(d.kind()).isEqualTo(Decision.Kind.REFUSE);
        assertThat(d.rejection().status()).isEqualTo(422);

        Decision inFlight = claim(b, post("order-3"), BODY);
        assertThat(inFlight.kind()).isEqualTo(Decision.Kind.RUN);
        Decision mismatchWhileRunning = claim(a, post("order-3"), changed);
        assertThat(mismatchWhileRunning.rejection().status()).as("mismatch wins over in progress").isEqualTo(422);
    }

    @Test
    void roundTripsAreTwoForAFirstRunAndOneForAReplayA409OrA422() {
        IdempotencyGuard a = guard(storeA, Duration.ofSeconds(60));
        IdempotencyGuard b = guard(storeB, Duration.ofSeconds(60));
        RedisIdempotencyStore onA = storeA.idempotencyStore();
        RedisIdempotencyStore onB = storeB.idempotencyStore();

        long before = onA.roundTrips();
        Decision first = claim(a, post("order-4"), BODY);
        long afterClaim = onA.roundTrips();

        long b0 = onB.roundTrips();
        assertThat(claim(b, post("order-4"), BODY).rejection().status()).isEqualTo(409);
        assertThat(onB.roundTrips() - b0).as("a 409").isEqualTo(1);

        first.claim().finish(200, SENT, ANSWER, ANSWER.length);
        assertThat(afterClaim - before).as("the claim").isEqualTo(1);
        assertThat(onA.roundTrips() - before).as("a first run: claim and keep the answer").isEqualTo(2);

        long b1 = onB.roundTrips();
        assertThat(claim(b, post("order-4"), BODY).kind()).isEqualTo(Decision.Kind.REPLAY);
        assertThat(onB.roundTrips() - b1).as("a replay").isEqualTo(1);

        long b2 = onB.roundTrips();
        assertThat(claim(b, post("order-4"), "other".getBytes(StandardCharsets.UTF_8)).rejection().status())
                .isEqualTo(422);
        assertThat(onB.roundTrips() - b2).as("a 422").isEqualTo(1);

        long a3 = onA.roundTrips();
        Decision failed = claim(a, post("order-5"), BODY);
        failed.claim().finish(503, SENT, ANSWER, ANSWER.length);
        assertThat(onA.roundTrips() - a3).as("a 5xx is not kept: claim and free").isEqualTo(2);
        assertThat(idempotencyKeys()).hasSize(1);
    }

    @Test
    void aNodeThatDiedMidRequestFreesItsKeyWhenTheLeaseEnds() {
        IdempotencyGuard a = guard(storeA, Duration.ofSeconds(1));
        IdempotencyGuard b = guard(storeB, Duration.ofSeconds(1));

        Decision abandoned = claim(a, post("order-6"), BODY);
        assertThat(abandoned.kind()).isEqualTo(Decision.Kind.RUN); // node A never finishes: it "died"
        long pttl = rawConnection.sync().pttl(idempotencyKeys().get(0).getBytes(StandardCharsets.US_ASCII));
        assertThat(pttl).as("the in-flight record lives for the lease").isBetween(1L, 1000L);

        assertThat(claim(b, post("order-6"), BODY).rejection().status()).isEqualTo(409);

        List<Decision> taken = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
            Decision d = claim(b, post("order-6"), BODY);
            if (d.kind() == Decision.Kind.RUN) {
                taken.add(d);
                return true;
            }
            assertThat(d.rejection().status()).isEqualTo(409);
            return false;
        });
        taken.get(0).claim().finish(201, SENT, ANSWER, ANSWER.length);

        // the dead node's late answer, had it come back, would not overwrite the one kept
        abandoned.claim().finish(201, SENT, "late".getBytes(StandardCharsets.UTF_8), 4);
        assertThat(a.counted(IdempotencyGuard.Settled.LOST)).isEqualTo(1);
        assertThat(claim(a, post("order-6"), BODY).replay().body()).isEqualTo(ANSWER);
    }

    @Test
    void aForeignOrDamagedValueUnderTheKeyIsNeverReplayedNorOverwritten() {
        IdempotencyGuard a = guard(storeA, Duration.ofSeconds(60));
        IdempotencyGuard b = guard(storeB, Duration.ofSeconds(60));
        Decision first = claim(a, post("order-7"), BODY);
        byte[] key = idempotencyKeys().get(0).getBytes(StandardCharsets.US_ASCII);

        List<byte[]> hostile = new ArrayList<>();
        hostile.add("not a record at all".getBytes(StandardCharsets.UTF_8));
        hostile.add(new byte[0]);
        byte[] cutShort = new byte[40]; // an answer's head, then nothing
        cutShort[0] = 'A';
        cutShort[1] = 1;
        hostile.add(cutShort);
        byte[] hugeLength = new byte[48];
        hugeLength[0] = 'A';
        hugeLength[1] = 1;
        for (int i = 34; i < 48; i++) {
            hugeLength[i] = (byte) 0xff;
        }
        hostile.add(hugeLength);
        for (byte[] value : hostile) {
            rawConnection.sync().set(key, value, SetArgs.Builder.px(60_000));
            Decision d = claim(b, post("order-7"), BODY);
            assertThat(d.kind()).isEqualTo(Decision.Kind.REFUSE);
            assertThat(d.rejection().status()).as("treated as in progress").isEqualTo(409);
        }

        rawConnection.sync().del(key);
        rawConnection.sync().hset(key, "f".getBytes(StandardCharsets.UTF_8), BODY);
        rawConnection.sync().pexpire(key, 60_000);
        assertThat(claim(b, post("order-7"), BODY).rejection().status()).as("another type").isEqualTo(409);

        first.claim().finish(201, SENT, ANSWER, ANSWER.length);
        assertThat(a.counted(IdempotencyGuard.Settled.LOST)).as("the foreign key is left alone").isEqualTo(1);
        assertThat(rawConnection.sync().type(key)).isEqualTo("hash");
        assertThat(storeA.up()).isTrue();
        assertThat(storeB.up()).isTrue();
    }
}
