package dev.seawall.bench;

import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.ratelimit.LimitSpec;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.time.NanoClock;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

/**
 * Heap retained per tracked key: fills one limit with 1,000,000 keys and compares used heap after full
 * GCs. The request objects are created on the fly and dropped, so only Seawall's state is retained.
 *
 * <p>Run: {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.seawall.bench.HeapPerKey}
 */
public final class HeapPerKey {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HeapPerKey.class);

    private HeapPerKey() {
    }

    public static void main(String[] args) {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        measure("ip (IPv4 text keys)", new ClientIpResolver(TrustedProxies.none(), 64), keys, true);
        measure("api-key (hashed keys)", new ApiKeyResolver(null), keys, false);
    }

    private static void measure(String label, KeyResolver resolver, int keys, boolean byIp) {
        RateLimitStage stage = RateLimitStage.builder("heap")
                .limit(LimitSpec.builder("k", resolver).rates(List.of(new Rate(100, Duration.ofMinutes(1))))
                        .maxKeys(keys + 1L).build())
                .build();
        long before = usedAfterGc();
        NanoClock clock = NanoClock.system();
        for (int i = 0; i < keys; i++) {
            String ip = "10." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "." + (i & 0xff);
            BenchRequest r = byIp ? new BenchRequest("GET", "/", ip, null, null, null)
                    : new BenchRequest("GET", "/", "192.0.2.1", "key-" + i + "-abcdefghijklmnop", null, null);
            stage.admit(r, clock.nanoTime()).permit().complete(null);
        }
        stage.cleanUp();
        long after = usedAfterGc();
        long tracked = stage.limits().get(0).trackedKeys();
        LOG.info(String.format("%-24s tracked=%,d  heap=%,d bytes  per key=%d bytes", label, tracked, after - before,
                (after - before) / Math.max(1, tracked)));
        // keep the stage reachable until measured
        if (stage.limits().isEmpty()) {
            throw new IllegalStateException();
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
