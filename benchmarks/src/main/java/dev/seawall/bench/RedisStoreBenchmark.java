package dev.seawall.bench;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Chain;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rate-limit decisions with the Redis store against the local store, in one run on loopback:
 * <ol>
 *   <li><b>Throughput and latency.</b> {@code threads} threads make decisions through the engine (policy match,
 *       chain, bucket, settlement) for 10,000 client addresses, each setup for {@code seconds} per round, in
 *       alternating rounds (local, script, bucket4j, bucket4j+batching, bucket4j+delaying, repeated) after a
 *       discarded warm-up round; medians of decisions/s and of per-decision p50/p99, and Redis commands per decision
 *       from {@code INFO commandstats}.</li>
 *   <li><b>Accuracy.</b> Two engines ("nodes") share one Redis; 8 threads hammer 50 keys limited to 100 per hour
 *       each; admitted / allowed shows what each engine and optimisation over-admits.</li>
 * </ol>
 * Usage: {@code java -cp benchmarks.jar dev.seawall.bench.RedisStoreBenchmark [rounds] [seconds] [threads]}.
 * Not thread-safe; a main program.
 */
public final class RedisStoreBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisStoreBenchmark.class);

    private static final String[] SETUPS = {"local", "script", "bucket4j", "bucket4j-batching", "bucket4j-delaying"};

    private RedisStoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        redis.start();
        RedisClient admin = RedisClient.create("redis://127.0.0.1:" + port);
        try (StatefulRedisConnection<String, String> stats = admin.connect()) {
            String uri = "redis://127.0.0.1:" + port;
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (String s : SETUPS) {
                results.put(s, new ArrayList<>());
            }
            for (int round = 0; round <= rounds; round++) {
                for (String setup : SETUPS) {
                    double[] r = throughput(setup, uri, seconds, threads, stats);
                    if (round > 0) { // round 0 is the warm-up
                        results.get(setup).add(r);
                    }
                    LOG.info(String.format(java.util.Locale.ROOT, "round %d %-18s %,10.0f decisions/s  p50 %6.1f us"
                            + "  p99 %7.1f us  %.2f commands, %.2f round trips per decision", round, setup, r[0], r[1],
                            r[2], r[3], r[4]));
                }
            }
            StringBuilder md = new StringBuilder("\n| setup | decisions/s (median) | ratio to local | p50 (us) |"
                    + " p99 (us) | round trips per decision | commands Redis ran per decision |\n|---|---|---|---|---|---|---|\n");
            double local = median(results.get("local"), 0);
            for (String setup : SETUPS) {
                List<double[]> r = results.get(setup);
                md.append(String.format(java.util.Locale.ROOT, "| %s | %,.0f | %.3f | %.1f | %.1f | %.2f | %.2f |%n",
                        setup, median(r, 0), median(r, 0) / local, median(r, 1), median(r, 2), median(r, 4),
                        median(r, 3)));
            }
            md.append("\n| setup (two nodes, 50 keys x 100/1h) | admitted | allowed | over-admission |\n|---|---|---|---|\n");
            for (String setup : SETUPS) {
                if (setup.equals("local")) {
                    continue;
                }
                stats.sync().flushall();
                long admitted = accuracy(setup, uri);
                md.append(String.format(java.util.Locale.ROOT, "| %s | %d | %d | %+.1f%% |%n", setup, admitted, 5000,
                        (admitted - 5000) * 100.0 / 5000));
            }
            LOG.info("{}", md);
        } finally {
            admin.shutdown();
            redis.stop();
        }
    }

    private static String yaml(String setup, String uri, String limit) {
        String store = "";
        if (!setup.equals("local")) {
            String engine = setup.startsWith("bucket4j") ? "bucket4j" : "script";
            String optimization = setup.contains("-") ? setup.substring(setup.indexOf('-') + 1) : "none";
            store = "store:\n  type: redis\n  uri: " + uri + "\n  key-salt: benchmark-salt-0123456789\n"
                    + "  timeout: 1s\n  on-failure: deny\n  engine: " + engine + "\n"
                    + (engine.equals("bucket4j") ? "  optimization: " + optimization + "\n" : "");
        }
        return store + "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n      - by: ip\n"
                + "        limit: " + limit + "\n        max-keys: 100000\n";
    }

    /** @return {decisions/s, p50 us, p99 us, Redis commands per decision, round trips per decision} */
    private static double[] throughput(String setup, String uri, int seconds, int threads,
                                       StatefulRedisConnection<String, String> stats) throws Exception {
        stats.sync().flushall();
        try (Seawall engine = Seawall.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("seawall.yaml", yaml(setup, uri, "1000000000/1h")).build()) {
            Chain chain = engine.match("GET", "/api/x").chain();
            BenchRequest[] requests = new BenchRequest[10_000];
            for (int i = 0; i < requests.length; i++) {
                requests[i] = new BenchRequest("GET", "/api/x", "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "."
                        + (i & 255), null, null, null);
            }
            stats.sync().configResetstat();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong decisions = new AtomicLong();
            long[][] samples = new long[threads][];
            int[] sampleCounts = new int[threads];
            CountDownLatch done = new CountDownLatch(threads);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                samples[t] = new long[2_000_000];
                Thread w = new Thread(() -> {
                    long n = 0;
                    int k = id * 997;
                    long[] mine = samples[id];
                    int count = 0;
                    while (!stop.get()) {
                        BenchRequest r = requests[k++ % requests.length];
                        long start = System.nanoTime();
                        Exchange e = chain.admit(r, start);
                        if (e.admitted()) {
                            e.complete(new Outcome(200, null, start, start, false));
                        }
                        long took = System.nanoTime() - start;
                        if (count < mine.length) {
                            mine[count++] = took;
                        }
                        n++;
                    }
                    sampleCounts[id] = count;
                    decisions.addAndGet(n);
                    done.countDown();
                });
                workers.add(w);
                w.start();
            }
            long begin = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            stop.set(true);
            done.await();
            double elapsed = (System.nanoTime() - begin) / 1e9;
            long total = 0;
            for (int c : sampleCounts) {
                total += c;
            }
            long[] all = new long[(int) Math.min(total, Integer.MAX_VALUE - 8)];
            int at = 0;
            for (int t = 0; t < threads; t++) {
                int c = Math.min(sampleCounts[t], all.length - at);
                System.arraycopy(samples[t], 0, all, at, c);
                at += c;
            }
            Arrays.sort(all, 0, at);
            double p50 = at == 0 ? 0 : all[at / 2] / 1000.0;
            double p99 = at == 0 ? 0 : all[(int) (at * 0.99)] / 1000.0;
            double[] commands = redisCommands(stats.sync().info("commandstats"));
            long d = Math.max(1, decisions.get());
            return new double[] {decisions.get() / elapsed, p50, p99, commands[0] / d, commands[1] / d};
        }
    }

    /**
     * @return {commands Redis executed (scripts' inner commands included), round trips}: Redis counts the commands a
     *         script runs too, so round trips are the scripts called plus the GETs not made by a script (each of both
     *         engines' scripts makes exactly one GET); INFO and CONFIG are the benchmark's own
     */
    private static double[] redisCommands(String commandstats) {
        double all = 0;
        double scripts = 0;
        double gets = 0;
        for (String line : commandstats.split("\r?\n")) {
            if (!line.startsWith("cmdstat_") || line.startsWith("cmdstat_info") || line.startsWith("cmdstat_config")) {
                continue;
            }
            int c = line.indexOf("calls=");
            int end = line.indexOf(',', c);
            double calls = Double.parseDouble(line.substring(c + 6, end));
            all += calls;
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                scripts += calls;
            } else if (line.startsWith("cmdstat_get:")) {
                gets += calls;
            }
        }
        return new double[] {all, scripts + Math.max(0, gets - scripts)};
    }

    /** @return requests admitted across two engines sharing Redis, for 50 keys x 100 per hour */
    private static long accuracy(String setup, String uri) throws Exception {
        String yaml = yaml(setup, uri, "100/1h");
        try (Seawall a = Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", yaml).build();
             Seawall b = Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", yaml).build()) {
            Chain[] chains = {a.match("GET", "/api/x").chain(), b.match("GET", "/api/x").chain()};
            AtomicLong admitted = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                Thread w = new Thread(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        BenchRequest r = new BenchRequest("GET", "/api/x", "172.16.0." + (i % 50), null, null,
                                null);
                        Exchange e = chains[id % 2].admit(r, System.nanoTime());
                        if (e.admitted()) {
                            admitted.incrementAndGet();
                            e.complete(new Outcome(200, null, 0, 0, false));
                        }
                    }
                });
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join();
            }
            return admitted.get();
        }
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length == 0 ? 0 : v[v.length / 2];
    }
}
