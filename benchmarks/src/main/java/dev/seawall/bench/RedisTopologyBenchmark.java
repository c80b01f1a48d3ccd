package dev.seawall.bench;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Chain;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.redis.LocalRedisCluster;
import dev.seawall.redis.LocalRedisSentinels;
import dev.seawall.redis.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rate-limit decisions through the Redis store on the three Redis deployments it serves, in one run on loopback: one
 * Redis, a 3-master Redis Cluster, and a master with a replica behind three sentinels, all real {@code redis-server}
 * processes (the embedded-redis jar's binary) on the same machine. {@code threads} threads decide through the engine
 * (policy match, chain, bucket, settlement) for 10,000 clients, {@code seconds} per setup, in alternating rounds after
 * a discarded warm-up round; each topology runs a policy with one shared limit (by IP) and one with two (by IP and by
 * API key). Reported: medians of decisions/s and per-decision p50/p99, and round trips per decision: the script calls
 * ({@code EVALSHA}, {@code EVAL}) the data nodes' {@code INFO commandstats} counted, summed over the cluster's masters
 * (a replica's replicated writes are not calls of the store).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.seawall.bench.RedisTopologyBenchmark [rounds] [seconds] [threads]}.
 * Not thread-safe; a main program.
 */
public final class RedisTopologyBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisTopologyBenchmark.class);
    private static final String[] TOPOLOGIES = {"standalone", "cluster-3-masters", "sentinel"};
    private static final int[] LIMITS = {1, 2};

    private RedisTopologyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        RedisClient admin = RedisClient.create();
        try (RedisProcess single = RedisProcess.start(RedisProcess.freePort(false), false, List.of());
             LocalRedisCluster cluster = LocalRedisCluster.start(3);
             LocalRedisSentinels sentinels = LocalRedisSentinels.start()) {
            Map<String, String> uris = Map.of("standalone", "redis://127.0.0.1:" + single.port(),
                    "cluster-3-masters", cluster.uri(), "sentinel", sentinels.uri());
            Map<String, List<Integer>> dataNodes = Map.of("standalone", List.of(single.port()),
                    "cluster-3-masters", cluster.nodes().stream().map(RedisProcess::port).toList(),
                    "sentinel", List.of(sentinels.master().port()));
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int round = 0; round <= rounds; round++) {
                for (String topology : TOPOLOGIES) {
                    for (int limits : LIMITS) {
                        String setup = topology + ", " + limits + (limits == 1 ? " limit" : " limits");
                        double[] r = throughput(uris.get(topology), limits, seconds, threads, admin,
                                dataNodes.get(topology));
                        if (round > 0) { // round 0 is the warm-up
                            results.computeIfAbsent(setup, k -> new ArrayList<>()).add(r);
                        }
                        LOG.info(String.format(Locale.ROOT, "round %d %-28s %,10.0f decisions/s  p50 %6.1f us"
                                + "  p99 %7.1f us  %.3f round trips per decision", round, setup, r[0], r[1], r[2],
                                r[3]));
                    }
                }
            }
            StringBuilder md = new StringBuilder("\n| topology, shared limits per decision | decisions/s (median)"
                    + " | p50 (us) | p99 (us) | round trips per decision |\n|---|---|---|---|---|\n");
            results.forEach((setup, r) -> md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f | %.1f | %.3f |%n",
                    setup, median(r, 0), median(r, 1), median(r, 2), median(r, 3))));
            LOG.info("{}", md);
        } finally {
            admin.shutdown();
        }
    }

    private static String yaml(String uri, int limits) {
        return "store:\n  type: redis\n  uri: " + uri + "\n  key-salt: benchmark-salt-0123456789\n"
                + "  timeout: 1s\n  on-failure: deny\n"
                + "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n"
                + "      - {by: ip, limit: 1000000000/1h, max-keys: 100000}\n"
                + (limits > 1 ? "      - {by: api-key, limit: 1000000000/1h, max-keys: 100000}\n" : "");
    }

    /** @return {decisions/s, p50 us, p99 us, round trips per decision} */
    private static double[] throughput(String uri, int limits, int seconds, int threads, RedisClient admin,
                                       List<Integer> dataNodes) throws Exception {
        try (Seawall engine = Seawall.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("seawall.yaml", yaml(uri, limits)).build()) {
            Chain chain = engine.match("GET", "/api/x").chain();
            BenchRequest[] requests = new BenchRequest[10_000];
            for (int i = 0; i < requests.length; i++) {
                requests[i] = new BenchRequest("GET", "/api/x", "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "."
                        + (i & 255), "key-" + i, null, null);
            }
            for (int port : dataNodes) {
                try (StatefulRedisConnection<String, String> c = admin.connect(RedisURI.create("redis://127.0.0.1:"
                        + port))) {
                    c.sync().configResetstat();
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong decisions = new AtomicLong();
            long[][] samples = new long[threads][];
            int[] counts = new int[threads];
            CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                int id = t;
                samples[t] = new long[1_000_000];
                Thread w = new Thread(() -> {
                    long n = 0;
                    int k = id * 997;
                    int count = 0;
                    while (!stop.get()) {
                        BenchRequest r = requests[k++ % requests.length];
                        long start = System.nanoTime();
                        Exchange e = chain.admit(r, start);
                        if (e.admitted()) {
                            e.complete(new Outcome(200, null, start, start, false));
                        }
                        if (count < samples[id].length) {
                            samples[id][count++] = System.nanoTime() - start;
                        }
                        n++;
                    }
                    counts[id] = count;
                    decisions.addAndGet(n);
                    done.countDown();
                });
                w.start();
            }
            long begin = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            stop.set(true);
            done.await();
            double elapsed = (System.nanoTime() - begin) / 1e9;
            long[] all = new long[Arrays.stream(counts).sum()];
            int at = 0;
            for (int t = 0; t < threads; t++) {
                System.arraycopy(samples[t], 0, all, at, counts[t]);
                at += counts[t];
            }
            Arrays.sort(all);
            long scripts = 0;
            for (int port : dataNodes) {
                try (StatefulRedisConnection<String, String> c = admin.connect(RedisURI.create("redis://127.0.0.1:"
                        + port))) {
                    scripts += scriptCalls(c.sync().info("commandstats"));
                }
            }
            long d = Math.max(1, decisions.get());
            return new double[] {d / elapsed, all.length == 0 ? 0 : all[all.length / 2] / 1000.0,
                    all.length == 0 ? 0 : all[(int) (all.length * 0.99)] / 1000.0, (double) scripts / d};
        }
    }

    private static long scriptCalls(String commandstats) {
        long calls = 0;
        for (String line : commandstats.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                int c = line.indexOf("calls=") + 6;
                calls += Long.parseLong(line.substring(c, line.indexOf(',', c)));
            }
        }
        return calls;
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length == 0 ? 0 : v[v.length / 2];
    }
}
