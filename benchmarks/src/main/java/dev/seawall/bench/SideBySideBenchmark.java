package dev.seawall.bench;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Side-by-side load comparison on a trivial endpoint: bare Jetty 12 against Seawall (one IP limit; the
 * full chain) and the filters users would otherwise pick (Jetty's DoSFilter, DoSFilter + QoSFilter, Tomcat's
 * RateLimitFilter, a hand-rolled Bucket4j filter), each setup's server in a JVM of its own ({@link ForkedServer}, so
 * that no setup's JIT profile shapes another's; {@code --fork false} keeps them in this JVM), in three runs:
 * <ol>
 *   <li>admission: limits so high that nothing is rejected;</li>
 *   <li>rejection: 90 % of requests come from one client address far over a 100/s per-address limit;</li>
 *   <li>key flood: requests from {@code --flood-keys} distinct addresses behind a trusted proxy, heap measured
 *       after a full GC every slice.</li>
 * </ol>
 * In the first two runs every setup's server runs at once and, after one warm-up each, the load alternates between
 * them with bare Jetty between every two (bare A bare B bare C bare, then B C A …: rotated each round), so each
 * setup's ratio compares it with the two baseline runs seconds before and after it and drift on the shared machine
 * cancels; the median of those ratios is reported. Writes {@code side-by-side.md} and {@code ratio.svg} to
 * {@code --out} (default {@code benchmarks/results}).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.SideBySideBenchmark} (about 11 minutes;
 * the servers' heaps are set by {@code --server-jvm}); {@code --help} lists the options. Not thread-safe; a program,
 * not a library.
 */
public final class SideBySideBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SideBySideBenchmark.class);

    /** Rate under which nothing is rejected in the admission run (per second, per key). */
    static final long HIGH = 100_000_000L;
    /** DoSFilter keeps one {@code long} per allowed request per second per address, so its "high" must stay small. */
    static final int DOS_HIGH = 1_000_000;
    /** The per-address limit of the rejection and key-flood runs unless {@code --reject-limit} says otherwise. */
    static final int LOW = 100;
    /**
     * JVM options of each setup's server in the alternating runs (eight of them run at once). Fixed, pre-touched heap
     * and young generation: bare Jetty runs between every two other runs, so its JVM has long settled, while a setup's
     * JVM would otherwise still be faulting in fresh heap pages (kernel time counted as its server CPU) and resizing
     * its young generation during its first rounds — a bias against every setup but the baseline.
     */
    static final String DEFAULT_SERVER_JVM = "-Xms1g -Xmx1g -Xmn512m -XX:+AlwaysPreTouch";
    /** JVM options of the key flood's servers (one at a time): DoSFilter's tracker alone needs over 600 MiB. */
    static final String DEFAULT_FLOOD_SERVER_JVM = "-Xms3g -Xmx3g -XX:+AlwaysPreTouch";

    private SideBySideBenchmark() {
    }

    /** The setups, in the order they alternate. */
    enum Setup {
        BARE("bare-jetty"),
        SEAWALL_IP("seawall-ip"),
        /** Informational: {@link #SEAWALL_IP} with {@code headers: {rate-limit: none}}, to show what the IETF headers cost. */
        SEAWALL_IP_NO_HEADERS("seawall-ip-no-headers"),
        SEAWALL_FULL("seawall-full-chain"),
        DOS("jetty-dosfilter"),
        DOS_QOS("jetty-dosfilter+qosfilter"),
        TOMCAT("tomcat-ratelimitfilter"),
        BUCKET4J("hand-rolled-bucket4j"),
        /** Key flood only: one IP limit of 6000/1m, so idle buckets live a minute and the max-keys bound decides. */
        SEAWALL_IP_MINUTE("seawall-ip-per-minute");

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

        boolean seawall() {
            return label.startsWith("seawall");
        }
    }

    /**
     * A started setup, in this JVM or in one of its own ({@link ForkedServer}). Not thread-safe: one thread drives
     * it.
     */
    interface Server extends AutoCloseable {
        int port();

        /** The server's CPU time in ns, or -1 when it shares this process (the load client then separates it). */
        long cpuNanos() throws IOException;

        /** Runs a full GC in the server's JVM and returns its used heap in bytes. */
        long usedHeapAfterGc() throws IOException;

        @Override
        void close() throws IOException;

        /** What {@link Loopback#drive} reads the server's CPU with: null when it is this process. */
        default Loopback.CpuProbe cpuProbe() {
            return this::cpuNanos;
        }
    }

    /** A setup in the harness's own JVM ({@code --fork false}): quicker to start, and sharing the JIT's profiles. */
    record InProcess(Loopback.Started started) implements Server {
        @Override
        public int port() {
            return started.port();
        }

        @Override
        public long cpuNanos() {
            return -1;
        }

        @Override
        public long usedHeapAfterGc() {
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        @Override
        public Loopback.CpuProbe cpuProbe() {
            return null;
        }

        @Override
        public void close() throws IOException {
            started.close();
        }
    }

    public static void main(String[] args) throws Exception {
        SideBySideOptions o;
        try {
            o = SideBySideOptions.parse(args);
        } catch (IllegalArgumentException e) {
            LOG.error(e.getMessage());
            System.exit(2);
            return;
        }
        StringBuilder md = new StringBuilder();
        md.append(machine(o));
        List<RatioChart.Group> chart = new ArrayList<>();
        Map<Setup, Double> admissionRatio = new LinkedHashMap<>();
        Map<Setup, Double> admissionOkP99 = new LinkedHashMap<>();
        if (o.runs().contains("admission")) {
            Runs r = alternate(o, false, o.rounds(), o.roundMillis(),
                    Loopback.Requests.fixed(plainRequest()));
            md.append("\n### Admission: nothing rejected\n\n").append(String.format(Locale.ROOT,
                    "%d rounds after a %.1f s warm-up per setup (two passes); in each round every setup runs %.1f s between two bare-Jetty runs"
                            + " (order rotated each round), and its ratio is its throughput over the mean of those two; %d"
                            + " keep-alive connections.%n%n",
                    o.rounds(), o.warmupMillis() / 1e3, o.roundMillis() / 1e3, o.connections()));
            md.append(admissionTable(r, admissionRatio, admissionOkP99));
            chart.add(new RatioChart.Group("admission (nothing rejected): req/s ÷ bare Jetty", bars(r, false)));
        }
        if (o.runs().contains("rejection")) {
            Runs r = alternate(o, true, o.rejectRounds(), o.rejectMillis(),
                    rejectionRequests(o.connections()));
            md.append("\n### Rejection-heavy: 90 % of requests over the per-address limit\n\n").append(String.format(
                    Locale.ROOT, "%d rounds after a %.1f s warm-up per setup (two passes); in each round every setup runs %.1f s between two"
                            + " bare-Jetty runs (order rotated each round);"
                            + " per-address limit"
                            + " %d/s; 9 of every 10 requests carry the flooding address, 1 in 10 one of 1,000 others.%n%n",
                    o.rejectRounds(), o.warmupMillis() / 1e3, o.rejectMillis() / 1e3, o.rejectLimit()));
            md.append(rejectionTable(r, admissionRatio, admissionOkP99));
            chart.add(new RatioChart.Group("rejection-heavy (90 % over the limit): answers/s ÷ bare Jetty", bars(r, true)));
        }
        if (o.runs().contains("flood")) {
            md.append("\n### Key flood\n\n").append(flood(o));
        }
        Files.createDirectories(o.out());
        Files.writeString(o.out().resolve("side-by-side.md"), md, StandardCharsets.UTF_8);
        if (!chart.isEmpty()) {
            Files.writeString(o.out().resolve("ratio.svg"), RatioChart.svg("Throughput relative to bare Jetty 12"
                    + " (median of alternating rounds; whisker: lowest-highest round)", chart,
                    new double[] {0.90, 0.97}), StandardCharsets.UTF_8);
        }
        LOG.info("\n{}", md);
        LOG.info("wrote {} and {}", o.out().resolve("side-by-side.md"), o.out().resolve("ratio.svg"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // the setups

    /**
     * Starts one setup. {@code low} selects the rejection/flood limits ({@code lowLimit}/s per address, addresses
     * taken from {@code X-Forwarded-For}) instead of the admission run's limits that never reject.
     */
    static Loopback.Started start(Setup setup, boolean low, int lowLimit) throws Exception {
        // Filters other than Seawall only see getRemoteAddr(): behind a proxy their users let Jetty's
        // ForwardedRequestCustomizer rewrite it. Seawall reads X-Forwarded-For itself, from trusted peers only.
        boolean forwarded = low && !setup.seawall() && setup != Setup.BARE;
        long perAddress = low ? lowLimit : HIGH; // per second; DoSFilter alone needs a smaller "high"
        return Loopback.start(64, forwarded, context -> {
            context.addServlet(new ServletHolder(new Loopback.TinyServlet()), "/*");
            EnumSet<DispatcherType> types = EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC);
            switch (setup) {
                case BARE -> {
                }
                case SEAWALL_IP, SEAWALL_IP_NO_HEADERS -> add(context, seawall(low, setup == Setup.SEAWALL_IP_NO_HEADERS,
                        "- {by: ip, limit: %d/1s}".formatted(perAddress), ""), types);
                case SEAWALL_IP_MINUTE -> add(context, seawall(low, false,
                        "- {by: ip, limit: %d/1m}".formatted(lowLimit * 60), ""), types);
                case SEAWALL_FULL -> {
                    add(context, new BenchAuthFilter(), types);
                    String limits = """
                            - {by: ip, limit: %d/1s}
                                  - {by: api-key, limit: %d/1s}
                                  - {by: user, attribute: bench.user, limit: %d/1s}
                                  - {by: tenant, limit: %d/1s}""".formatted(perAddress, HIGH, HIGH, HIGH);
                    add(context, seawall(low, false, limits, """
                                throttle: {max-concurrent: 64, queue: 64, max-wait: 1s}
                                circuit-breaker: {failure-rate: 50, minimum-calls: 20, window: 100, open-for: 30s}
                                timeout: 5s
                                fallback:
                                  status: 200
                                  body: '{"degraded":true}'
                                  stale-cache: 1m
                            """), types);
                }
                case DOS, DOS_QOS -> {
                    FilterHolder dos = new FilterHolder(new org.eclipse.jetty.ee10.servlets.DoSFilter());
                    dos.setAsyncSupported(true);
                    dos.setInitParameter("maxRequestsPerSec", Integer.toString(low ? lowLimit : DOS_HIGH));
                    dos.setInitParameter("delayMs", "-1"); // reject at once, like every other setup here
                    dos.setInitParameter("tooManyCode", "429");
                    context.addFilter(dos, "/*", types);
                    if (setup == Setup.DOS_QOS) {
                        @SuppressWarnings("deprecation") // deprecated in Jetty 12 and still widely deployed
                        FilterHolder qos = new FilterHolder(new org.eclipse.jetty.ee10.servlets.QoSFilter());
                        qos.setAsyncSupported(true);
                        qos.setInitParameter("maxRequests", "64");
                        context.addFilter(qos, "/*", types);
                    }
                }
                case TOMCAT -> {
                    FilterHolder t = new FilterHolder(new org.apache.catalina.filters.RateLimitFilter());
                    t.setAsyncSupported(true);
                    t.setInitParameter("bucketDuration", "1");
                    t.setInitParameter("bucketRequests", Long.toString(perAddress));
                    t.setInitParameter("statusCode", "429");
                    context.addFilter(t, "/*", types);
                }
                case BUCKET4J -> add(context, new HandRolledBucket4jFilter(perAddress, Duration.ofSeconds(1)), types);
                default -> throw new IllegalArgumentException(setup.label);
            }
            return context;
        });
    }

    /**
     * @param low whether this is the rejection/flood configuration, where client addresses arrive in
     *            {@code X-Forwarded-For} from the (trusted) load generator; in the admission run every setup
     *            keys on the socket peer, so Seawall trusts no proxy there (and does not look for the header)
     */
    private static SeawallFilter seawall(boolean low, boolean noHeaders, String limits, String stages) {
        String yaml = (low ? "trusted-proxies: [127.0.0.1/32]\n" : "")
                + (noHeaders ? "headers: {rate-limit: none}\n" : "") + """
                policies:
                  - name: bench
                    paths: [/*]
                    rate-limits:
                      %s
                %s""".formatted(limits, stages);
        return SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("side-by-side.yaml", yaml).build();
    }

    private static void add(ServletContextHandler context, Filter filter, EnumSet<DispatcherType> types) {
        FilterHolder h = new FilterHolder(filter);
        h.setAsyncSupported(true);
        context.addFilter(h, "/*", types);
    }

    // ---------------------------------------------------------------------------------------------------------
    // requests

    /** Every setup gets the same bytes: the full chain's api-key and tenant headers are sent to all of them. */
    static String plainRequest() {
        return "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: bench-key\r\nX-Tenant-ID: acme\r\n\r\n";
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** 9 in 10 requests from one flooding address, 1 in 10 from one of 1,000 well-behaved ones, via the proxy header. */
    static Loopback.Requests rejectionRequests(int connections) {
        byte[] flood = ascii(withForwardedFor("10.200.0.1"));
        byte[][] good = new byte[1000][];
        for (int i = 0; i < good.length; i++) {
            good[i] = ascii(withForwardedFor("10.100." + (i / 256) + "." + (i % 256)));
        }
        return (c, seq, buf) -> {
            byte[] r = seq % 10 == 9 ? good[(int) ((seq / 10 * connections + c) % good.length)] : flood;
            System.arraycopy(r, 0, buf, 0, r.length);
            return r.length;
        };
    }

    private static String withForwardedFor(String address) {
        return "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: bench-key\r\nX-Tenant-ID: acme\r\nX-Forwarded-For: "
                + address + "\r\n\r\n";
    }

    /** Cycles through {@code keys} distinct addresses 10.a.b.c, each connection a disjoint stride, formatted in place. */
    static Loopback.Requests floodRequests(int connections, int keys) {
        byte[] head = ascii("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: bench-key\r\nX-Tenant-ID: acme\r\n"
                + "X-Forwarded-For: 10.");
        byte[] tail = ascii("\r\n\r\n");
        return (c, seq, buf) -> {
            int k = (int) ((seq * connections + c) % keys);
            System.arraycopy(head, 0, buf, 0, head.length);
            int p = head.length;
            p = digits(buf, p, (k >>> 16) & 0xFF);
            buf[p++] = '.';
            p = digits(buf, p, (k >>> 8) & 0xFF);
            buf[p++] = '.';
            p = digits(buf, p, k & 0xFF);
            System.arraycopy(tail, 0, buf, p, tail.length);
            return p + tail.length;
        };
    }

    private static int digits(byte[] buf, int p, int v) {
        if (v >= 100) {
            buf[p++] = (byte) ('0' + v / 100);
        }
        if (v >= 10) {
            buf[p++] = (byte) ('0' + v / 10 % 10);
        }
        buf[p++] = (byte) ('0' + v % 10);
        return p;
    }

    // ---------------------------------------------------------------------------------------------------------
    // runs

    /**
     * Starts every setup, warms each up, then drives them in rounds: bare, A, bare, B, bare, C, bare, the order of
     * A B C rotated each round, so that every setup takes every position and sits between two baseline runs.
     */
    static Runs alternate(SideBySideOptions o, boolean low, int rounds, long millis, Loopback.Requests requests)
            throws Exception {
        Map<Setup, Server> servers = new LinkedHashMap<>();
        Runs results = new Runs();
        try {
            for (Setup s : o.setups()) {
                servers.put(s, o.open(s, low, false));
                results.put(s, new ArrayList<>());
                results.reference.put(s, new ArrayList<>());
                results.referenceCpu.put(s, new ArrayList<>());
            }
            // two passes of half the warm-up each: a server's first period after its first load (the connections
            // closed, then reopened after a pause) ran measurably slower in every setup, bare Jetty included, while its
            // JIT recompiled paths the first load never took; the second pass absorbs that
            for (int pass = 0; pass < 2; pass++) {
                for (Setup s : o.setups()) {
                    Loopback.drive(servers.get(s).port(), o.connections(), o.warmupMillis() / 2, requests,
                            servers.get(s).cpuProbe());
                }
            }
            List<Setup> others = new ArrayList<>(o.setups());
            others.remove(Setup.BARE);
            for (int r = 0; r < rounds; r++) {
                List<Setup> order = new ArrayList<>(others);
                java.util.Collections.rotate(order, -(r % Math.max(1, order.size())));
                Loopback.Result before = run(servers, results, Setup.BARE, low, r, millis, o, requests);
                for (Setup s : order) {
                    Loopback.Result mine = run(servers, results, s, low, r, millis, o, requests);
                    Loopback.Result after = run(servers, results, Setup.BARE, low, r, millis, o, requests);
                    results.reference.get(s).add((before.perSecond() + after.perSecond()) / 2);
                    results.referenceCpu.get(s).add((before.serverCpuMicrosPerAnswer()
                            + after.serverCpuMicrosPerAnswer()) / 2);
                    before = after;
                }
            }
        } finally {
            for (Server st : servers.values()) {
                st.close();
            }
        }
        return results;
    }

    private static Loopback.Result run(Map<Setup, Server> servers, Runs results, Setup s, boolean low,
                                       int round, long millis, SideBySideOptions o, Loopback.Requests requests) throws Exception {
        Server server = servers.get(s);
        Loopback.Result res = Loopback.drive(server.port(), o.connections(), millis, requests, server.cpuProbe());
        results.get(s).add(res);
        if (s == Setup.BARE) {
            results.reference.get(s).add(res.perSecond());
            results.referenceCpu.get(s).add(res.serverCpuMicrosPerAnswer());
        }
        LOG.info(String.format(Locale.ROOT, "%s round %d %-26s %9.0f answers/s (%5.1f %% rejected,"
                        + " %d other) p50 %5.0f us p99 %6.0f us, client cpu %4.1f %%, server cpu %5.2f us/answer",
                low ? "rejection" : "admission", round + 1, s.label, res.perSecond(),
                100.0 * res.rejected() / Math.max(1, res.ok() + res.rejected() + res.other()), res.other(),
                res.allMicros(0.5), res.allMicros(0.99), 100 * res.clientCpuShare(),
                res.serverCpuMicrosPerAnswer()));
        return res;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double median(List<Loopback.Result> rs, java.util.function.ToDoubleFunction<Loopback.Result> f) {
        return median(rs.stream().mapToDouble(f).toArray());
    }

    /** Per run: throughput over the bracketing bare runs' mean (1 for bare itself). */
    static double[] ratios(Map<Setup, List<Loopback.Result>> r, Setup s) {
        return perRun(r.get(s), ((Runs) r).reference.get(s), Loopback.Result::perSecond);
    }

    /** Per run: server CPU per answer over the bracketing bare runs' mean (1 for bare itself). */
    static double[] cpuRatios(Map<Setup, List<Loopback.Result>> r, Setup s) {
        return perRun(r.get(s), ((Runs) r).referenceCpu.get(s), Loopback.Result::serverCpuMicrosPerAnswer);
    }

    private static double[] perRun(List<Loopback.Result> mine, List<Double> reference,
                                   java.util.function.ToDoubleFunction<Loopback.Result> figure) {
        double[] out = new double[mine.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = figure.applyAsDouble(mine.get(i)) / reference.get(i);
        }
        return out;
    }

    private static List<RatioChart.Bar> bars(Map<Setup, List<Loopback.Result>> r, boolean rejection) {
        List<RatioChart.Bar> bars = new ArrayList<>();
        for (Setup s : r.keySet()) {
            double[] q = ratios(r, s);
            bars.add(new RatioChart.Bar(s.label, median(q), Arrays.stream(q).min().orElse(Double.NaN),
                    Arrays.stream(q).max().orElse(Double.NaN)));
        }
        return bars;
    }

    private static String perRound(Setup s, double[] q) {
        return s == Setup.BARE ? "reference (runs before and after every other run)" : perRound(q);
    }

    private static String perRound(double[] q) {
        return Arrays.stream(q).mapToObj(x -> String.format(Locale.ROOT, "%.3f", x)).collect(Collectors.joining(" "));
    }

    static String admissionTable(Map<Setup, List<Loopback.Result>> r, Map<Setup, Double> ratioOut,
                                 Map<Setup, Double> okP99Out) {
        StringBuilder sb = new StringBuilder("| setup | req/s (median) | ratio to bare (median) | per-round ratios |"
                + " p50 µs | p99 µs | non-2xx | client CPU share | server CPU µs/answer | ÷ bare (median of"
                + " per-run ratios) |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<Setup, List<Loopback.Result>> e : r.entrySet()) {
            List<Loopback.Result> rs = e.getValue();
            double[] q = ratios(r, e.getKey());
            ratioOut.put(e.getKey(), median(q));
            okP99Out.put(e.getKey(), median(rs, x -> x.okMicros(0.99)));
            long bad = rs.stream().mapToLong(x -> x.rejected() + x.other()).sum();
            double cpu = median(rs, Loopback.Result::serverCpuMicrosPerAnswer);
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | **%.3f** | %s | %.0f | %.0f | %d | %.0f %% | %.2f | %.3f |%n",
                    e.getKey().label, median(rs, Loopback.Result::perSecond), median(q), perRound(e.getKey(), q),
                    median(rs, x -> x.allMicros(0.5)), median(rs, x -> x.allMicros(0.99)), bad,
                    100 * median(rs, Loopback.Result::clientCpuShare), cpu, median(cpuRatios(r, e.getKey()))));
        }
        return sb.toString();
    }

    static String rejectionTable(Map<Setup, List<Loopback.Result>> r, Map<Setup, Double> admissionRatio,
                                 Map<Setup, Double> admissionOkP99) {
        StringBuilder sb = new StringBuilder("| setup | answers/s (median) | ratio to bare (median) | per-round ratios |"
                + " rejected | 429 p50 µs | 429 p99 µs | admitted p99 µs | ratio here ÷ ratio in admission run |"
                + "\n|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<Setup, List<Loopback.Result>> e : r.entrySet()) {
            List<Loopback.Result> rs = e.getValue();
            double[] q = ratios(r, e.getKey());
            double share = median(rs, x -> x.rejected() / (double) Math.max(1, x.ok() + x.rejected() + x.other()));
            Double adm = admissionRatio.get(e.getKey());
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | **%.3f** | %s | %.1f %% | %s | %s | %.0f | %s |%n",
                    e.getKey().label, median(rs, Loopback.Result::perSecond), median(q), perRound(e.getKey(), q), 100 * share,
                    fmt(median(rs, x -> x.rejectedMicros(0.5))), fmt(median(rs, x -> x.rejectedMicros(0.99))),
                    median(rs, x -> x.okMicros(0.99)), adm == null ? "—" : String.format(Locale.ROOT, "%.3f",
                            median(q) / adm)));
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.0f", v);
    }

    /**
     * One setup after the other (state accumulates, so rounds cannot alternate): a fresh server, a full GC, then
     * slices of load from ever new addresses, with the heap measured after a full GC at the end of each slice.
     */
    static String flood(SideBySideOptions o) throws Exception {
        Loopback.Requests requests = floodRequests(o.connections(), o.floodKeys());
        int slices = (int) Math.max(1, o.floodMillis() / o.floodSliceMillis());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%,d distinct client addresses in"
                        + " `X-Forwarded-For` from a trusted proxy (127.0.0.1), cycled in order; per-address limit %d/s"
                        + " (`seawall-ip-per-minute`: %d/1m); %d slices of %.0f s per setup; heap = used heap after a"
                        + " full GC in the server's JVM minus the same figure right after its server started.%n%n",
                o.floodKeys(), o.rejectLimit(), o.rejectLimit() * 60,
                slices, o.floodSliceMillis() / 1e3));
        sb.append("| setup | req/s (whole run) | ratio to bare | p50 µs | p99 µs | rejected | heap after each slice (MiB) |"
                + " plateau (last slice, MiB) |\n|---|---|---|---|---|---|---|---|\n");
        double bare = Double.NaN;
        for (Setup s : o.floodSetups()) {
            long requestsDone = 0;
            long elapsed = 0;
            long rejected = 0;
            List<String> heap = new ArrayList<>();
            List<Loopback.Result> parts = new ArrayList<>();
            double lastHeap = 0;
            try (Server st = o.open(s, true, true)) {
                long before = st.usedHeapAfterGc();
                for (int i = 0; i < slices; i++) {
                    Loopback.Result res = Loopback.drive(st.port(), o.connections(), o.floodSliceMillis(), requests,
                            st.cpuProbe());
                    parts.add(res);
                    requestsDone += res.ok() + res.rejected() + res.other();
                    rejected += res.rejected() + res.other();
                    elapsed += res.elapsedNanos();
                    lastHeap = (st.usedHeapAfterGc() - before) / 1048576.0;
                    heap.add(String.format(Locale.ROOT, "%.0f", lastHeap));
                    LOG.info(String.format(Locale.ROOT, "flood %-24s slice %d %9.0f req/s heap +%.0f MiB", s.label,
                            i + 1, res.perSecond(), lastHeap));
                }
            }
            double perSecond = requestsDone / (elapsed / 1e9);
            if (s == Setup.BARE) {
                bare = perSecond;
            }
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.3f | %.0f | %.0f | %d | %s | **%.0f** |%n", s.label,
                    perSecond, perSecond / bare, median(parts, x -> x.allMicros(0.5)),
                    median(parts, x -> x.allMicros(0.99)), rejected, String.join(" → ", heap), lastHeap));
        }
        return sb.toString();
    }

    private static String machine(SideBySideOptions o) {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: the processor count below still says what matters
        }
        Runtime rt = Runtime.getRuntime();
        String where = o.fork() ? String.format(Locale.ROOT, "every setup's server in a JVM of its own (%s; key flood: %s),"
                + " the %d load connections in the harness's JVM, all on the same CPUs", String.join(" ", o.serverJvm()),
                String.join(" ", o.floodServerJvm()), o.connections())
                : String.format(Locale.ROOT, "servers and %d load connections in one JVM (max heap %d MiB; `--fork false`)",
                o.connections(), rt.maxMemory() / 1048576);
        return String.format(Locale.ROOT, "Run of %s: %d CPUs (%s), Java %s (%s), %s %s; %s (client CPU share per round"
                        + " below).%n",
                LocalDate.now(), rt.availableProcessors(), cpu, System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.version"),
                where);
    }
}
