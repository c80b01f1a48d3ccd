package dev.seawall.e2e;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.status.StatusReport;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.core.time.ManualClock;
import dev.seawall.servlet.SeawallFilter;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Criticality and shadow mode of the throttle on a real servlet container: critical requests go first and displace
 * sheddable ones from a full queue, a reserve keeps slots for critical requests, callers are shed by stable cohorts,
 * and a shadow throttle never refuses while it counts. The tests hold requests inside the application with a gate and
 * wait on the throttle's own counts; nothing sleeps.
 */
class CriticalityEndToEndTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The test's requests come from 127.0.0.1, a trusted proxy, so their criticality header is believed. */
    private static SeawallFilter.Builder filter(String throttle) {
        return SeawallFilter.builder().yaml("criticality.yaml", """
                trusted-proxies: [127.0.0.1, "::1"]
                policies:
                  - name: api
                    paths: [/slow/*]
                    throttle:
                %s""".formatted(throttle.indent(6)));
    }

    private static ThrottleStage throttleOf(SeawallFilter f) {
        return (ThrottleStage) f.engine().policy("api").chain().stage(StageKind.THROTTLE);
    }

    private CompletableFuture<HttpResponse<String>> send(TestServer server, String path, String criticality,
                                                         String forwardedFor) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(60));
        if (criticality != null) {
            b.header("X-Criticality", criticality);
        }
        if (forwardedFor != null) {
            b.header("X-Forwarded-For", forwardedFor);
        }
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> send(TestServer server, String path, String criticality) {
        return send(server, path, criticality, null);
    }

    private static String reason(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(503);
        int at = r.body().indexOf("\"reason\":\"");
        assertThat(at).as(r.body()).isNotNegative();
        int from = at + "\"reason\":\"".length();
        return r.body().substring(from, r.body().indexOf('"', from));
    }

    /**
     * {@code max-concurrent: adaptive} from the YAML file, fed by the container's real completions: answers that fail
     * (500) bring the limit down to its {@code min} and no further, answers that succeed let it grow again; the status
     * view tells it. The engine's clock is a manual one, so each request closes a window of the limit's own.
     */
    @Test
    void anAdaptiveLimitLearnsFromTheApplicationsRealAnswersWithinItsBounds() throws Exception {
        ManualClock clock = new ManualClock();
        SeawallFilter filter = SeawallFilter.builder().yaml("adaptive.yaml", """
                policies:
                  - name: api
                    paths: [/*]
                    throttle:
                      max-concurrent: adaptive
                      limit: {algorithm: aimd, initial: 8, min: 2, max: 16, window: 1ms, window-samples: 1}
                      queue: 4
                """).clock(clock).build();
        try (TestServer server = TestServer.programmatic(filter, new GatedServlet(), 50)) {
            ThrottleStage throttle = throttleOf(filter);
            assertThat(throttle.limit().adaptive()).isTrue();
            assertThat(throttle.limit().current()).isEqualTo(8);
            for (int i = 0; i < 40; i++) {
                clock.advance(Duration.ofMillis(5));
                assertThat(send(server, "/error/" + i, null).get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(500);
                // the completion is reported when the request truly ended, which may be just after its answer
                int sent = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0);
                assertThat(throttle.limit().current()).as("after %d failures", sent).isBetween(2, 8);
            }
            assertThat(throttle.limit().current()).as("failures bring the limit to its min").isEqualTo(2);
            assertThat(throttle.limit().drops()).isEqualTo(40);
            assertThat(throttle.statusView().adaptive()).isTrue();
            assertThat(throttle.statusView().drops()).isEqualTo(40);
            assertThat(throttle.statusView().maxConcurrent()).isEqualTo(2);

            for (int i = 0; i < 10; i++) {
                clock.advance(Duration.ofMillis(5));
                assertThat(send(server, "/ok/" + i, null).get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0);
            }
            assertThat(throttle.limit().current()).as("successes let it grow again").isBetween(3, 16);
        }
    }

    @Test
    void underOverloadCriticalGoesFirstAndDisplacesSheddableFromAFullQueue() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter("""
                max-concurrent: 1
                queue: 3
                max-wait: 60s
                criticality: {header: X-Criticality}
                """).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            CompletableFuture<HttpResponse<String>> running = send(server, "/slow/running", "default");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            CompletableFuture<HttpResponse<String>> sheddable = send(server, "/slow/s1", "sheddable");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            CompletableFuture<HttpResponse<String>> normal = send(server, "/slow/d1", "default");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 2);
            CompletableFuture<HttpResponse<String>> critical = send(server, "/slow/c1", "critical");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 3);

            CompletableFuture<HttpResponse<String>> critical2 = send(server, "/slow/c2", "critical");
            HttpResponse<String> displaced = sheddable.get(20, TimeUnit.SECONDS);
            assertThat(reason(displaced)).isEqualTo("displaced");
            assertThat(displaced.headers().firstValue("Retry-After")).isPresent();
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 3);
            HttpResponse<String> late = send(server, "/slow/s2", "sheddable").get(20, TimeUnit.SECONDS);
            assertThat(reason(late)).as("nobody below sheddable to displace").isIn("queue-full", "shed");

            app.gate.countDown();
            for (CompletableFuture<HttpResponse<String>> r : List.of(running, critical, critical2, normal)) {
                assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(app.order).containsExactly("/slow/running", "/slow/c1", "/slow/c2", "/slow/d1");
            assertThat(throttle.refused("sheddable")).isEqualTo(2);
            assertThat(throttle.refused("critical")).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0 && throttle.queued() == 0);
        }
    }

    @Test
    void theReservedShareOfTheLimitServesCriticalRequestsWhenDefaultOnesAreRefused() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter("""
                max-concurrent: 4
                queue: 0
                criticality: {header: X-Criticality, reserve: 50%}
                """).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            List<CompletableFuture<HttpResponse<String>>> admitted = new ArrayList<>();
            admitted.add(send(server, "/slow/d1", "default"));
            admitted.add(send(server, "/slow/d2", null));
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 2);
            assertThat(reason(send(server, "/slow/d3", "default").get(20, TimeUnit.SECONDS))).isEqualTo("queue-full");
            assertThat(reason(send(server, "/slow/s1", "sheddable").get(20, TimeUnit.SECONDS)))
                    .isIn("queue-full", "shed");
            admitted.add(send(server, "/slow/c1", "critical"));
            admitted.add(send(server, "/slow/c2", "critical"));
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 4);
            assertThat(reason(send(server, "/slow/c3", "critical").get(20, TimeUnit.SECONDS))).isEqualTo("queue-full");
            assertThat(app.maxInside.get()).isEqualTo(4);
            app.gate.countDown();
            for (CompletableFuture<HttpResponse<String>> r : admitted) {
                assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(StatusReport.json(filter.engine())).contains("\"reserved\":2");
        }
    }

    @Test
    void callersAreShedByStableCohortsNotAtRandom() throws Exception {
        GatedServlet app = new GatedServlet();
        ManualClock clock = new ManualClock();
        SeawallFilter filter = filter("""
                max-concurrent: 1
                queue: 0
                criticality: {header: X-Criticality, cohort-rotation: 10m}
                """).clock(clock).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            CompletableFuture<HttpResponse<String>> running = send(server, "/slow/running", "critical");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            // overload: sheddable requests are refused, and each refusal a rise interval apart raises the level
            int caller = 0;
            while (throttle.shedLevel("sheddable") < 50) {
                clock.advance(Duration.ofMillis(100));
                String reason;
                do {
                    reason = reason(send(server, "/slow/x", "sheddable", "203.0.113." + (caller++ % 250))
                            .get(20, TimeUnit.SECONDS));
                } while (!reason.equals("queue-full"));
            }
            int level = throttle.shedLevel("sheddable");
            List<String> shed = new ArrayList<>();
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String ip = "198.51.100." + i;
                String reason = reason(send(server, "/slow/p", "sheddable", ip).get(20, TimeUnit.SECONDS));
                (reason.equals("shed") ? shed : kept).add(ip);
            }
            assertThat(shed).as("some callers are below level %d", level).isNotEmpty();
            assertThat(kept).as("and some above it").isNotEmpty();
            // later, at the same level: every caller gets the same answer as before
            clock.advance(Duration.ofMillis(50));
            for (String ip : shed) {
                assertThat(reason(send(server, "/slow/p", "sheddable", ip).get(20, TimeUnit.SECONDS))).as(ip)
                        .isEqualTo("shed");
            }
            for (String ip : kept) {
                assertThat(reason(send(server, "/slow/p", "sheddable", ip).get(20, TimeUnit.SECONDS))).as(ip)
                        .isEqualTo("queue-full");
            }
            // the same callers asking as default are judged by default's level, still 0
            assertThat(reason(send(server, "/slow/p", "default", shed.get(0)).get(20, TimeUnit.SECONDS)))
                    .isEqualTo("queue-full");
            assertThat(throttle.shedLevel("sheddable")).isEqualTo(level);
            assertThat(StatusReport.json(filter.engine())).contains("\"sheddable\":{\"shedLevel\":" + level);
            app.gate.countDown();
            assertThat(running.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aShadowThrottleNeverRefusesOrDelaysButCountsWhatItWouldHaveRefused() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter("""
                max-concurrent: 1
                queue: 1
                mode: shadow
                """).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                responses.add(send(server, "/slow/" + i, null));
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> app.inside.get() == expected);
            }
            assertThat(throttle.queued()).isZero();
            assertThat(throttle.inFlight()).isEqualTo(4);
            assertThat(throttle.wouldReject(ThrottleStage.Reason.QUEUE_FULL)).isEqualTo(2);
            assertThat(throttle.rejections(ThrottleStage.Reason.QUEUE_FULL)).isZero();
            app.gate.countDown();
            for (CompletableFuture<HttpResponse<String>> r : responses) {
                HttpResponse<String> ok = r.get(30, TimeUnit.SECONDS);
                assertThat(ok.statusCode()).isEqualTo(200);
                assertThat(ok.headers().firstValue("Retry-After")).as("nothing was refused").isEmpty();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0);
            assertThat(StatusReport.json(filter.engine())).contains("\"mode\":\"shadow\"").contains("\"wouldReject\":2");
        }
    }
}
