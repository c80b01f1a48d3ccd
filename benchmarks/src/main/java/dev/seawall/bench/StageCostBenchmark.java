package dev.seawall.bench;

import dev.seawall.core.fallback.StaleCache;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.time.NanoClock;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * What breaker + timeout + fallback (static and stale cache) cost per request on a trivial endpoint, against
 * the same endpoint without a policy, on one Jetty in the same run: alternating rounds (bare, guarded, bare,
 * guarded...) with closed-loop keep-alive HTTP/1.1 clients on raw sockets (a heavier client would hide the
 * server's cost). Then the stale cache's memory when filled to its byte bound.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.StageCostBenchmark [rounds]
 * [seconds] [clients]} after {@code mvn -B -ntp -q -DskipTests -pl benchmarks -am package}.
 */
public final class StageCostBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StageCostBenchmark.class);

    record Round(String setup, double perSecond, double p50Micros, double p99Micros) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        FilterHolder f = new FilterHolder(SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("stage-cost.yaml", """
                        policies:
                          - name: guarded
                            paths: [/guarded/*]
                            circuit-breaker: {failure-rate: 50, minimum-calls: 20, window: 100, open-for: 30s}
                            timeout: 5s
                            fallback:
                              status: 200
                              body: '{"degraded":true}'
                              stale-cache: 1m
                        """).build());
        f.setAsyncSupported(true);
        Loopback.Started started = Loopback.start(64, false, context -> {
            context.addServlet(new ServletHolder(new Loopback.TinyServlet()), "/*");
            context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
            return context;
        });
        int port = started.port();
        List<Round> results = new ArrayList<>();
        try {
            drive("bare", port, "/bare/x", clients, 2);      // warm-up
            drive("guarded", port, "/guarded/x", clients, 2);
            for (int r = 0; r < rounds; r++) {
                for (String setup : List.of("bare", "guarded")) {
                    Round res = drive(setup, port, "/" + setup + "/x", clients, seconds);
                    results.add(res);
                    LOG.info(String.format(Locale.ROOT, "round %d %-8s %10.0f req/s p50 %7.1f us p99 %7.1f us",
                            r + 1, setup, res.perSecond, res.p50Micros, res.p99Micros));
                }
            }
        } finally {
            started.close();
        }
        StringBuilder md = new StringBuilder();
        md.append("| round | bare req/s | guarded req/s | ratio | bare p50/p99 (µs) | guarded p50/p99 (µs) |\n");
        md.append("|---|---|---|---|---|---|\n");
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            Round b = results.get(2 * r);
            Round g = results.get(2 * r + 1);
            ratios[r] = g.perSecond / b.perSecond;
            md.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.3f | %.0f / %.0f | %.0f / %.0f |%n", r + 1,
                    b.perSecond, g.perSecond, ratios[r], b.p50Micros, b.p99Micros, g.p50Micros, g.p99Micros));
        }
        Arrays.sort(ratios);
        md.append(String.format(Locale.ROOT, "%nmedian ratio guarded/bare: %.3f%n", ratios[rounds / 2]));
        md.append(cacheMemory());
        LOG.info("\n{}", md);
        Path target = Path.of("benchmarks", "target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("stage-cost.md"), md, StandardCharsets.UTF_8);
        }
    }

    /** Closed loop through the shared {@link Loopback} client; every answer must be a 2xx. */
    static Round drive(String setup, int port, String path, int clients, int seconds) throws Exception {
        Loopback.Result r = Loopback.drive(port, clients, seconds * 1000L, Loopback.Requests.fixed(
                "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: bench\r\n\r\n"));
        if (r.rejected() + r.other() > 0) {
            throw new IllegalStateException(setup + ": " + (r.rejected() + r.other()) + " answers were not 2xx");
        }
        return new Round(setup, r.perSecond(), r.okMicros(0.50), r.okMicros(0.99));
    }

    /** Fills a stale cache with 4 KiB copies from distinct callers far past its 16 MiB bound and measures the heap. */
    static String cacheMemory() {
        long bound = 16L * 1024 * 1024;
        var mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = mem.getHeapMemoryUsage().getUsed();
        StaleCache cache = new StaleCache(Duration.ofMinutes(10), 10_000, bound, List.of(), NanoClock.system());
        byte[] body = new byte[4096];
        List<Rejection.Header> headers = List.of(new Rejection.Header("Content-Type", "application/json"));
        for (int i = 0; i < 50_000; i++) {
            BenchRequest r = new BenchRequest("GET", "/catalog/" + (i % 100), "127.0.0.1", "key-" + i, null, null);
            cache.store(cache.key(r), "GET", r, 200, headers, body.clone(), System.nanoTime());
        }
        System.gc();
        long after = mem.getHeapMemoryUsage().getUsed();
        return String.format(Locale.ROOT, "%nstale cache filled with 50,000 copies of 4 KiB (bound 16 MiB, 10,000"
                + " entries): %d copies held, %.1f MiB weighed, heap growth %.1f MiB%n", cache.size(),
                cache.bytes() / 1048576.0, (after - before) / 1048576.0);
    }
}
