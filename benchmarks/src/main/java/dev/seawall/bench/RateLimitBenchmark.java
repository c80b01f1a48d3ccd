package dev.seawall.bench;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.TenantResolver;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.key.UserResolver;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.LimitSpec;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Decision cost of the engine. Run with {@code -prof gc} for B/op. See BENCHMARKS.md for the command.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class RateLimitBenchmark {

    /**
     * Never exhausted during a run, and with an hour-long period: an idle bucket expires after its longest
     * period, and cycling through 1M keys takes seconds, so a 1-second period would measure bucket
     * re-creation instead of lookups.
     */
    static final Rate HUGE = new Rate(1_000_000_000_000L, Duration.ofHours(1));

    @State(Scope.Benchmark)
    public static class HotKey {
        RateLimitStage stage;
        Seawall engine;
        BenchRequest request;
        NanoClock clock = NanoClock.system();

        @Setup(Level.Trial)
        public void setUp() {
            stage = RateLimitStage.builder("bench")
                    .limit(LimitSpec.builder("ip", new ClientIpResolver(TrustedProxies.none(), 64))
                            .rates(List.of(HUGE)).build())
                    .build();
            // meters are read by pull: binding them to a registry adds nothing to a decision
            engine = Seawall.builder().meterRegistry(new SimpleMeterRegistry())
                    .policy(new Policy("bench", List.of("/api/*"), Set.of(), ChainBuilder.create().add(stage).build()))
                    .build();
            request = new BenchRequest("GET", "/api/items", "192.0.2.10", null, null, null);
        }
    }

    /** One admitted decision of the rate-limit stage on one hot key, permit settled. */
    @Benchmark
    public Admission hotKeyStage(HotKey s) {
        Admission a = s.stage.admit(s.request, s.clock.nanoTime());
        a.permit().complete(null);
        return a;
    }

    /** The whole engine path for a hot key: policy lookup, chain walk, settlement. */
    @Benchmark
    public boolean hotKeyEngine(HotKey s) {
        long now = s.clock.nanoTime();
        Policy p = s.engine.match(s.request.method(), s.request.path());
        Exchange ex = p.chain().admit(s.request, now);
        return ex.complete(new Outcome(200, null, now, now, false));
    }

    /** A request no policy matches: the only cost is the table lookup. */
    @Benchmark
    public Policy noPolicy(HotKey s) {
        return s.engine.match("GET", "/static/js/app.js");
    }

    @State(Scope.Benchmark)
    public static class ManyKeys {
        static final int KEYS = 1_000_000;
        RateLimitStage stage;
        BenchRequest[] requests;
        int next;
        NanoClock clock = NanoClock.system();

        static RateLimitStage fourLimits(long maxKeys) {
            return RateLimitStage.builder("bench")
                    .limit(LimitSpec.builder("ip", new ClientIpResolver(TrustedProxies.none(), 64))
                            .rates(List.of(HUGE)).maxKeys(maxKeys).build())
                    .limit(LimitSpec.builder("api-key", new ApiKeyResolver(null)).rates(List.of(HUGE))
                            .maxKeys(maxKeys).build())
                    .limit(LimitSpec.builder("user", new UserResolver(null)).rates(List.of(HUGE))
                            .maxKeys(maxKeys).build())
                    .limit(LimitSpec.builder("tenant", new TenantResolver(TenantSource.HEADER, null, -1))
                            .rates(List.of(HUGE)).maxKeys(maxKeys).build())
                    .build();
        }

        @Setup(Level.Trial)
        public void setUp() {
            stage = fourLimits(1_100_000);
            requests = new BenchRequest[KEYS];
            for (int i = 0; i < KEYS; i++) {
                String ip = "10." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "." + (i & 0xff);
                requests[i] = new BenchRequest("GET", "/api/items", ip, "key-" + i + "-abcdefghijklmnop",
                        "tenant-" + i, "user-" + i);
            }
            // warm every key once so that the measurement is of lookups in a full 1M-key table
            for (BenchRequest r : requests) {
                stage.admit(r, clock.nanoTime()).permit().complete(null);
            }
        }
    }

    @State(Scope.Benchmark)
    public static class FourLimitsHot {
        RateLimitStage stage;
        BenchRequest request;
        NanoClock clock = NanoClock.system();

        @Setup(Level.Trial)
        public void setUp() {
            stage = ManyKeys.fourLimits(16);
            request = new BenchRequest("GET", "/api/items", "10.1.2.3", "key-1-abcdefghijklmnop", "tenant-1", "user-1");
        }
    }

    /** The same four limits on one hot client: separates the decision cost from memory effects of 1M keys. */
    @Benchmark
    public Admission fourLimitsHotKey(FourLimitsHot s) {
        Admission a = s.stage.admit(s.request, s.clock.nanoTime());
        a.permit().complete(null);
        return a;
    }

    /** Four limits (ip, api-key, user, tenant), keys cycling over 1,000,000 distinct clients. */
    @Benchmark
    public Admission fourLimitsOverAMillionKeys(ManyKeys s) {
        int i = s.next;
        s.next = i + 1 == ManyKeys.KEYS ? 0 : i + 1;
        Admission a = s.stage.admit(s.requests[i], s.clock.nanoTime());
        a.permit().complete(null);
        return a;
    }
}
