package dev.seawall.bench;

import dev.seawall.servlet.SeawallFilter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an idempotency key costs per protected {@code POST}, against the same {@code POST} unprotected on the same
 * server in the same run, with the keys in the JVM and in Redis. Two Jetty servers (one whose Seawall keeps keys in
 * the JVM, one whose Seawall keeps them in a real Redis shipped in the embedded-redis jar), each serving {@code /bare/*}
 * (no policy) and {@code /protected/*} ({@code idempotency: on}). Every round drives, on each server: {@code bare}
 * (no key), {@code first} (a new key per request: claim, run, keep) and {@code replay} (one key per connection: the
 * kept answer), closed-loop over keep-alive HTTP/1.1 on raw sockets. Ratios are to the same server's {@code bare} of the
 * same round. Redis round trips per request are read from Redis's own {@code INFO commandstats} (every operation of the
 * store is one script call).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.IdempotencyBenchmark [rounds] [seconds]
 * [clients]} after {@code mvn -B -ntp -q -DskipTests -pl benchmarks -am package}. Writes
 * {@code benchmarks/target/idempotency.md}.
 */
public final class IdempotencyBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IdempotencyBenchmark.class);
    private static final String BODY = "{\"amount\":1200,\"currency\":\"EUR\",\"note\":\"benchmark order\"}";
    private static final List<String> SETUPS = List.of("bare", "first", "replay");

    private IdempotencyBenchmark() {
    }

    /** Reads the whole body and answers 201 with a small JSON body and a {@code Location}. */
    static final class OrderServlet extends HttpServlet {
        private static final byte[] ANSWER = "{\"id\":42,\"status\":\"accepted\"}".getBytes(StandardCharsets.US_ASCII);

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try (InputStream in = req.getInputStream()) {
                in.readAllBytes();
            }
            resp.setStatus(201);
            resp.setContentType("application/json");
            resp.setHeader("Location", "/orders/42");
            resp.setContentLength(ANSWER.length);
            resp.getOutputStream().write(ANSWER);
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int redisPort;
        try (ServerSocket s = new ServerSocket(0)) {
            redisPort = s.getLocalPort();
        }
        RedisServer redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        redis.start();
        RedisClient admin = RedisClient.create("redis://127.0.0.1:" + redisPort);
        String store = "store:\n  type: redis\n  uri: redis://127.0.0.1:" + redisPort + "\n"
                + "  key-salt: benchmark-salt-0123456789\n  timeout: 1s\n";
        String policy = "policies:\n  - name: orders\n    paths: [/protected/*]\n    idempotency: {expire: 5m}\n";
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        try (StatefulRedisConnection<String, String> stats = admin.connect();
             Loopback.Started local = server(policy);
             Loopback.Started shared = server(store + policy)) {
            for (int round = 0; round <= rounds; round++) { // round 0 warms up
                for (String where : List.of("local", "redis")) {
                    int port = where.equals("local") ? local.port() : shared.port();
                    for (String setup : SETUPS) {
                        stats.sync().configResetstat();
                        Loopback.Result r = drive(port, setup, round, clients, seconds);
                        double trips = where.equals("redis") ? scripts(stats.sync().info("commandstats")) / r.ok() : 0;
                        double[] row = {r.perSecond(), r.okMicros(0.50), r.okMicros(0.99), trips};
                        LOG.info(String.format(Locale.ROOT, "round %d %-5s %-6s %,9.0f req/s p50 %6.1f us p99 %7.1f us"
                                + " %.2f Redis round trips per request", round, where, setup, row[0], row[1], row[2],
                                row[3]));
                        if (round > 0) {
                            results.computeIfAbsent(where + " " + setup, k -> new ArrayList<>()).add(row);
                        }
                    }
                }
            }
        } finally {
            admin.shutdown();
            redis.stop();
        }
        StringBuilder md = new StringBuilder("\n| store | requests | req/s (median) | ratio to bare (median of rounds)"
                + " | p50 (µs) | p99 (µs) | Redis round trips per request |\n|---|---|---|---|---|---|---|\n");
        for (String where : List.of("local", "redis")) {
            List<double[]> bare = results.get(where + " bare");
            for (String setup : SETUPS) {
                List<double[]> rows = results.get(where + " " + setup);
                double[] ratios = new double[rows.size()];
                for (int i = 0; i < rows.size(); i++) {
                    ratios[i] = rows.get(i)[0] / bare.get(i)[0];
                }
                md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.3f | %.0f | %.0f | %s |%n", where, setup,
                        median(rows, 0), median(ratios), median(rows, 1), median(rows, 2),
                        where.equals("local") || setup.equals("bare") ? "—"
                                : String.format(Locale.ROOT, "%.2f", median(rows, 3))));
            }
        }
        LOG.info("{}", md);
        Path target = Path.of("benchmarks", "target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("idempotency.md"), md, StandardCharsets.UTF_8);
        }
    }

    private static Loopback.Started server(String yaml) throws Exception {
        FilterHolder f = new FilterHolder(SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("idempotency-bench.yaml", yaml).build());
        f.setAsyncSupported(true);
        return Loopback.start(64, false, context -> {
            context.addServlet(new ServletHolder(new OrderServlet()), "/*");
            context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
            return context;
        });
    }

    /** Closed loop; every answer must be a 2xx (a 409 or 422 would mean the harness sent what it did not mean to). */
    private static Loopback.Result drive(int port, String setup, int round, int clients, int seconds)
            throws Exception {
        String path = setup.equals("bare") ? "/bare/orders" : "/protected/orders";
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + BODY.length() + "\r\n";
        Loopback.Requests requests = (connection, sequence, buf) -> {
            String key = switch (setup) {
                case "first" -> "Idempotency-Key: \"r" + round + "-c" + connection + "-" + sequence + "\"\r\n";
                case "replay" -> "Idempotency-Key: \"r" + round + "-c" + connection + "-replayed\"\r\n";
                default -> "";
            };
            byte[] b = (head + key + "\r\n" + BODY).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, buf, 0, b.length);
            return b.length;
        };
        Loopback.Result r = Loopback.drive(port, clients, seconds * 1000L, requests);
        if (r.rejected() + r.other() > 0) {
            throw new IllegalStateException(setup + ": " + (r.rejected() + r.other()) + " answers were not 2xx");
        }
        return r;
    }

    /** @return script calls Redis ran since the last reset: the store makes one per operation */
    private static double scripts(String commandstats) {
        double calls = 0;
        for (String line : commandstats.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                int c = line.indexOf("calls=");
                calls += Double.parseDouble(line.substring(c + 6, line.indexOf(',', c)));
            }
        }
        return calls;
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = new double[rows.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rows.get(i)[column];
        }
        return median(v);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
