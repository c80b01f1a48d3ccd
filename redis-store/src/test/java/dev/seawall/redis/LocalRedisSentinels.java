package dev.seawall.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A master, one replica and three sentinels (quorum 2) on 127.0.0.1, watching the master {@value #MASTER}; a master
 * unreachable for one second is failed over. {@link #start()} returns once the replica is in sync and every sentinel
 * knows the replica and the two other sentinels, so that a failover can be elected. Not thread-safe; one test drives
 * it.
 */
public final class LocalRedisSentinels implements AutoCloseable {

    /** The name the sentinels monitor. */
    public static final String MASTER = "seawall";

    private final List<RedisProcess> sentinels = new ArrayList<>();
    private RedisProcess master;
    private RedisProcess replica;

    private LocalRedisSentinels() {
    }

    /** Starts the set; waits (at most 60 s) until a failover could happen. */
    public static LocalRedisSentinels start() {
        LocalRedisSentinels s = new LocalRedisSentinels();
        try {
            s.master = RedisProcess.start(RedisProcess.freePort(false), false, List.of());
            s.replica = RedisProcess.start(RedisProcess.freePort(false), false,
                    List.of("replicaof 127.0.0.1 " + s.master.port()));
            for (int i = 0; i < 3; i++) {
                s.sentinels.add(RedisProcess.start(RedisProcess.freePort(false), true, List.of(
                        "sentinel monitor " + MASTER + " 127.0.0.1 " + s.master.port() + " 2",
                        "sentinel down-after-milliseconds " + MASTER + " 1000",
                        "sentinel failover-timeout " + MASTER + " 4000")));
            }
            s.awaitReady();
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void awaitReady() {
        RedisClient admin = RedisClient.create();
        try (StatefulRedisConnection<String, String> r = admin.connect(RedisURI.create("redis://127.0.0.1:"
                + replica.port()))) {
            await("replica in sync").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> r.sync().info("replication").contains("master_link_status:up"));
            List<StatefulRedisSentinelConnection<String, String>> conns = new ArrayList<>();
            for (RedisProcess s : sentinels) {
                conns.add(admin.connectSentinel(RedisURI.create("redis://127.0.0.1:" + s.port())));
            }
            // sentinels find the replica through the master's INFO and each other through its hello channel
            await("sentinels ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    conns.stream().allMatch(c -> c.sync().info("sentinel").contains("status=ok,address=127.0.0.1:"
                            + master.port() + ",slaves=1,sentinels=3")));
            conns.forEach(StatefulRedisSentinelConnection::close);
        } finally {
            admin.shutdown();
        }
    }

    /** @return {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#seawall} */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(n -> "127.0.0.1:" + n.port())
                .collect(Collectors.joining(",")) + "#" + MASTER;
    }

    public RedisProcess master() {
        return master;
    }

    public RedisProcess replica() {
        return replica;
    }

    /** @return the master's address as the first sentinel reports it now */
    public SocketAddress reportedMaster() {
        RedisClient admin = RedisClient.create();
        try (StatefulRedisSentinelConnection<String, String> c = admin.connectSentinel(
                RedisURI.create("redis://127.0.0.1:" + sentinels.get(0).port()))) {
            return c.sync().getMasterAddrByName(MASTER);
        } finally {
            admin.shutdown();
        }
    }

    @Override
    public void close() {
        sentinels.forEach(RedisProcess::close);
        if (replica != null) {
            replica.close();
        }
        if (master != null) {
            master.close();
        }
    }
}
