package dev.seawall.bench;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import dev.seawall.bench.netflix.ConcurrencyLimitServletFilter;
import dev.seawall.bench.netflix.ServletLimiterBuilder;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Adaptive concurrency under a capacity drop, three protections side by side in one process on real embedded Jetty
 * (127.0.0.1), each in front of a fresh {@link CapacityBackend}: {@code capacity} workers (default 10) serving each
 * request in {@code base} (default 20 ms), so {@code capacity / base} requests a second (500/s), halved at the run's
 * midpoint. An open-model load generator ({@link OpenLoad}: raw keep-alive sockets, requests sent at fixed instants
 * whatever the answers' latency) sends twice the ORIGINAL capacity's throughput (1,000/s): 20 % critical
 * ({@code GET /critical/item}) and 80 % sheddable ({@code GET /prefetch/item}), from {@code clients} distinct client
 * addresses (default 500, {@code X-Forwarded-For: 10.0.x.y} from the trusted loopback peer), the same pseudo-random
 * sequence (fixed seed) for every configuration. The configurations:
 * <ol>
 *   <li>{@code seawall-static}: {@code SeawallFilter}, throttle {@code max-concurrent: capacity} (tuned for the
 *       original capacity), {@code queue: capacity}, {@code max-wait: 100ms} (resource
 *       {@code adaptive-limit/static.yaml});</li>
 *   <li>{@code seawall-adaptive}: {@code SeawallFilter} with {@code max-concurrent: adaptive}, Gradient2 with the
 *       Netflix run's bounds, the same queue and wait, {@code /critical/*} critical, {@code /prefetch/*} sheddable,
 *       20 % reserved for critical (resource {@code adaptive-limit/adaptive.yaml}). Skipped, with Seawall's own
 *       message, when Seawall refuses that YAML ({@link ConfigException});</li>
 *   <li>{@code netflix-gradient2}: Netflix's {@code ConcurrencyLimitServletFilter} (a faithful port onto
 *       concurrency-limits-core 0.5.4, see {@link ConcurrencyLimitServletFilter}) with a {@link Gradient2Limit} of the
 *       same initial, min and max, partitioned by path the way its builder does it: {@code critical} and
 *       {@code sheddable} partitions with the same 20 % guaranteed to critical (80 % to sheddable). It refuses with
 *       429 and has no queue.</li>
 * </ol>
 * Each configuration gets a warm-up (default 3 s at a quarter of the rate, discarded, which also gives the adaptive
 * limits their no-load latency), then the measured run (default 40 s; the capacity halves at 20 s). The limit is read
 * every 100 ms: Seawall's from its meters (the gauge {@code --limit-meter}, default {@code seawall.throttle.limit},
 * else any {@code seawall.throttle.*limit*} gauge that is not a latency), Netflix's from its {@code Gradient2Limit}.
 * The figures and "settled" are defined in {@link AdaptiveLimitRun}.
 *
 * <p>Run (about 2.5 minutes with the defaults) after {@code mvn -B -ntp -q -DskipTests -pl benchmarks -am package}:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.AdaptiveLimitBenchmark [--seconds 40]
 * [--warmup 3] [--capacity 10] [--base-ms 20] [--rate 1000] [--critical-share 20] [--clients 500] [--slo-ms 250]
 * [--queue 10] [--max-wait-ms 100] [--min 2] [--max 100] [--reserve 20] [--limit-meter seawall.throttle.limit]
 * [--setups seawall-static,seawall-adaptive,netflix-gradient2] [--adaptive-config FILE]}; {@code --adaptive-config}
 * reads configuration (2) from a file (same double-brace placeholders) instead of the bundled resource. Logs a Markdown table and a per-second timeline
 * (SLF4J, stderr) and writes them to {@code benchmarks/target/adaptive-limit.md}. A program, not a library; not
 * thread-safe.
 */
