package dev.seawall.redis;

import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.NanoClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster master killed in the middle of a run ({@link LocalRedisCluster} with 3 masters and a replica each):
 * while its slots are uncovered decisions follow {@code on-failure} (nothing throws), the cluster promotes its
 * replica, the stores' topology refresh finds it (Lettuce's adaptive triggers), and exact shared counting resumes
 * for keys of every slot.
 */
class RedisClusterFailoverTest {

    private static BucketSpec spec(String limit) {
        return new BucketSpec("api", limit, "default", List.of(new Rate(10, Duration.ofHours(1))), 10_000,
                NanoClock.system());
    }

    private static long exactlyShared(BucketStore.Buckets a, BucketStore.Buckets b, long firstKey) {
        long admitted = 0;
        for (int i = 0; i < 15; i++) {
            for (long k = firstKey; k < firstKey + 30; k++) {
                admitted += (i % 2 == 0 ? a : b).tryConsumeOne(k * 7_919).isConsumed() ? 1 : 0;
            }
        }
        return admitted;
    }

    private static double count(MeterRegistry r, String outcome) {
        return r.get("seawall.store.calls").tag("outcome", outcome).counter().count();
    }

    private static double failures(MeterRegistry r) {
        return count(r, "error") + count(r, "timeout") + count(r, "skipped");
    }

    @Test
    void aMasterKilledMidRunIsReplacedByItsReplicaAndExactCountingResumes() {
        try (LocalRedisCluster cluster = LocalRedisCluster.start(3, 1)) {
            MeterRegistry ra = new SimpleMeterRegistry();
            MeterRegistry rb = new SimpleMeterRegistry();
            RedisStoreSettings settings = new RedisStoreSettings(cluster.uri(), "seawall-test:", Duration.ofSeconds(1),
                    RedisStoreSettings.OnFailure.LOCAL, 2, RedisTestSupport.SALT, Duration.ofMillis(500), 3, "script",
                    "none");
            try (RedisBucketStore storeA = new RedisBucketStore(settings, NanoClock.system(), ra, false);
                 RedisBucketStore storeB = new RedisBucketStore(settings, NanoClock.system(), rb, false)) {
                BucketStore.Buckets a = storeA.buckets(spec("per-key"));
                BucketStore.Buckets b = storeB.buckets(spec("per-key"));
                assertThat(exactlyShared(a, b, 0)).as("before").isEqualTo(10 * 30);

                List<Throwable> unexpected = new ArrayList<>();
                long[] key = {1_000};
                RedisProcess promoted = cluster.replicas().get(0);
                cluster.nodes().get(0).kill();
                await("replica promoted, decisions followed on-failure").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(20)).until(() -> {
                            decide(a, b, key, unexpected);
                            return isMaster(promoted) && failures(ra) > 0 && failures(rb) > 0;
                        });
                await("every slot served again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            double before = failures(ra) + failures(rb);
                            for (int i = 0; i < 10; i++) {
                                decide(a, b, key, unexpected);
                            }
                            return failures(ra) + failures(rb) == before && storeA.up() && storeB.up();
                        });
                assertThat(unexpected).as("nothing thrown while the cluster failed over").isEmpty();
                assertThat(exactlyShared(a, b, 100_000)).as("after, keys of every slot").isEqualTo(10 * 30);
            }
        }
    }

    /** Keys spread over every slot: some belong to the killed master. */
    private static void decide(BucketStore.Buckets a, BucketStore.Buckets b, long[] key, List<Throwable> unexpected) {
        for (BucketStore.Buckets node : List.of(a, b)) {
            try {
                node.tryConsumeOne((key[0]++ % 30) * 7_919);
            } catch (RuntimeException e) {
                unexpected.add(e);
            }
        }
    }

    private static boolean isMaster(RedisProcess node) {
        RedisClient admin = RedisClient.create();
        try (StatefulRedisConnection<String, String> c = admin.connect(RedisURI.create("redis://127.0.0.1:"
                + node.port()))) {
            return c.sync().info("replication").contains("role:master");
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
