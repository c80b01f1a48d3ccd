package dev.seawall.bench;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

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
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

/**
 * Outage amplification: a service whose handler calls one dependency once per request answers {@code 200} when the
 * call succeeded and {@code 502} otherwise; an open-model load generator sends it a fixed rate of requests (default
 * 500/s) for a healthy warm-up (5 s), an outage of the dependency (10 s: every request {@code 503} without
 * {@code Retry-After}, or {@code --failure refused}: connections refused) and a recovery (10 s). Three ways of making
 * the call, in alternating runs in one process (A B C, then B C A, …) so drift on the shared machine cancels out:
 * <ul>
 *   <li>{@code no-retry}: the bare {@code java.net.http.HttpClient}, the baseline;</li>
 *   <li>{@code resilience4j-retry}: Resilience4j's {@code Retry} with its documented defaults (3 attempts, 500 ms) and
 *       exponential backoff ({@code IntervalFunction.ofExponentialBackoff(500ms, 2)}), retrying 5xx results and
 *       {@code IOException}s around the blocking send;</li>
 *   <li>{@code seawall-default-budget}: {@code SeawallHttpClient.send} with every default of a {@code clients:} entry
 *       ({@link SeawallDependencyCall}: 3 attempts, a budget of 10 % with a floor of 1/s, full jitter from
 *       100 ms).</li>
 * </ul>
 * Every setup calls through the same kind of {@link CountingHttpClient}, which counts the requests sent to the
 * dependency (also those refused); with {@code 503} the dependency's own count is logged beside it. Reported per
 * setup: the dependency's load during the outage as a multiple of the incoming rate, the peak multiple of any one
 * second of the outage, the time until the service's success ratio over 100 ms buckets (by completion) is at least
 * 99 % and stays there after the dependency recovered, and the service's latency during the outage. A fresh Seawall
 * client and Resilience4j {@code Retry} serve each run, so a run's budget holds only its own warm-up's deposits.
 *
 * <p>Run (about 3 minutes with the defaults) after {@code mvn -B -ntp -q -DskipTests -pl benchmarks -am package}:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.OutageBenchmark [--rounds 2] [--rate 500]
 * [--warmup 5] [--outage 10] [--recovery 10] [--failure 503|refused] [--service-threads 1024]
 * [--setups no-retry,resilience4j-retry,seawall-default-budget]}. Logs a Markdown
 * table (SLF4J, stderr) and writes it to {@code benchmarks/target/outage.md}. Not thread-safe; a program, not a
 * library.
 */
