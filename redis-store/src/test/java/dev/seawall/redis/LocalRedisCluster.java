package dev.seawall.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of {@code masters} masters, each with {@code replicas} replicas, on 127.0.0.1, built the way
 * {@code redis-cli --cluster create} does it, through plain commands: each master gets an even share of the 16,384
 * slots ({@code CLUSTER ADDSLOTS}), the first node meets the others ({@code CLUSTER MEET}), each replica follows its
 * master ({@code CLUSTER REPLICATE}), and the cluster is ready once every node reports {@code cluster_state:ok} and
 * knows every node, and every replica is in sync. A master unreachable for 2 s is failed over to its replica. Not
 * thread-safe; one test drives it.
 */
public final class LocalRedisCluster implements AutoCloseable {

    /** Slots of a Redis Cluster. */
    public static final int SLOTS = 16_384;

    private final List<RedisProcess> nodes = new ArrayList<>();
    private final List<RedisProcess> replicas = new ArrayList<>();

    private LocalRedisCluster() {
    }

    /** Starts and joins {@code masters} masters without replicas; waits (at most 30 s) until the cluster is ready. */
    public static LocalRedisCluster start(int masters) {
        return start(masters, 0);
    }

    /** Starts and joins the nodes; waits (at most 30 s) until the cluster is ready. */
    public static LocalRedisCluster start(int masters, int replicasPerMaster) {
        LocalRedisCluster c = new LocalRedisCluster();
        try {
            for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
                RedisProcess p = RedisProcess.start(RedisProcess.freePort(true), false, List.of(
                        "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"));
                (i < masters ? c.nodes : c.replicas).add(p);
            }
            c.join();
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void join() {
        RedisClient admin = RedisClient.create();
        try {
            List<StatefulRedisConnection<String, String>> conns = new ArrayList<>();
            List<RedisProcess> all = new ArrayList<>(nodes);
            all.addAll(replicas);
            for (RedisProcess n : all) {
                conns.add(admin.connect(RedisURI.create("redis://127.0.0.1:" + n.port())));
            }
            int share = SLOTS / nodes.size();
            for (int i = 0; i < nodes.size(); i++) {
                int from = i * share;
                int to = i == nodes.size() - 1 ? SLOTS : from + share;
                int[] slots = new int[to - from];
                for (int s = 0; s < slots.length; s++) {
                    slots[s] = from + s;
                }
                conns.get(i).sync().clusterAddSlots(slots);
            }
            for (int i = 1; i < all.size(); i++) {
                conns.get(0).sync().clusterMeet("127.0.0.1", all.get(i).port());
            }
            await("every node known").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                    conns.stream().allMatch(c -> c.sync().clusterInfo().contains("cluster_known_nodes:" + all.size()
                            + "\r")));
            for (int r = 0; r < replicas.size(); r++) {
                String master = conns.get(r % nodes.size()).sync().clusterMyId();
                conns.get(nodes.size() + r).sync().clusterReplicate(master);
            }
            await("cluster ready").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                    conns.stream().allMatch(c -> {
                        String info = c.sync().clusterInfo();
                        return info.contains("cluster_state:ok")
                                && info.contains("cluster_known_nodes:" + all.size() + "\r")
                                && info.contains("cluster_slots_ok:" + SLOTS);
                    }) && conns.subList(nodes.size(), all.size()).stream().allMatch(c ->
                            c.sync().info("replication").contains("master_link_status:up")));
            conns.forEach(StatefulRedisConnection::close);
        } finally {
            admin.shutdown();
        }
    }

    /** @return {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...}: every node as a seed */
    public String uri() {
        return "redis-cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port())
                .collect(Collectors.joining(","));
    }

    /** @return the masters as started, in the order of their slot ranges */
    public List<RedisProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** @return the replicas as started: replica {@code i} follows master {@code i % masters} */
    public List<RedisProcess> replicas() {
        return List.copyOf(replicas);
    }

    @Override
    public void close() {
        nodes.forEach(RedisProcess::close);
        replicas.forEach(RedisProcess::close);
    }
}
