package dev.seawall.e2e;

import dev.seawall.core.LiveSeawall;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bounded soak: mixed traffic on every kind of policy, with the configuration reloaded every 150 requests (every
 * fifth version broken on purpose) and a faulty application, for {@code -Dseawall.soak.seconds} (default 120; longer runs
 * by that flag). Afterwards: no unexpected status, the accounting identity admitted + rejected = sent holds per
 * rate-limit policy, heap after warm-up did not grow beyond a stated bound, and no thread was left behind.
 */
class SoakTest {

    private static final Logger LOG = LoggerFactory.getLogger(SoakTest.class);
    private static final long HEAP_GROWTH_BOUND = 64L * 1024 * 1024;

    private static String config(int ipLimit) {
        return """
                trusted-proxies: [127.0.0.1]
                policies:
                  - name: by-ip
                    paths: [/s/ip/*]
                    rate-limits:
                      - {by: ip, limit: %d/1s}
                  - name: by-key
                    paths: [/s/key/*]
                    rate-limits:
                      - {by: api-key, limit: 20/1s, on-missing: reject}
                  - name: throttled
                    paths: [/s/throttle/*]
                    throttle: {max-concurrent: 3, queue: 6, max-wait: 300ms}
                  - name: guarded
                    paths: [/s/guard/*]
                    circuit-breaker: {failure-rate: 50, minimum-calls: 10, window: 30, open-for: 2s}
                    timeout: 400ms
                    fallback:
                      status: 503
                      body: '{"degraded":true}'
                """.formatted(ipLimit);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Platform threads other than the container's and the test client's pools, which are bounded and come and go,
     * and Awaitility's, which evaluates a condition on a thread of its own ({@code ThreadMXBean} knows no virtual
     * threads: the container's threads, virtual or not, are counted by {@link TestServer#busyThreads()}).
     */
    private static long ownThreads() {
        return Arrays.stream(ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
                .map(t -> t.getThreadName())
                .filter(n -> !n.startsWith(TestServer.POOL_THREADS) && !n.startsWith("soak-")
                        && !n.startsWith("HttpClient") && !n.startsWith("awaitility"))
                .count();
    }

    @Test
    void mixedTrafficWithReloadsAndFaultsLosesNothingLeaksNothingAndGrowsNothing(@TempDir Path dir) throws Exception {
        long seconds = Long.getLong("seawall.soak.seconds", 120);
        Path file = dir.resolve("seawall.yaml");
        Files.writeString(file, config(40));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SeawallFilter filter = SeawallFilter.builder().config(file.toString()).watch(null).meterRegistry(meters)
                .build();
        String[] paths = {"/s/ip/a", "/s/key/a", "/s/throttle/a?do=slow", "/s/guard/a?do=ok", "/s/guard/a?do=throw",
            "/s/guard/a?do=hang", "/s/ip/b", "/s/key/b"};
        String[] policies = {"by-ip", "by-key", "throttled", "guarded", "guarded", "guarded", "by-ip", "by-key"};
        Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
        Map<String, Map<Integer, AtomicLong>> statuses = new ConcurrentHashMap<>();
        try (TestServer server = TestServer.programmatic(filter, new FaultyServlet(), 64)) {
            int busyBefore = server.busyThreads(); // on Jetty the acceptor and the selector run as pool jobs
            LiveSeawall live = filter.live();
            ExecutorService clients = Executors.newFixedThreadPool(6, r -> new Thread(r, "soak-client"));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newFixedThreadPool(2, r -> new Thread(r, "soak-http"))).build();
            long warmUpEnd = System.nanoTime() + Duration.ofSeconds(Math.min(15, seconds / 4)).toNanos();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            long[] heapAfterWarmUp = {-1};
            long[] threadsAfterWarmUp = {-1};
            List<Future<?>> running = new ArrayList<>();
            CountDownLatch started = new CountDownLatch(6);
            for (int c = 0; c < 6; c++) {
                int id = c;
                running.add(clients.submit(() -> {
                    Random random = new Random(id);
                    started.countDown();
                    while (System.nanoTime() < end) {
                        int p = random.nextInt(paths.length);
                        if (paths[p].endsWith("do=throw") && random.nextInt(4) != 0) {
                            p = 3; // about one call in five to /s/guard fails, so the breaker opens and closes
                        }
                        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + paths[p]))
                                .timeout(Duration.ofSeconds(30))
                                .header("X-Forwarded-For", "203.0.113." + random.nextInt(20));
                        if (random.nextInt(10) != 0) {
                            b.header("X-API-Key", "key-" + random.nextInt(10));
                        }
                        sent.computeIfAbsent(policies[p], k -> new AtomicLong()).incrementAndGet();
                        int status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                        statuses.computeIfAbsent(policies[p], k -> new ConcurrentHashMap<>())
                                .computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
                    }
                    return null;
                }));
            }
            started.await();
            int version = 0;
            int refusedOnPurpose = 0;
            while (System.nanoTime() < end) {
                // a reload each time the clients have sent another 150 requests; each fifth one is broken on purpose
                long next = sent.values().stream().mapToLong(AtomicLong::get).sum() + 150;
                await().atMost(Duration.ofSeconds(60)).until(() -> System.nanoTime() >= end
                        || sent.values().stream().mapToLong(AtomicLong::get).sum() >= next);
                version++;
                if (version % 5 == 0) {
                    Files.writeString(file, config(40).replace("limit: 20/1s", "limit: 20/xyz"));
                    assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
                    refusedOnPurpose++;
                } else {
                    Files.writeString(file, config(version % 2 == 0 ? 40 : 30) + "# version " + version + "\n");
                    assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
                }
                if (heapAfterWarmUp[0] < 0 && System.nanoTime() > warmUpEnd) {
                    heapAfterWarmUp[0] = usedHeapAfterGc();
                    threadsAfterWarmUp[0] = ownThreads();
                }
            }
            for (Future<?> f : running) {
                f.get();
            }
            clients.shutdownNow();

            long total = sent.values().stream().mapToLong(AtomicLong::get).sum();
            Map<String, Map<Integer, Long>> summary = new TreeMap<>();
            statuses.forEach((p, m) -> {
                Map<Integer, Long> s = new TreeMap<>();
                m.forEach((k, v) -> s.put(k, v.get()));
                summary.put(p, s);
            });
            LOG.info("soak: {} s, {} requests, {} reloads ({} refused on purpose), statuses per policy {}", seconds,
                    total, version, refusedOnPurpose, summary);
            assertThat(total).isGreaterThan(seconds * 10);
            assertThat(summary.get("by-ip").keySet()).isSubsetOf(200, 429);
            assertThat(summary.get("by-key").keySet()).isSubsetOf(200, 401, 429);
            assertThat(summary.get("throttled").keySet()).isSubsetOf(200, 503);
            assertThat(summary.get("guarded").keySet()).as("the fallback answers failures, timeouts and open")
                    .isSubsetOf(200, 503);
            assertThat(live.status().refused()).isEqualTo(refusedOnPurpose);

            // accounting: every request a rate-limit policy saw was admitted or rejected, none lost, none twice
            for (String policy : new String[] {"by-ip", "by-key"}) {
                double decided = 0;
                for (FunctionCounter c : meters.find("seawall.ratelimit.decisions").tag("policy", policy)
                        .functionCounters()) {
                    if (!"skipped".equals(c.getId().getTag("outcome"))) {
                        decided += c.count();
                    }
                }
                assertThat((long) decided).as(policy + ": admitted + rejected = sent").isEqualTo(sent.get(policy).get());
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(ownThreads()).as("threads after the soak vs after warm-up")
                        .isLessThanOrEqualTo(threadsAfterWarmUp[0]);
                assertThat(server.busyThreads()).as("container threads still inside a request").isEqualTo(busyBefore);
            });
            long growth = usedHeapAfterGc() - heapAfterWarmUp[0];
            LOG.info("soak: heap growth after warm-up {} KiB (bound {} KiB)", growth / 1024, HEAP_GROWTH_BOUND / 1024);
            assertThat(growth).as("heap growth after warm-up").isLessThan(HEAP_GROWTH_BOUND);
        }
    }
}
