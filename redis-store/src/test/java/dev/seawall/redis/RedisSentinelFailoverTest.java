package dev.seawall.redis;

import dev.seawall.core.idempotency.IdempotencyStore;
import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Chain;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.testing.FakeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store through Redis Sentinel ({@link LocalRedisSentinels}: a master, a replica, three sentinels), two
 * stores standing for two nodes: exact shared counting through the sentinels, then the master killed in the middle
 * of a run. Every decision during the switch gets an answer ({@code on-failure: local}: nothing throws, so nothing
 * can become a 5xx), the sentinels promote the replica, both stores find it by themselves, and exact counting
 * resumes on it. Once at the store, once through two engines answering requests (statuses counted: only 200 and 429).
 */
class RedisSentinelFailoverTest {

    private LocalRedisSentinels sentinels;

    @BeforeEach
    void startSentinels() {
        sentinels = LocalRedisSentinels.start();
    }

    @AfterEach
    void stopSentinels() {
        sentinels.close();
    }

    private static BucketSpec spec(String limit) {
        return new BucketSpec("api", limit, "default", List.of(new Rate(10, Duration.ofHours(1))), 10_000,
                NanoClock.system());
    }

    private static long exactlyShared(BucketStore.Buckets a, BucketStore.Buckets b, long firstKey) {
        long admitted = 0;
        for (int i = 0; i < 15; i++) {
            for (long k = firstKey; k < firstKey + 20; k++) {
                admitted += (i % 2 == 0 ? a : b).tryConsumeOne(k).isConsumed() ? 1 : 0;
            }
        }
        return admitted;
    }

    private static double ok(MeterRegistry r) {
        return r.get("seawall.store.calls").tag("outcome", "ok").counter().count();
    }

    private static double failed(MeterRegistry r) {
        return r.get("seawall.store.calls").tag("outcome", "error").counter().count()
                + r.get("seawall.store.calls").tag("outcome", "timeout").counter().count()
                + r.get("seawall.store.calls").tag("outcome", "skipped").counter().count();
    }

