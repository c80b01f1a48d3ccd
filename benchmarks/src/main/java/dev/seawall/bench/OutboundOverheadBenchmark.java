package dev.seawall.bench;

import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

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
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What Seawall's outbound path adds to one successful call: a {@code GET} over loopback to a local Jetty answering 3
 * bytes, one call at a time, made by each {@link Kind} of client, and each kind's time per call divided by its bare
 * client's (the same client without Seawall) measured in the same round. A round runs every kind once, each in a JMH
 * fork of its own, in an order rotated from round to round, so drift on the shared machine reaches every kind alike;
 * the median of the rounds' ratios is reported.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.OutboundOverheadBenchmark [rounds]}
 * (default 3; about a minute per round) after {@code mvn -B -ntp -q -DskipTests -pl benchmarks -am package}. Logs a
 * Markdown table (SLF4J, stderr) and writes it to {@code benchmarks/target/outbound-overhead.md}. Plain JMH works too
 * ({@code java -jar benchmarks/target/benchmarks.jar OutboundOverheadBenchmark}), without the ratios.
 *
 * <p>JMH state: one instance per trial, used by the one benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class OutboundOverheadBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OutboundOverheadBenchmark.class);

    /** One successful call, as the benchmark makes it. */
    @FunctionalInterface
    interface Call {
        /** @return the response's status (200) */
        int get() throws Exception;
    }

    /**
     * The client kinds measured, each with the bare kind it is compared with: a bare one has itself as baseline
     * ({@code null}); a Seawall one names its bare client. A kind's client is built in {@link #open}.
     */
    enum Kind {
        /** {@code java.net.http.HttpClient#send}, no Seawall: the baseline of the blocking kinds. */
        BARE_HTTPCLIENT("bare-httpclient", null),
        /** The bare client's {@code sendAsync} waited for, no Seawall: the baseline of the asynchronous kind. */
        BARE_HTTPCLIENT_ASYNC("bare-httpclient-sendasync", null),
        /** {@code SeawallHttpClient#send}: every attempt a blocking send on the calling thread. */
        SEAWALL_HTTPCLIENT_SEND("seawall-httpclient-send", "bare-httpclient"),
        /** {@code SeawallHttpClient#sendAsync}, waited for: the engine's asynchronous path. */
        SEAWALL_HTTPCLIENT_ASYNC("seawall-httpclient-sendasync", "bare-httpclient-sendasync"),
        /** The same blocking {@code send} wrapped by the decorator, {@code OutboundClient#call}. */
        SEAWALL_DECORATOR("seawall-decorator", "bare-httpclient"),
        /** A Jersey client's synchronous {@code get()}, no Seawall. */
        BARE_JERSEY("bare-jersey", null),
        /** The same Jersey call with {@code SeawallClientFeature} registered. */
        SEAWALL_JERSEY("seawall-jersey-feature", "bare-jersey");

        final String label;
        /** The label of the kind this one is divided by; null for a baseline. */
        final String baseline;

        Kind(String label, String baseline) {
            this.label = label;
            this.baseline = baseline;
        }

        static Kind of(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown kind " + label);
        }
    }

    @Param({"bare-httpclient", "bare-httpclient-sendasync", "seawall-httpclient-send", "seawall-httpclient-sendasync",
        "seawall-decorator", "bare-jersey", "seawall-jersey-feature"})
    public String kind;

    private Loopback.Started server;
    private HttpClient http;
    private SeawallDependencyCall seawall;
    private jakarta.ws.rs.client.Client jersey;
    private Call call;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = Loopback.start(16, false, context -> {
            context.addServlet(new ServletHolder(new Loopback.TinyServlet()), "/*");
            return context;
        });
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
        call = open(Kind.of(kind), server.port());
        for (int i = 0; i < 100; i++) {
            if (call.get() != 200) { // a wrong endpoint would measure a failure path, not a successful call
                throw new IllegalStateException(kind + ": the endpoint did not answer 200");
            }
        }
    }

    /** Builds {@code k}'s client for the endpoint on {@code port}. */
    private Call open(Kind k, int port) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/tiny"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        HttpResponse.BodyHandler<Void> body = HttpResponse.BodyHandlers.discarding();
        String uri = "http://127.0.0.1:" + port + "/tiny";
        return switch (k) {
            case BARE_HTTPCLIENT -> () -> http.send(request, body).statusCode();
            case BARE_HTTPCLIENT_ASYNC -> () -> http.sendAsync(request, body).get().statusCode();
            case SEAWALL_HTTPCLIENT_SEND -> {
                seawall = SeawallDependencyCall.defaults(port, http);
                yield () -> seawall.send(request, body).statusCode();
            }
            case SEAWALL_HTTPCLIENT_ASYNC -> {
                seawall = SeawallDependencyCall.defaults(port, http);
                yield () -> seawall.sendAsync(request, body).get().statusCode();
            }
            case SEAWALL_DECORATOR -> {
                seawall = SeawallDependencyCall.defaults(port, http);
                var client = seawall.client();
                yield () -> client.call(() -> http.send(request, body)).statusCode();
            }
            case BARE_JERSEY -> {
                jersey = jakarta.ws.rs.client.ClientBuilder.newClient();
                yield () -> jerseyGet(jersey, uri);
            }
            case SEAWALL_JERSEY -> {
                seawall = SeawallDependencyCall.defaults(port, http);
                jersey = jakarta.ws.rs.client.ClientBuilder.newClient()
                        .register(new dev.seawall.client.SeawallClientFeature(seawall.engine()));
                yield () -> jerseyGet(jersey, uri);
            }
        };
    }

    private static int jerseyGet(jakarta.ws.rs.client.Client client, String uri) {
        try (jakarta.ws.rs.core.Response r = client.target(uri).request().get()) {
            r.readEntity(byte[].class);
            return r.getStatus();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (jersey != null) {
            jersey.close();
        }
        if (seawall != null) {
            seawall.close();
        }
        server.close();
    }

    /** One successful {@code GET} over loopback. */
    @Benchmark
    public int get() throws Exception {
        return call.get();
    }

    /** Rounds of every kind, each kind in a fork of its own; ratios to each kind's baseline within a round. */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Kind[] kinds = Kind.values();
        Map<Kind, List<double[]>> scores = new LinkedHashMap<>(); // per kind, per round: {µs per call, error}
        Map<Kind, List<Double>> ratios = new LinkedHashMap<>();
        for (Kind k : kinds) {
            scores.put(k, new ArrayList<>());
            ratios.put(k, new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            Map<String, Double> round = new LinkedHashMap<>();
            for (int i = 0; i < kinds.length; i++) {
                Kind k = kinds[(i + r) % kinds.length];
                Collection<RunResult> res = new Runner(new OptionsBuilder()
                        .include(OutboundOverheadBenchmark.class.getName() + ".get")
                        .param("kind", k.label)
                        .build()).run();
                RunResult one = res.iterator().next();
                double score = one.getPrimaryResult().getScore();
                scores.get(k).add(new double[] {score, one.getPrimaryResult().getScoreError()});
                round.put(k.label, score);
            }
            for (Kind k : kinds) {
                double mine = round.get(k.label);
                ratios.get(k).add(mine / round.get(k.baseline == null ? k.label : k.baseline));
            }
            LOG.info("round {}: {}", r + 1, round);
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Per-call overhead: one successful GET over loopback (3-byte answer),"
                + " one call at a time; %d rounds, each kind in its own JMH fork (3 x 2 s warm-up, 5 x 2 s"
                + " measured)%n%n", rounds));
        md.append("| kind | compared with | µs per call (median of rounds) | ratio per round | median ratio |\n");
        md.append("|---|---|---|---|---|\n");
        for (Kind k : kinds) {
            double[] per = scores.get(k).stream().mapToDouble(s -> s[0]).sorted().toArray();
            double[] rs = ratios.get(k).stream().mapToDouble(Double::doubleValue).toArray();
            double[] sorted = rs.clone();
            Arrays.sort(sorted);
            StringBuilder each = new StringBuilder();
            for (double x : rs) {
                each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", x));
            }
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | **%.3f** |%n", k.label,
                    k.baseline == null ? "—" : k.baseline, median(per), each, median(sorted)));
        }
        LOG.info("\n{}", md);
        Path target = Path.of("benchmarks", "target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("outbound-overhead.md"), md, StandardCharsets.UTF_8);
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
