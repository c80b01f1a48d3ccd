package dev.seawall.bench;

import dev.seawall.servlet.SeawallFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Overload run: a 20 ms endpoint limited to 8 concurrent requests with 64 waiting, driven by 80 closed-loop
 * clients (10x the concurrency it can serve), for Seawall's throttle, Jetty's QoSHandler and Jetty's
 * QoSFilter configured alike, in alternating rounds in one process so drift on a shared machine cancels out.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.OverloadBenchmark [rounds] [seconds]}.
 * Logs a Markdown table (SLF4J, stderr) and writes it to {@code benchmarks/target/overload.md}.
 */
public final class OverloadBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OverloadBenchmark.class);

    static final int MAX_CONCURRENT = 8;
    static final int QUEUE = 64;
    static final int CLIENTS = 80;
    static final long SERVICE_MILLIS = 20;
    static final Duration MAX_WAIT = Duration.ofSeconds(1);

    private OverloadBenchmark() {
    }

    /** The endpoint under protection: holds its thread for 20 ms, like a call to a slow dependency. */
    public static final class SlowServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try {
                Thread.sleep(SERVICE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            resp.setContentType("text/plain");
            resp.getWriter().write("ok");
        }
    }

    record Result(String setup, double admittedPerSecond, double p50Millis, double p99Millis,
                  double rejectP99Millis, long rejected, int peakBusyThreads) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        List<String> setups = List.of("jetty-qoshandler", "jetty-qosfilter", "seawall-throttle");
        Map<String, List<Result>> results = new LinkedHashMap<>();
        for (String s : setups) {
            results.put(s, new ArrayList<>());
            run(s, 2); // warm-up, discarded
        }
        for (int r = 0; r < rounds; r++) {
            for (String s : setups) {
                Result res = run(s, seconds);
                results.get(s).add(res);
                LOG.info(String.format(Locale.ROOT, "round %d %-18s %8.1f req/s p50 %6.1f ms p99 %6.1f ms reject p99"
                        + " %6.2f ms rejected %6d peak busy %d", r + 1, s, res.admittedPerSecond, res.p50Millis,
                        res.p99Millis, res.rejectP99Millis, res.rejected, res.peakBusyThreads));
            }
        }
        String table = table(results, rounds, seconds);
        LOG.info("\n{}", table);
        Path target = Path.of("benchmarks", "target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("overload.md"), table, StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("deprecation") // QoSFilter is deprecated, and still what many deployments run: we compare with it
    static Result run(String setup, int seconds) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(400, 16);
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder app = new ServletHolder(new SlowServlet());
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        switch (setup) {
            case "seawall-throttle" -> {
                FilterHolder f = new FilterHolder(SeawallFilter.builder().yaml("overload.yaml", """
                        policies:
                          - name: slow
                            paths: [/*]
                            throttle:
                              max-concurrent: %d
                              queue: %d
                              max-wait: %dms
                        """.formatted(MAX_CONCURRENT, QUEUE, MAX_WAIT.toMillis())).build());
                f.setAsyncSupported(true);
                context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
                server.setHandler(context);
            }
            case "jetty-qosfilter" -> {
                FilterHolder f = new FilterHolder(new org.eclipse.jetty.ee10.servlets.QoSFilter());
                f.setAsyncSupported(true);
                f.setInitParameter("maxRequests", Integer.toString(MAX_CONCURRENT));
                f.setInitParameter("waitMs", "50");
                f.setInitParameter("suspendMs", Long.toString(MAX_WAIT.toMillis()));
                context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
                server.setHandler(context);
            }
            case "jetty-qoshandler" -> {
                QoSHandler qos = new QoSHandler(context);
                qos.setMaxRequestCount(MAX_CONCURRENT);
                qos.setMaxSuspendedRequestCount(QUEUE);
                qos.setMaxSuspend(MAX_WAIT);
                server.setHandler(qos);
            }
            default -> throw new IllegalArgumentException(setup);
        }
        server.start();
        try {
            return drive(setup, URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/slow"), pool, seconds);
        } finally {
            server.stop();
        }
    }

    static Result drive(String setup, URI uri, QueuedThreadPool pool, int seconds) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger peakBusy = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                peakBusy.accumulateAndGet(pool.getBusyThreads(), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "busy-sampler");
        sampler.setDaemon(true);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Future<long[][]>> futures = new ArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
        sampler.start();
        for (int c = 0; c < CLIENTS; c++) {
            futures.add(clients.submit(() -> {
                long[] ok = new long[1024];
                long[] rejected = new long[1024];
                int nOk = 0;
                int nRej = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    long took = System.nanoTime() - t0;
                    if (status == 200) {
                        if (nOk == ok.length) {
                            ok = Arrays.copyOf(ok, nOk * 2);
                        }
                        ok[nOk++] = took;
                    } else {
                        if (nRej == rejected.length) {
                            rejected = Arrays.copyOf(rejected, nRej * 2);
                        }
                        rejected[nRej++] = took;
                    }
                }
                return new long[][] {Arrays.copyOf(ok, nOk), Arrays.copyOf(rejected, nRej)};
            }));
        }
        List<long[]> oks = new ArrayList<>();
        List<long[]> rejs = new ArrayList<>();
        for (Future<long[][]> f : futures) {
            long[][] r = f.get(seconds + 60L, TimeUnit.SECONDS);
            oks.add(r[0]);
            rejs.add(r[1]);
        }
        running.set(false);
        sampler.join();
        clients.shutdownNow();
        long[] ok = concat(oks);
        long[] rej = concat(rejs);
        Arrays.sort(ok);
        Arrays.sort(rej);
        return new Result(setup, ok.length / (double) seconds, millis(ok, 0.50), millis(ok, 0.99), millis(rej, 0.99),
                rej.length, peakBusy.get());
    }

    private static long[] concat(List<long[]> parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] all = new long[n];
        int i = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, i, p.length);
            i += p.length;
        }
        return all;
    }

    private static double millis(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }

    private static double median(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String table(Map<String, List<Result>> results, int rounds, int seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Overload: %d ms endpoint, max-concurrent %d, queue %d, max-wait %d ms, %d"
                        + " closed-loop clients; %d rounds of %d s (medians)%n%n", SERVICE_MILLIS, MAX_CONCURRENT, QUEUE,
                MAX_WAIT.toMillis(), CLIENTS, rounds, seconds));
        sb.append("| setup | admitted req/s | admitted p50 ms | admitted p99 ms | rejection p99 ms | rejected/round |"
                + " peak busy threads |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<Result>> e : results.entrySet()) {
            List<Result> rs = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %s | %.0f | %.0f |%n", e.getKey(),
                    median(rs, Result::admittedPerSecond), median(rs, Result::p50Millis), median(rs, Result::p99Millis),
                    Double.isNaN(median(rs, Result::rejectP99Millis)) ? "—"
                            : String.format(Locale.ROOT, "%.2f", median(rs, Result::rejectP99Millis)),
                    median(rs, r -> r.rejected), median(rs, r -> r.peakBusyThreads)));
        }
        sb.append("\nPer-round admitted throughput of Seawall relative to the best Jetty setup of the same round:");
        List<Result> seawall = results.get("seawall-throttle");
        for (int r = 0; r < rounds; r++) {
            double best = Math.max(results.get("jetty-qoshandler").get(r).admittedPerSecond(),
                    results.get("jetty-qosfilter").get(r).admittedPerSecond());
            sb.append(String.format(Locale.ROOT, " %.3f", seawall.get(r).admittedPerSecond() / best));
        }
        sb.append('\n');
        return sb.toString();
    }
}