public final class AdaptiveLimitBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AdaptiveLimitBenchmark.class);
    private static final long SECOND = 1_000_000_000L;
    static final String STATIC = "seawall-static";
    static final String ADAPTIVE = "seawall-adaptive";
    static final String NETFLIX = "netflix-gradient2";

    private AdaptiveLimitBenchmark() {
    }

    /** The command line. */
    record Options(int seconds, int warmup, int capacity, int baseMillis, int rate, int criticalShare, int clients,
                   int sloMillis, int queue, int maxWaitMillis, int min, int max, int reserve, String limitMeter,
                   List<String> setups, Path adaptiveConfig) {

        static Options parse(String[] args) {
            Map<String, String> v = new java.util.HashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("options come as --name value; got " + args[i]);
                }
                v.put(args[i].substring(2), args[i + 1]);
            }
            java.util.Set<String> known = java.util.Set.of("seconds", "warmup", "capacity", "base-ms", "rate",
                    "critical-share", "clients", "slo-ms", "queue", "max-wait-ms", "min", "max", "reserve",
                    "limit-meter", "setups", "adaptive-config");
            for (String k : v.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k + "; options: " + new TreeSet<>(known));
                }
            }
            int capacity = Integer.parseInt(v.getOrDefault("capacity", "10"));
            int base = Integer.parseInt(v.getOrDefault("base-ms", "20"));
            int rate = Integer.parseInt(v.getOrDefault("rate", Integer.toString(2 * capacity * 1000 / base)));
            Options o = new Options(Integer.parseInt(v.getOrDefault("seconds", "40")),
                    Integer.parseInt(v.getOrDefault("warmup", "3")), capacity, base, rate,
                    Integer.parseInt(v.getOrDefault("critical-share", "20")),
                    Integer.parseInt(v.getOrDefault("clients", "500")),
                    Integer.parseInt(v.getOrDefault("slo-ms", "250")),
                    Integer.parseInt(v.getOrDefault("queue", Integer.toString(capacity))),
                    Integer.parseInt(v.getOrDefault("max-wait-ms", "100")),
                    Integer.parseInt(v.getOrDefault("min", "2")), Integer.parseInt(v.getOrDefault("max", "100")),
                    Integer.parseInt(v.getOrDefault("reserve", "20")),
                    v.getOrDefault("limit-meter", "seawall.throttle.limit"),
                    List.of(v.getOrDefault("setups", STATIC + "," + ADAPTIVE + "," + NETFLIX).split(",")),
                    v.containsKey("adaptive-config") ? Path.of(v.get("adaptive-config")) : null);
            if (o.seconds < 2 * (AdaptiveLimitRun.FINAL_WINDOW_MILLIS / 1000) || capacity < 2 || base < 1 || rate < 1
                    || o.criticalShare < 0 || o.criticalShare > 100 || o.clients < 1 || o.clients > 65_536
                    || o.min < 1 || o.max < o.min || o.reserve < 0 || o.reserve > 100) {
                throw new IllegalArgumentException("out of range: seconds >= 10, capacity >= 2, 0 <= critical-share,"
                        + " reserve <= 100, 1 <= clients <= 65536, 1 <= min <= max");
            }
            for (String s : o.setups) {
                if (!List.of(STATIC, ADAPTIVE, NETFLIX).contains(s)) {
                    throw new IllegalArgumentException("unknown setup " + s);
                }
            }
            return o;
        }

        /** @return where configuration (2) comes from: the file of {@code --adaptive-config}, else the resource */
        String adaptiveSource() {
            return adaptiveConfig != null ? adaptiveConfig.toString() : "adaptive-limit/adaptive.yaml";
        }

        /**
         * The configuration's YAML (the resource, or for {@code adaptive.yaml} the file of {@code --adaptive-config}
         * when given) with every {@code {{name}}} filled in.
         */
        String yaml(String resource) throws IOException {
            String text;
            if (resource.equals("adaptive.yaml") && adaptiveConfig != null) {
                return fill(Files.readString(adaptiveConfig, StandardCharsets.UTF_8));
            }
            try (InputStream in = AdaptiveLimitBenchmark.class.getResourceAsStream("/adaptive-limit/" + resource)) {
                if (in == null) {
                    throw new IOException("resource adaptive-limit/" + resource + " missing from the class path");
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return fill(text);
        }

        private String fill(String text) {
            return text.replace("{{capacity}}", Integer.toString(capacity))
                    .replace("{{initial}}", Integer.toString(capacity))
                    .replace("{{min}}", Integer.toString(min))
                    .replace("{{max}}", Integer.toString(max))
                    .replace("{{queue}}", Integer.toString(queue))
                    .replace("{{max-wait}}", maxWaitMillis + "ms")
                    .replace("{{reserve}}", Integer.toString(reserve));
        }
    }

    /** One configuration in front of the backend: the filter and how to read its limit (NaN when it cannot). */
    private record Protection(Filter filter, DoubleSupplier limit) {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        LOG.info("adaptive-limit run: capacity {} x {} ms ({}/s), halved at {} s of {}; {} req/s, {} % critical, {}"
                        + " clients, objective {} ms", o.capacity, o.baseMillis, o.capacity * 1000 / o.baseMillis,
                o.seconds / 2, o.seconds, o.rate, o.criticalShare, o.clients, o.sloMillis);
        List<AdaptiveLimitRun> runs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String setup : o.setups) {
            MeterRegistry registry = new SimpleMeterRegistry();
            Protection p;
            try {
                p = protection(setup, o, registry);
            } catch (ConfigException e) {
                String why = setup + " skipped: Seawall refused " + o.adaptiveSource() + " (the adaptive keys are not"
                        + " in this build, or their shape changed; adjust that file, or pass one with --adaptive-config): "
                        + e.getMessage();
                LOG.warn(why);
                skipped.add(why);
                continue;
            }
            AdaptiveLimitRun run = run(setup, o, p);
            runs.add(run);
            if (setup.equals(ADAPTIVE) && Double.isNaN(run.finalLimit())) {
                List<String> names = registry.getMeters().stream().map(m -> m.getId().getName())
                        .filter(n -> n.startsWith("seawall.throttle")).distinct().sorted().toList();
                String why = "seawall-adaptive: no limit gauge found (looked for " + o.limitMeter
                        + " and seawall.throttle.*limit*); its throttle meters are " + names
                        + "; give the right name with --limit-meter";
                LOG.warn(why);
                skipped.add(why);
            }
        }
        String report = AdaptiveLimitReport.markdown(o, runs, skipped);
        LOG.info("\n{}", report);
        Path target = Path.of("benchmarks", "target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("adaptive-limit.md"), report, StandardCharsets.UTF_8);
        }
    }

    private static Protection protection(String setup, Options o, MeterRegistry registry) throws IOException {
        switch (setup) {
            case STATIC, ADAPTIVE -> {
                String name = setup.equals(STATIC) ? "adaptive-limit/static.yaml" : o.adaptiveSource();
                String yaml = o.yaml(setup.equals(STATIC) ? "static.yaml" : "adaptive.yaml");
                ConfigLoader.parse(name, yaml); // a refusal surfaces here, before any server starts
                SeawallFilter f = SeawallFilter.builder().yaml(name, yaml).meterRegistry(registry).build();
                DoubleSupplier limit = setup.equals(STATIC) ? () -> o.capacity : seawallLimit(registry, o.limitMeter);
                return new Protection(f, limit);
            }
            case NETFLIX -> {
                Gradient2Limit limit = Gradient2Limit.newBuilder()
                        .initialLimit(o.capacity)
                        .minLimit(o.min)
                        .maxConcurrency(o.max)
                        .build();
                double reserve = o.reserve / 100.0;
                Limiter<HttpServletRequest> limiter = new ServletLimiterBuilder()
                        .named("backend")
                        .limit(limit)
                        .partitionByPathInfo(path -> path.startsWith("/critical/") ? "critical" : "sheddable")
                        .partition("critical", reserve)
                        .partition("sheddable", 1.0 - reserve)
                        .build();
                return new Protection(new ConcurrencyLimitServletFilter(limiter), limit::getLimit);
            }
            default -> throw new IllegalArgumentException(setup);
        }
    }

    /** Reads Seawall's current limit from its meters: the named gauge, else a throttle gauge about the limit. */
    static DoubleSupplier seawallLimit(MeterRegistry registry, String name) {
        return () -> {
            Gauge g = registry.find(name).gauge();
            if (g != null) {
                return g.value();
            }
            for (Meter m : registry.getMeters()) {
                String n = m.getId().getName();
                if (m instanceof Gauge gauge && n.startsWith("seawall.throttle.") && n.contains("limit")
                        && !n.contains("latency") && !n.contains("rtt")) {
                    return gauge.value();
                }
            }
            return Double.NaN;
        };
    }

    private static AdaptiveLimitRun run(String setup, Options o, Protection p) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(1000, 16);
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        CapacityBackend backend = new CapacityBackend(o.capacity, o.baseMillis * 1_000_000L);
        ServletHolder app = new ServletHolder(backend);
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        FilterHolder f = new FilterHolder(p.filter());
        f.setAsyncSupported(true);
        context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        server.setHandler(context);
        server.start();
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "adaptive-limit-timer");
            t.setDaemon(true);
            return t;
        });
        byte[][] requests = requests(o.clients);
        int n = o.seconds * o.rate;
        long gap = SECOND / o.rate;
        long[] due = new long[n];
        boolean[] critical = new boolean[n];
        int[] index = new int[n];
        SplittableRandom random = new SplittableRandom(29); // one sequence for every configuration
        for (int i = 0; i < n; i++) {
            due[i] = i * gap;
            critical[i] = random.nextInt(100) < o.criticalShare;
            index[i] = (critical[i] ? 0 : o.clients) + random.nextInt(o.clients);
        }
        long dropNanos = o.seconds * SECOND / 2;
        AdaptiveLimitRun run = new AdaptiveLimitRun(setup, due, critical, dropNanos, o.seconds * SECOND,
                o.sloMillis * 1_000_000L);
        try (OpenLoad load = new OpenLoad(connector.getLocalPort(), i -> requests[index[i]])) {
            // warm-up: a quarter of the rate, the start of the same sequence; compiles the paths and shows the
            // adaptive limits the latency without load
            int warmN = Math.min(n, o.warmup * o.rate / 4);
            long warmStart = System.nanoTime() + 100_000_000L;
            long warmGap = SECOND * 4 / o.rate;
            load.run(warmN, i -> warmStart + i * warmGap, (i, s, t) -> { }, 30);

            long start = System.nanoTime() + 100_000_000L;
            timer.scheduleAtFixedRate(() -> run.sample(System.nanoTime() - start, p.limit().getAsDouble()),
                    start - System.nanoTime(), AdaptiveLimitRun.SAMPLE_MILLIS * 1_000_000L, TimeUnit.NANOSECONDS);
            timer.schedule(backend::halve, start + dropNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            load.run(n, i -> start + due[i], (i, s, t) -> run.answer(i, s, t - start), 60);
            LOG.info("{}: done; {}", setup, AdaptiveLimitReport.line(run));
            return run;
        } finally {
            timer.shutdownNow();
            server.stop();
        }
    }

    /**
     * The request bytes: indices {@code [0, clients)} are critical requests of client {@code i}, indices
     * {@code [clients, 2 * clients)} sheddable ones; each client is an address {@code 10.0.x.y} forwarded by the
     * trusted loopback peer.
     */
    static byte[][] requests(int clients) {
        byte[][] r = new byte[2 * clients][];
        for (int c = 0; c < clients; c++) {
            String address = "10.0." + (c >>> 8) + "." + (c & 0xFF);
            r[c] = request("/critical/item", address);
            r[clients + c] = request("/prefetch/item", address);
        }
        return r;
    }

    private static byte[] request(String path, String address) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: " + address + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
