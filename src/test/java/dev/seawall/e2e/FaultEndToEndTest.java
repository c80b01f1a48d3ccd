package dev.seawall.e2e;

import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Applications that throw, hang, ignore interrupts, fail half-way or flush early, and clients that disconnect
 * while queued or mid-response, all at once: afterwards every permit is settled, the counters agree, no thread
 * is left behind, no secret leaked, and the breaker is not stuck half-open.
 */
class FaultEndToEndTest {

    private static final String YAML = """
            policies:
              - name: faults
                paths: [/faults/*]
                throttle: {max-concurrent: 3, queue: 6, max-wait: 2s}
                circuit-breaker: {failure-rate: 50, minimum-calls: 6, window: 20, open-for: 1s, half-open-calls: 2}
                timeout: 500ms
                fallback:
                  status: 503
                  body: '{"degraded":true}'
                  on: [circuit-open, timeout, error]
            """;

    private SeawallFilter filter;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        filter = SeawallFilter.builder().yaml("seawall.yaml", YAML).meterRegistry(new SimpleMeterRegistry()).build();
        server = TestServer.programmatic(filter, new FaultyServlet(), 64);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private Policy policy() {
        return filter.engine().policy("faults");
    }

    private static int seawallThreads() {
        return (int) Arrays.stream(ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
                .filter(t -> t.getThreadName().startsWith("seawall")).count();
    }

    /** Sends a request and hangs up after {@code readBytes} bytes of the answer (0: right after sending). */
    private void hangUp(String target, int readBytes) {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            for (int i = 0; i < readBytes && in.read() >= 0; i++) {
                // read part of the answer, then drop the connection
            }
        } catch (java.io.IOException e) {
            // the server may already have closed: that is the point
        }
    }

    @Test
    void everyPermitIsSettledNoThreadIsLeftAndNothingLeaksUnderMixedFaults() throws Exception {
        int seawallThreadsBefore = seawallThreads();
        int busyBefore = server.busyThreads(); // on Jetty the acceptor and the selector run as pool jobs
        String[] behaviours = {"throw", "hang", "half", "flush", "slow", "ok", "ok", "slow"};
        ExecutorService pool = Executors.newFixedThreadPool(12);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger leaks = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        try {
            for (int i = 0; i < 160; i++) {
                int n = i;
                all.add(pool.submit(() -> {
                    String target = "/faults/x?do=" + behaviours[n % behaviours.length];
                    switch (n % 10) {
                        case 3 -> hangUp(target, 0);     // gone while queued or running
                        case 7 -> hangUp(target, 20);    // gone mid-response
                        default -> {
                            RawHttp.Answer a = RawHttp.get(server.port(), target);
                            statuses.computeIfAbsent(a.status(), k -> new AtomicInteger()).incrementAndGet();
                            if (a.body().contains("hunter2") || a.body().contains("IllegalStateException")
                                    || a.body().contains("at dev.")) {
                                leaks.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(leaks.get()).as("answers carrying an exception message or stack").isZero();
        assertThat(statuses.keySet()).as("Seawall answers: 200, its 503 fallback/refusals, its safe 500")
                .isSubsetOf(200, 500, 503);

        ThrottleStage throttle = (ThrottleStage) policy().chain().stage(StageKind.THROTTLE);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(throttle.inFlight()).as("permits in flight").isZero();
            assertThat(throttle.queued()).as("requests queued").isZero();
            assertThat(server.busyThreads()).as("container threads still inside a request").isEqualTo(busyBefore);
        });
        assertThat(seawallThreads()).as("Seawall's own threads").isLessThanOrEqualTo(Math.max(seawallThreadsBefore, 5));

        // the breaker recovers: healthy calls after open-for close it, it does not stay half-open
        BreakerStage breaker = (BreakerStage) policy().chain().stage(StageKind.CIRCUIT_BREAKER);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            RawHttp.get(server.port(), "/faults/x?do=ok");
            return "CLOSED".equals(breaker.breaker().state().name());
        });
        assertThat(RawHttp.get(server.port(), "/faults/x?do=ok").status()).isEqualTo(200);
        // the client reads the answer a moment before the filter settles the permit
        await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0);
    }
}
