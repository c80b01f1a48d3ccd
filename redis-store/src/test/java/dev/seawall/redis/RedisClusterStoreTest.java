package dev.seawall.redis;

import dev.seawall.core.idempotency.IdempotencyStore;
import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis store on a real 3-master Redis Cluster ({@link LocalRedisCluster}), two stores standing for two nodes:
 * shared counting stays exact with the keys spread over every master, each decision is one round trip to the node
 * owning its key, and idempotency keys are shared the same way.
 */
class RedisClusterStoreTest {

    private static LocalRedisCluster cluster;
    private static RedisClient admin;
    private final List<RedisBucketStore> stores = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = LocalRedisCluster.start(3);
        admin = RedisClient.create();
    }

    @AfterAll
    static void stopCluster() {
        admin.shutdown();
        cluster.close();
    }

    @BeforeEach
    void emptyNodes() {
        forEachNode(c -> {
            c.sync().flushall();
            c.sync().configResetstat();
        });
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisBucketStore::close);
    }

    private RedisBucketStore store(String uri, String engine) {
        // a generous timeout: on a loaded machine a slow answer would be a denial, and these tests count exactly
        RedisBucketStore s = new RedisBucketStore(new RedisStoreSettings(uri, "seawall-test:", Duration.ofSeconds(3),
                RedisStoreSettings.OnFailure.DENY, 2, RedisTestSupport.SALT, Duration.ofSeconds(2), 3, engine, "none"),
                NanoClock.system(), new SimpleMeterRegistry(), false);
        stores.add(s);
        return s;
    }

    private static BucketSpec spec(String limit, long tokens) {
        return new BucketSpec("api", limit, "default", List.of(new Rate(tokens, Duration.ofHours(1))), 10_000,
                NanoClock.system());
    }

    @Test
    void twoNodesShareExactBudgetsWithKeysOnEveryMaster() throws Exception {
        BucketStore.Buckets a = store(cluster.uri(), "script").buckets(spec("per-key", 20));
        BucketStore.Buckets b = store(cluster.uri(), "script").buckets(spec("per-key", 20));
        assertThat(stores.get(0).up()).isTrue();
        int keys = 60;
        int triesPerThread = 15;
        AtomicLong admitted = new AtomicLong();
        AtomicLong decisions = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                BucketStore.Buckets node = t % 2 == 0 ? a : b;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < triesPerThread; i++) {
                        for (long k = 0; k < keys; k++) {
                            ConsumptionProbe p = node.tryConsumeOne(k * 7_919);
                            decisions.incrementAndGet();
                            if (p.isConsumed()) {
                                admitted.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(decisions.get()).isEqualTo(4L * triesPerThread * keys);
        assertThat(admitted.get()).as("20 per key across both nodes, exactly").isEqualTo(20L * keys);
        List<Long> perNode = new ArrayList<>();
        forEachNode(c -> perNode.add(c.sync().dbsize()));
        assertThat(perNode).as("keys per master").allMatch(n -> n > 0).hasSize(3);
        assertThat(perNode.stream().mapToLong(Long::longValue).sum()).isEqualTo(keys);
        // one script call per decision, on the node owning the key; at most one resend per node after NOSCRIPT
        long scripts = scriptCalls();
        assertThat(scripts).isBetween(decisions.get(), decisions.get() + 3);
    }

    @Test
    void aDeniedDecisionTakesNothingAndEveryNodeSeesTheSameBucket() {
        BucketStore.Buckets a = store(cluster.uri(), "script").buckets(spec("cost", 5));
        BucketStore.Buckets b = store(cluster.uri(), "script").buckets(spec("cost", 5));
        assertThat(a.tryConsume(42L, 3).isConsumed()).isTrue();
        assertThat(b.tryConsume(42L, 3).isConsumed()).isFalse();
        ConsumptionProbe last = b.tryConsume(42L, 2);
        assertThat(last.isConsumed()).isTrue();
        assertThat(last.getRemainingTokens()).isZero();
        a.refund(42L, 1);
        assertThat(b.tryConsumeOne(42L).isConsumed()).isTrue();
        assertThat(a.tryConsumeOne(42L).isConsumed()).isFalse();
    }

    @Test
    void bucket4jEngineCountsExactlyOnTheClusterToo() {
        BucketStore.Buckets a = store(cluster.uri(), "bucket4j").buckets(spec("b4j", 10));
        BucketStore.Buckets b = store(cluster.uri(), "bucket4j").buckets(spec("b4j", 10));
        int admitted = 0;
        for (int i = 0; i < 15; i++) {
            for (long k = 0; k < 12; k++) {
                admitted += (i % 2 == 0 ? a : b).tryConsumeOne(k * 104_729).isConsumed() ? 1 : 0;
            }
        }
        assertThat(admitted).isEqualTo(10 * 12);
        List<Long> perNode = new ArrayList<>();
        forEachNode(c -> perNode.add(c.sync().dbsize()));
        assertThat(perNode).allMatch(n -> n > 0);
    }

    @Test
    void idempotencyKeysAreSharedOnTheCluster() {
        IdempotencyStore a = store(cluster.uri(), "script").idempotencyStore();
        IdempotencyStore b = store(cluster.uri(), "script").idempotencyStore();
        byte[] lock = "in-flight".getBytes(StandardCharsets.US_ASCII);
        byte[] answer = "answer".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 30; i++) {
            String key = "api:" + HexFormat.of().formatHex(new byte[] {(byte) i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                    13, 14, (byte) (i * 31)});
            assertThat(a.putIfAbsent(key, lock, 60_000)).isNull();
            IdempotencyStore.Present held = b.putIfAbsent(key, answer, 60_000);
            assertThat(held).isNotNull();
            assertThat(held.value()).isEqualTo(lock);
            assertThat(b.replace(key, answer, answer, 60_000)).as("only the holder's record is replaced").isFalse();
            assertThat(a.replace(key, lock, answer, 60_000)).isTrue();
            assertThat(b.putIfAbsent(key, lock, 60_000).value()).isEqualTo(answer);
            if (i % 2 == 0) {
                assertThat(b.remove(key, answer)).isTrue();
                assertThat(a.putIfAbsent(key, lock, 60_000)).isNull();
            }
        }
        List<Long> perNode = new ArrayList<>();
        forEachNode(c -> perNode.add(c.sync().dbsize()));
        assertThat(perNode).as("idempotency keys per master").allMatch(n -> n > 0);
        assertThat(((RedisIdempotencyStore) a).roundTrips() + ((RedisIdempotencyStore) b).roundTrips())
                .as("one round trip per operation, at most one resend per script and node")
                .isBetween(30L * 5 + 15 * 2, 30L * 5 + 15 * 2 + 3 * 3 * 2);
    }

    @Test
    void aDeadSeedIsSkippedWhileAnotherAnswers() {
        String uri = "redis-cluster://127.0.0.1:" + RedisProcess.freePort(false) + ",127.0.0.1:"
                + cluster.nodes().get(1).port();
        RedisBucketStore s = store(uri, "script");
        assertThat(s.up()).isTrue();
        assertThat(s.buckets(spec("seed", 1)).tryConsumeOne(1L).isConsumed()).isTrue();
        assertThat(s.describe()).startsWith("redis redis-cluster://127.0.0.1:").endsWith("(up)");
    }

    @Test
    void publishedMessagesReachSubscribersOfAnotherStoreOnTheCluster() {
        RedisBucketStore a = store(cluster.uri(), "script");
        RedisBucketStore b = store(cluster.uri(), "script");
        assertThat(a.connector().topology()).isEqualTo(RedisConnector.Topology.CLUSTER);
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        var sub = b.connector().pubSub(io.lettuce.core.codec.StringCodec.UTF8);
        var pub = a.connector().pubSub(io.lettuce.core.codec.StringCodec.UTF8);
        try {
            sub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.add(channel + "=" + message);
                }
            });
            sub.sync().subscribe("seawall-test:breaker");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        pub.sync().publish("seawall-test:breaker", "open");
                        return !received.isEmpty();
                    });
            assertThat(received).first().isEqualTo("seawall-test:breaker=open");
        } finally {
            sub.close();
            pub.close();
        }
    }

    /** @return script calls (EVALSHA and EVAL) over every node since the last reset */
    private static long scriptCalls() {
        AtomicLong calls = new AtomicLong();
        forEachNode(c -> {
            for (String line : c.sync().info("commandstats").split("\r?\n")) {
                if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                    int at = line.indexOf("calls=") + 6;
                    calls.addAndGet(Long.parseLong(line.substring(at, line.indexOf(',', at))));
                }
            }
        });
        return calls.get();
    }

    private static void forEachNode(java.util.function.Consumer<StatefulRedisConnection<String, String>> action) {
        for (RedisProcess n : cluster.nodes()) {
            try (StatefulRedisConnection<String, String> c = admin.connect(RedisURI.create("redis://127.0.0.1:"
                    + n.port()))) {
                action.accept(c);
            }
        }
    }
}
