package dev.seawall.bench;

import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How long a shared breaker opened on one node takes to open on the others ({@code circuit-breaker.shared: true}),
 * on one real Redis on loopback: {@code nodes} engines, each with its own Redis store (its own connections and
 * subscription), share one breaker. Each repetition fails calls on node 0 until its window opens the breaker, then
 * watches every other node's breaker until it is open; the time from the start of the call that opened node 0 to each
 * other node's opening is one sample. An operator's close on node 0 then closes every node (also timed) before the
 * next repetition. Reports the median, p99 and maximum of both.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.seawall.bench.SharedBreakerBenchmark [repetitions] [nodes]}. Not
 * thread-safe; a main program.
 */
public final class SharedBreakerBenchmark {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SharedBreakerBenchmark.class);
    private static final int MINIMUM_CALLS = 5;

    private SharedBreakerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        redis.start();
        List<Seawall> engines = new ArrayList<>();
        try {
            String yaml = """
                    store:
                      type: redis
                      uri: redis://127.0.0.1:%d
                      key-salt: shared-breaker-benchmark-salt
                    policies:
                      - name: payments
                        paths: [/pay/*]
                        circuit-breaker:
                          minimum-calls: %d
                          window: %d
                          open-for: 1h
                          shared: true
                    """.formatted(port, MINIMUM_CALLS, MINIMUM_CALLS);
            List<Breaker> breakers = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                Seawall e = Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", yaml)
                        .build();
                engines.add(e);
                breakers.add(((BreakerStage) e.match("GET", "/pay/x").chain().stage(StageKind.CIRCUIT_BREAKER))
                        .breaker());
            }
            waitForSubscriptions(engines);
            long[] open = new long[repetitions * (nodes - 1)];
            long[] close = new long[repetitions * (nodes - 1)];
            int warmUp = Math.min(50, repetitions / 5);
            int n = 0;
            for (int rep = -warmUp; rep < repetitions; rep++) {
                for (int i = 0; i < MINIMUM_CALLS - 1; i++) {
                    fail(engines.get(0));
                }
                long start = System.nanoTime();
                fail(engines.get(0)); // the call whose result opens node 0, and publishes the opening
                long[] seen = watch(breakers, CircuitBreaker.State.OPEN, start);
                long closing = System.nanoTime();
                breakers.get(0).close();
                long[] closed = watch(breakers, CircuitBreaker.State.CLOSED, closing);
                if (rep >= 0) {
                    for (int i = 1; i < nodes; i++) {
                        open[n] = seen[i];
                        close[n] = closed[i];
                        n++;
                    }
                }
            }
            Arrays.sort(open);
            Arrays.sort(close);
            String md = String.format(Locale.ROOT, "%n| shared breaker, %d nodes, %d repetitions | median (ms) |"
                            + " p99 (ms) | max (ms) |%n|---|---|---|---|%n"
                            + "| opened on node 0 → open on another node | %.2f | %.2f | %.2f |%n"
                            + "| closed by an operator on node 0 → closed on another node | %.2f | %.2f | %.2f |%n",
                    nodes, repetitions, ms(open, 0.5), ms(open, 0.99), ms(open, 1.0),
                    ms(close, 0.5), ms(close, 0.99), ms(close, 1.0));
            LOG.info(md);
        } finally {
            engines.forEach(Seawall::close);
            redis.stop();
        }
    }

    private static final BenchRequest REQUEST = new BenchRequest("GET", "/pay/x", "192.0.2.1", null, null, null);

    private static void fail(Seawall engine) {
        Exchange e = engine.match("GET", "/pay/x").chain().admit(REQUEST, engine.clock().nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(502, null, 0, 0, false));
        }
    }

    /** @return per node, nanoseconds from {@code start} until its breaker was seen in {@code state} */
    private static long[] watch(List<Breaker> breakers, CircuitBreaker.State state, long start) {
        long[] seen = new long[breakers.size()];
        Arrays.fill(seen, -1);
        int left = breakers.size();
        long giveUp = start + TimeUnit.SECONDS.toNanos(10);
        while (left > 0) {
            long now = System.nanoTime();
            if (now - giveUp > 0) {
                throw new IllegalStateException("a node did not reach " + state + " within 10 s");
            }
            for (int i = 0; i < seen.length; i++) {
                if (seen[i] < 0 && breakers.get(i).state() == state) {
                    seen[i] = now - start;
                    left--;
                }
            }
            Thread.onSpinWait();
        }
        return seen;
    }

    private static void waitForSubscriptions(List<Seawall> engines) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Seawall e : engines) {
            var store = (dev.seawall.redis.RedisBucketStore) e.store();
            while (!store.sharedBreakers().subscribed()) {
                if (System.nanoTime() - giveUp > 0) {
                    throw new IllegalStateException("no subscription within 10 s");
                }
                Thread.sleep(10); // a main program waiting for start-up, not a test
            }
        }
    }

    private static double ms(long[] sorted, double quantile) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