public final class OutageBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OutageBenchmark.class);
    private static final long SECOND = 1_000_000_000L;
    private static final long BUCKET = 100_000_000L;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    /** The success ratio a 100 ms bucket needs to count as recovered. */
    static final double RECOVERED = 0.99;
    /** The targets: load during the outage as a multiple of the incoming rate; recovery after the dependency's. */
    static final double TARGET_MULTIPLE = 1.1;
    static final long TARGET_RECOVERY_MILLIS = 1000;
    /** Healthy traffic through each setup before the measured runs, so that no run pays for the JIT. */
    static final int JIT_WARMUP_SECONDS = 2;

    private OutageBenchmark() {
    }

    /** The ways the service's handler calls the dependency. */
    enum Setup {
        NO_RETRY("no-retry"),
        RESILIENCE4J("resilience4j-retry"),
        SEAWALL("seawall-default-budget");

        final String label;

        Setup(String label) {
            this.label = label;
        }

        static Setup of(String label) {
            for (Setup s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown setup " + label);
        }
    }

    /** The command line. */
    record Options(int rounds, int rate, int warmup, int outage, int recovery, OutageDependency.Failure failure,
                   int serviceThreads, List<Setup> setups) {

        static Options parse(String[] args) {
            int rounds = 2;
            int rate = 500;
            int warmup = 5;
            int outage = 10;
            int recovery = 10;
            OutageDependency.Failure failure = OutageDependency.Failure.STATUS_503;
            int threads = 1024;
            List<Setup> setups = List.of(Setup.values());
            for (int i = 0; i < args.length; i++) {
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--rounds" -> rounds = Integer.parseInt(v);
                    case "--rate" -> rate = Integer.parseInt(v);
                    case "--warmup" -> warmup = Integer.parseInt(v);
                    case "--outage" -> outage = Integer.parseInt(v);
                    case "--recovery" -> recovery = Integer.parseInt(v);
                    case "--failure" -> failure = OutageDependency.Failure.of(v);
                    case "--service-threads" -> threads = Integer.parseInt(v);
                    case "--setups" -> setups = Arrays.stream(v.split(",")).map(Setup::of).toList();
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --rounds"
                            + " --rate --warmup --outage --recovery (seconds) --failure 503|refused --service-threads --setups");
                }
                i++;
            }
            if (rounds < 1 || rate < 1 || warmup < 1 || outage < 1 || recovery < 1 || threads < 8) {
                throw new IllegalArgumentException("rounds, rate and phases must be positive, threads at least 8");
            }
            return new Options(rounds, rate, warmup, outage, recovery, failure, threads, setups);
        }

        int totalSeconds() {
            return warmup + outage + recovery;
        }
    }

    /** The handler's call of the dependency. Thread-safe. */
    @FunctionalInterface
    interface DependencyCall {
        /** @return the dependency's final status */
        int call() throws Exception;
    }

    /** The service's handler: one dependency call per request, {@code 200} when it succeeded, else {@code 502}. */
    static final class ServiceServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        /** The current setup's call; swapped between runs, read by every request. */
        transient volatile DependencyCall call;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            int status;
            try {
                status = call.call();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = -1;
            } catch (Exception e) {
                status = -1;
            }
            resp.setStatus(status == 200 ? 200 : 502);
            resp.setContentLength(0);
        }
    }

    /**
     * What one run measured.
     *
     * @param incoming        requests the service received during the outage
     * @param sent            requests sent to the dependency during the outage (caller's count)
     * @param received        requests the dependency received during the outage (-1 when refused)
     * @param peakSecond      the highest multiple of any one second of the outage
     * @param firstSecond     the multiple of the first second after the dependency recovered
     * @param recoveryMillis  from the dependency's recovery to the start of the first 100 ms bucket from which every
     *                        bucket's success ratio is at least 99 %; -1 when that never happened in the recovery phase
     * @param warmupSuccess   share of 200s among requests sent in the warm-up
     * @param outageSuccess   share of 200s among requests sent during the outage
     * @param unanswered      requests the load generator got no HTTP answer for
     * @param warmupP99Millis the service's p99 latency in the healthy warm-up: high when the machine could not keep
     *                        up with the load before the outage (the run then measures the machine, not the setup)
     * @param cpuSeconds      this process's CPU time during the run (load generator, service and dependency)
     * @param loadAverage     the machine's one-minute load average at the end of the run (other tenants included)
     */
    record RunResult(Setup setup, int round, long incoming, long sent, long received, double peakSecond,
                     double firstSecond, long recoveryMillis, double p50Millis, double p99Millis,
                     double warmupSuccess, double outageSuccess, long unanswered, double warmupP99Millis,
                     double cpuSeconds, double loadAverage) {

        double multiple() {
            return sent / (double) incoming;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        ServiceServlet servlet = new ServiceServlet();
        Map<Setup, CountingHttpClient> clients = new EnumMap<>(Setup.class);
        for (Setup s : Setup.values()) {
            clients.put(s, new CountingHttpClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build()));
        }
        List<RunResult> results = new ArrayList<>();
        try (OutageDependency dependency = new OutageDependency(o.failure());
             Loopback.Started service = Loopback.start(o.serviceThreads(), false, context -> {
                 context.addServlet(new ServletHolder(servlet), "/*");
                 return context;
             });
             OpenLoad load = new OpenLoad(service.port(), "/call")) {
            Setup[] setups = o.setups().toArray(new Setup[0]);
            for (Setup s : setups) {
                warm(s, o, dependency, servlet, clients.get(s), load);
            }
            for (int r = 0; r < o.rounds(); r++) {
                for (int k = 0; k < setups.length; k++) {
                    Setup s = setups[(k + r) % setups.length];
                    RunResult res = run(s, r + 1, o, dependency, servlet, clients.get(s), load);
                    results.add(res);
                    LOG.info(String.format(Locale.ROOT, "round %d %-23s outage load %.3fx (sent %d, received %s,"
                                    + " incoming %d) peak second %.2fx, first second after %.2fx, recovery %s,"
                                    + " outage p50 %.1f ms p99 %.1f ms, success warm-up %.4f outage %.4f,"
                                    + " unanswered %d; warm-up p99 %.1f ms, CPU %.1f s, load average %.1f", res.round(),
                            s.label, res.multiple(), res.sent(),
                            res.received() < 0 ? "n/a" : Long.toString(res.received()), res.incoming(),
                            res.peakSecond(), res.firstSecond(), recovery(res.recoveryMillis()), res.p50Millis(),
                            res.p99Millis(), res.warmupSuccess(), res.outageSuccess(), res.unanswered(),
                            res.warmupP99Millis(), res.cpuSeconds(), res.loadAverage()));
                }
            }
        }
        String table = table(results, o);
        LOG.info("\n{}", table);
        Path target = Path.of("benchmarks", "target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("outage.md"), table, StandardCharsets.UTF_8);
        }
        System.exit(0); // ends at once instead of waiting for idle pooled threads of the clients to time out
    }

    /** A setup's call of the dependency, and what to close after its run (null for nothing). */
    private record Caller(DependencyCall call, AutoCloseable resource) {
    }

    /** A fresh call of {@code setup} (a new Seawall client, a new {@code Retry}) over its counting HTTP client. */
    private static Caller caller(Setup setup, OutageDependency dependency, CountingHttpClient http) {
        HttpRequest toDependency = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dependency.port() + "/dep"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        return switch (setup) {
            case NO_RETRY -> new Caller(() -> http.send(toDependency, HttpResponse.BodyHandlers.discarding())
                    .statusCode(), null);
            case RESILIENCE4J -> {
                Retry retry = Retry.of("dependency", RetryConfig.<HttpResponse<Void>>custom()
                        .maxAttempts(3)
                        .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(500), 2))
                        .retryOnResult(r -> r.statusCode() >= 500)
                        .retryExceptions(IOException.class)
                        .build());
                yield new Caller(() -> retry.executeCallable(() -> http.send(toDependency,
                        HttpResponse.BodyHandlers.discarding())).statusCode(), null);
            }
            case SEAWALL -> {
                SeawallDependencyCall seawall = SeawallDependencyCall.defaults(dependency.port(), http);
                yield new Caller(() -> seawall.send(toDependency, HttpResponse.BodyHandlers.discarding())
                        .statusCode(), seawall);
            }
        };
    }

    /** Healthy traffic through {@code setup} for {@link #JIT_WARMUP_SECONDS}, measuring nothing: compiles its path. */
    static void warm(Setup setup, Options o, OutageDependency dependency, ServiceServlet servlet,
                     CountingHttpClient http, OpenLoad load) throws Exception {
        Caller c = caller(setup, dependency, http);
        servlet.call = c.call();
        long origin = System.nanoTime();
        try {
            load.run(o.rate() * JIT_WARMUP_SECONDS, i -> intended(origin, i, o.rate()), (i, s, t) -> { }, 60);
        } finally {
            if (c.resource() != null) {
                c.resource().close();
            }
        }
    }

    /** One run of one setup: warm-up, outage, recovery at the fixed incoming rate. */
    static RunResult run(Setup setup, int round, Options o, OutageDependency dependency, ServiceServlet servlet,
                         CountingHttpClient http, OpenLoad load) throws Exception {
        Caller caller = caller(setup, dependency, http);
        servlet.call = caller.call();
        long cpu0 = OS.getProcessCpuTime();
        long connections0 = dependency.connectionsOpened();
        int seconds = o.totalSeconds();
        long origin = System.nanoTime() + 50_000_000L;
        int span = (seconds + 90) * 1000;
        Timeline sent = new Timeline(origin, span);
        Timeline received = new Timeline(origin, span);
        Timeline ok = new Timeline(origin, span);
        Timeline failed = new Timeline(origin, span);
        http.countInto(sent);
        dependency.countInto(received);
        AtomicLong failAt = new AtomicLong();
        AtomicLong recoverAt = new AtomicLong();
        Thread phases = new Thread(() -> {
            try {
                parkUntil(origin + o.warmup() * SECOND);
                dependency.fail();
                failAt.set(System.nanoTime());
                parkUntil(origin + (o.warmup() + o.outage()) * SECOND);
                dependency.recover();
                recoverAt.set(System.nanoTime());
            } catch (Exception e) {
                LOG.error("switching the dependency failed", e);
            }
        }, "outage-phases");
        phases.start();
        int n = o.rate() * seconds;
        long[] latency = new long[n];
        int[] status = new int[n];
        try {
            load.run(n, i -> intended(origin, i, o.rate()), (i, s, now) -> {
                latency[i] = now - intended(origin, i, o.rate());
                status[i] = s;
                (s == 200 ? ok : failed).record(now);
            }, 60);
            phases.join();
        } finally {
            http.countInto(null);
            dependency.countInto(null);
            if (caller.resource() != null) {
                caller.resource().close();
            }
        }
        LOG.info("{}: {} connections opened to the dependency", setup.label,
                dependency.connectionsOpened() - connections0);
        RunResult r = measure(setup, round, o, origin, failAt.get(), recoverAt.get(), sent,
                o.failure() == OutageDependency.Failure.REFUSED ? null : received, ok, failed, latency, status);
        return new RunResult(r.setup(), r.round(), r.incoming(), r.sent(), r.received(), r.peakSecond(),
                r.firstSecond(), r.recoveryMillis(), r.p50Millis(), r.p99Millis(), r.warmupSuccess(),
                r.outageSuccess(), r.unanswered(), r.warmupP99Millis(), (OS.getProcessCpuTime() - cpu0) / 1e9,
                OS.getSystemLoadAverage());
    }

    private static RunResult measure(Setup setup, int round, Options o, long origin, long failAt, long recoverAt,
                                     Timeline sent, Timeline received, Timeline ok, Timeline failed, long[] latency,
                                     int[] status) {
        int rate = o.rate();
        double peak = 0;
        StringBuilder perSecond = new StringBuilder();
        for (long from = failAt; from < recoverAt; from += SECOND) {
            long to = Math.min(recoverAt, from + SECOND);
            long in = incoming(origin, rate, from, to);
            if (to - from >= SECOND / 2 && in > 0) {
                double m = sent.count(from, to) / (double) in;
                peak = Math.max(peak, m);
                perSecond.append(String.format(Locale.ROOT, " %.2f", m));
            }
        }
        LOG.info("{} round {}: multiple per second of the outage:{}", setup.label, round, perSecond);
        double first = sent.count(recoverAt, recoverAt + SECOND)
                / (double) incoming(origin, rate, recoverAt, recoverAt + SECOND);
        long end = origin + o.totalSeconds() * SECOND;
        int buckets = (int) ((end - recoverAt) / BUCKET);
        int recoveredFrom = 0;
        for (int j = 0; j < buckets; j++) {
            long from = recoverAt + j * BUCKET;
            long good = ok.count(from, from + BUCKET);
            long bad = failed.count(from, from + BUCKET);
            if (bad > (1 - RECOVERED) * (good + bad)) {
                recoveredFrom = j + 1;
            }
        }
        List<Long> outageLatency = new ArrayList<>();
        List<Long> warmLatency = new ArrayList<>();
        long warmOk = 0;
        long warm = 0;
        long outOk = 0;
        long unanswered = 0;
        for (int i = 0; i < status.length; i++) {
            long t = intended(origin, i, rate);
            if (status[i] < 0) {
                unanswered++;
            }
            if (t < failAt) {
                warm++;
                warmLatency.add(latency[i]);
                warmOk += status[i] == 200 ? 1 : 0;
            } else if (t < recoverAt) {
                outageLatency.add(latency[i]);
                outOk += status[i] == 200 ? 1 : 0;
            }
        }
        long[] lat = outageLatency.stream().mapToLong(Long::longValue).sorted().toArray();
        return new RunResult(setup, round, incoming(origin, rate, failAt, recoverAt), sent.count(failAt, recoverAt),
                received == null ? -1 : received.count(failAt, recoverAt), peak, first,
                recoveredFrom >= buckets ? -1 : recoveredFrom * (BUCKET / 1_000_000), millis(lat, 0.50),
                millis(lat, 0.99), warmOk / (double) warm, outOk / (double) Math.max(1, lat.length), unanswered,
                millis(warmLatency.stream().mapToLong(Long::longValue).sorted().toArray(), 0.99), Double.NaN,
                Double.NaN);
    }

    /** The instant the load generator is due to send request {@code i}. */
    private static long intended(long origin, int i, int rate) {
        return origin + Math.round(i * (double) SECOND / rate);
    }

    /** Requests due in {@code [from, to)}. */
    private static long incoming(long origin, int rate, long from, long to) {
        return firstAtOrAfter(origin, rate, to) - firstAtOrAfter(origin, rate, from);
    }

    private static long firstAtOrAfter(long origin, int rate, long t) {
        long i = Math.max(0, (long) Math.floor((t - origin) * (double) rate / SECOND) - 1);
        while (origin + Math.round(i * (double) SECOND / rate) < t) {
            i++;
        }
        return i;
    }

    private static void parkUntil(long nanos) {
        long d;
        while ((d = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(d);
        }
    }

    private static double millis(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }

    private static String recovery(long millis) {
        return millis < 0 ? "never" : millis + " ms";
    }

    private static double median(List<RunResult> rs, ToDoubleFunction<RunResult> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String table(List<RunResult> results, Options o) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Outage: %d requests/s to a service calling one dependency; %d s healthy,"
                        + " %d s outage (%s), %d s recovery; %d rounds, setups alternating (medians; %d service"
                        + " threads)%n%n", o.rate(), o.warmup(), o.outage(),
                o.failure() == OutageDependency.Failure.REFUSED ? "connections refused" : "503 without Retry-After",
                o.recovery(), o.rounds(), o.serviceThreads()));
        sb.append("| setup | dependency load during the outage (× incoming) | ÷ no-retry, same round | peak second (×)"
                + " | first second after recovery (×) | time to full recovery | outage p50 / p99 (ms) |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        Map<Setup, List<RunResult>> by = new EnumMap<>(Setup.class);
        for (RunResult r : results) {
            by.computeIfAbsent(r.setup(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<Setup, List<RunResult>> e : by.entrySet()) {
            List<RunResult> rs = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.2f | %.2f | %s | %.1f / %.1f |%n",
                    e.getKey().label, median(rs, RunResult::multiple),
                    median(rs, r -> r.multiple() / baseline(results, r).multiple()),
                    median(rs, RunResult::peakSecond), median(rs, RunResult::firstSecond),
                    recoveryText(rs), median(rs, RunResult::p50Millis), median(rs, RunResult::p99Millis)));
        }
        sb.append(String.format(Locale.ROOT, "%nTime to full recovery: from the dependency's recovery until every"
                + " 100 ms bucket of the service's answers (by completion) is at least %.0f %% 200; per round:",
                RECOVERED * 100));
        List<RunResult> seawall = by.getOrDefault(Setup.SEAWALL, List.of());
        for (Map.Entry<Setup, List<RunResult>> e : by.entrySet()) {
            sb.append(' ').append(e.getKey().label).append(' ');
            sb.append(Arrays.toString(e.getValue().stream().map(r -> recovery(r.recoveryMillis())).toArray()));
        }
        sb.append(".\n");
        if (!seawall.isEmpty()) {
            double m = median(seawall, RunResult::multiple);
            long worstRecovery = seawall.stream().mapToLong(r -> r.recoveryMillis() < 0 ? Long.MAX_VALUE
                    : r.recoveryMillis()).max().orElse(Long.MAX_VALUE);
            long under = seawall.stream().filter(r -> r.multiple() <= TARGET_MULTIPLE).count();
            long quick = seawall.stream().filter(r -> r.recoveryMillis() >= 0
                    && r.recoveryMillis() <= TARGET_RECOVERY_MILLIS).count();
            sb.append(String.format(Locale.ROOT, "%nTarget: Seawall ≤ %.1f× the incoming rate during the outage:"
                            + " median %.3f× (rounds %s) — %s (%d of %d rounds). Recovery within %d ms of the"
                            + " dependency's: worst round %s — %s (%d of %d rounds).%n", TARGET_MULTIPLE, m,
                    Arrays.toString(seawall.stream().map(r -> String.format(Locale.ROOT, "%.3f", r.multiple()))
                            .toArray()), under == seawall.size() ? "met" : "not met in every round", under,
                    seawall.size(), TARGET_RECOVERY_MILLIS,
                    recovery(worstRecovery == Long.MAX_VALUE ? -1 : worstRecovery),
                    quick == seawall.size() ? "met" : "not met in every round", quick, seawall.size()));
        }
        return sb.toString();
    }

    private static String recoveryText(List<RunResult> rs) {
        if (rs.stream().anyMatch(r -> r.recoveryMillis() < 0)) {
            return "not within the recovery phase in " + rs.stream().filter(r -> r.recoveryMillis() < 0).count()
                    + " of " + rs.size() + " rounds";
        }
        return String.format(Locale.ROOT, "%.0f ms", median(rs, r -> r.recoveryMillis()));
    }

    /** The no-retry run of the same round; a run itself when no-retry was not among the setups. */
    private static RunResult baseline(List<RunResult> results, RunResult run) {
        return results.stream().filter(r -> r.round() == run.round() && r.setup() == Setup.NO_RETRY).findFirst()
                .orElse(run);
    }
}