    @Test
    void aMasterKilledMidRunIsFailedOverWithoutErrorsAndExactCountingResumes() {
        MeterRegistry ra = new SimpleMeterRegistry();
        MeterRegistry rb = new SimpleMeterRegistry();
        // a generous timeout, so that a loaded machine does not turn a slow answer into a local decision and the
        // exact counts before and after stay exact; a killed master costs no timeout (its connection drops at once)
        RedisStoreSettings settings = new RedisStoreSettings(sentinels.uri(), "seawall-test:", Duration.ofSeconds(1),
                RedisStoreSettings.OnFailure.LOCAL, 2, RedisTestSupport.SALT, Duration.ofMillis(500), 3, "script",
                "none");
        try (RedisBucketStore storeA = new RedisBucketStore(settings, NanoClock.system(), ra, false);
             RedisBucketStore storeB = new RedisBucketStore(settings, NanoClock.system(), rb, false)) {
            assertThat(storeA.up()).isTrue();
            assertThat(storeA.describe()).startsWith("redis redis-sentinel://127.0.0.1:").contains("#seawall (up)");
            BucketStore.Buckets a = storeA.buckets(spec("per-key"));
            BucketStore.Buckets b = storeB.buckets(spec("per-key"));
            assertThat(exactlyShared(a, b, 0)).as("through the sentinels, before").isEqualTo(10 * 20);

            // a subscriber made before the failover hears a message published after it: the connector's pub/sub
            // connection finds the new master through the sentinels and Lettuce subscribes again
            List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            var sub = storeB.connector().pubSub(io.lettuce.core.codec.StringCodec.UTF8);
            sub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    heard.add(message);
                }
            });
            sub.sync().subscribe("seawall-test:events");
            IdempotencyStore idemA = storeA.idempotencyStore();
            IdempotencyStore idemB = storeB.idempotencyStore();
            byte[] lock = "lock".getBytes(StandardCharsets.US_ASCII);
            List<Throwable> unexpected = new ArrayList<>();
            long[] decisions = {0};
            long[] idempotencyUnavailable = {0};
            long[] key = {1_000};

            sentinels.master().kill();
            // the run goes on: every poll makes decisions on both nodes while the sentinels fail over
            await("failover and both nodes deciding through Redis again").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20)).until(() -> {
                        for (BucketStore.Buckets node : List.of(a, b)) {
                            try {
                                node.tryConsumeOne(key[0]++ % 50).isConsumed();
                                decisions[0]++;
                            } catch (RuntimeException e) {
                                unexpected.add(e);
                            }
                        }
                        try {
                            idemA.putIfAbsent("api:" + Long.toHexString(key[0]) + "0123456789abcdef0123456789ab",
                                    lock, 60_000);
                        } catch (IdempotencyStore.StoreUnavailableException e) {
                            idempotencyUnavailable[0]++; // the core follows on-failure: no 5xx
                        } catch (RuntimeException e) {
                            unexpected.add(e);
                        }
                        return sentinels.reportedMaster() instanceof InetSocketAddress m
                                && m.getPort() == sentinels.replica().port() && failed(ra) > 0;
                    });
            double okA = ok(ra);
            double okB = ok(rb);
            await("both nodes back on Redis").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        a.tryConsumeOne(-1L);
                        b.tryConsumeOne(-1L);
                        return storeA.up() && storeB.up() && ok(ra) > okA && ok(rb) > okB;
                    });
            assertThat(unexpected).as("nothing thrown while Redis failed over").isEmpty();
            assertThat(decisions[0]).isPositive();
            assertThat(failed(ra) + failed(rb)).as("decisions followed on-failure during the switch").isPositive();

            assertThat(exactlyShared(a, b, 10_000)).as("on the promoted replica, after").isEqualTo(10 * 20);
            var pub = storeA.connector().pubSub(io.lettuce.core.codec.StringCodec.UTF8);
            try {
                await("a message after the failover").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50)).until(() -> {
                            pub.sync().publish("seawall-test:events", "after");
                            return heard.contains("after");
                        });
            } finally {
                pub.close();
                sub.close();
            }
            String k = "api:ffffffff0123456789abcdef01234567";
            assertThat(idemA.putIfAbsent(k, lock, 60_000)).isNull();
            assertThat(idemB.putIfAbsent(k, lock, 60_000)).isNotNull();
        }
    }

    /** The same failover through two engines: every request is admitted or refused with 429, none gets a 5xx. */
    @Test
    void requestsThroughTwoEnginesGetOnly200Or429WhileTheMasterIsReplaced() {
        String yaml = "store:\n  type: redis\n  uri: " + sentinels.uri() + "\n  key-salt: " + RedisTestSupport.SALT
                + "\n  timeout: 1s\n  on-failure: local\n  nodes: 2\n  backoff: 500ms\n"
                + "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n      - by: ip\n"
                + "        limit: 10/1h\n";
        MeterRegistry ra = new SimpleMeterRegistry();
        MeterRegistry rb = new SimpleMeterRegistry();
        try (Seawall a = Seawall.builder().meterRegistry(ra).yaml("seawall.yaml", yaml).build();
             Seawall b = Seawall.builder().meterRegistry(rb).yaml("seawall.yaml", yaml).build()) {
            Chain[] nodes = {a.match("GET", "/api/x").chain(), b.match("GET", "/api/x").chain()};
            Map<Integer, Integer> statuses = new TreeMap<>();
            assertThat(exactlyShared(nodes, 0, statuses)).as("before").isEqualTo(10 * 20);
            int[] ip = {100};
            sentinels.master().kill();
            await("failover").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
                for (Chain node : nodes) {
                    status(node, "10.0.1." + (ip[0]++ % 100), statuses);
                }
                return sentinels.reportedMaster() instanceof InetSocketAddress m
                        && m.getPort() == sentinels.replica().port() && failed(ra) > 0;
            });
            double okA = ok(ra);
            double okB = ok(rb);
            await("both engines back on Redis").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        for (Chain node : nodes) {
                            status(node, "10.0.2.1", statuses);
                        }
                        return ok(ra) > okA && ok(rb) > okB;
                    });
            assertThat(statuses.keySet()).as("statuses of every request, before, during and after").containsOnly(200,
                    429);
            assertThat(exactlyShared(nodes, 1, statuses)).as("after, on the promoted replica").isEqualTo(10 * 20);
        }
    }

    private static long exactlyShared(Chain[] nodes, int block, Map<Integer, Integer> statuses) {
        long admitted = 0;
        for (int i = 0; i < 15; i++) {
            for (int k = 0; k < 20; k++) {
                admitted += status(nodes[i % 2], "10.9." + block + "." + k, statuses) == 200 ? 1 : 0;
            }
        }
        return admitted;
    }

    private static int status(Chain node, String ip, Map<Integer, Integer> statuses) {
        long now = System.nanoTime();
        Exchange e = node.admit(FakeRequest.get("/api/x").from(ip), now);
        int status;
        if (e.admitted()) {
            e.complete(new Outcome(200, null, now, now, false));
            status = 200;
        } else {
            status = e.rejection().status();
        }
        statuses.merge(status, 1, Integer::sum);
        return status;
    }
}
