package dev.seawall.e2e;

import dev.seawall.core.chain.Stage;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.servlet.SeawallFilter;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The throttle on a real servlet container: queued requests hold no thread, exact admission counts, expiry,
 * disconnects.
 */
class ThrottleEndToEndTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static SeawallFilter filter(int maxConcurrent, int queue, String maxWait) {
        return SeawallFilter.builder().yaml("throttle.yaml", """
                policies:
                  - name: reports
                    paths: [/slow/*, /boom/*, /error/*, /async/*, /mixed/*]
                    throttle:
                      max-concurrent: %d
                      queue: %d
                      max-wait: %s
                """.formatted(maxConcurrent, queue, maxWait)).build();
    }

    private static ThrottleStage throttleOf(SeawallFilter f) {
        for (Stage s : f.engine().policy("reports").chain().stages()) {
            if (s instanceof ThrottleStage t) {
                return t;
            }
        }
        throw new AssertionError("no throttle");
    }

    private CompletableFuture<HttpResponse<String>> send(String uri) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSmallThreadPoolServesTwoHundredQueuedSlowRequestsWithoutStarvingOtherEndpoints() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter(4, 200, "60s");
        try (TestServer server = TestServer.programmatic(filter, app, 16)) {
            ThrottleStage throttle = throttleOf(filter);
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                responses.add(send(server.uri() + "/slow/" + i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> throttle.inFlight() == 4 && throttle.queued() == 196);
            // 196 requests wait, 4 hold threads: the other endpoints still get threads
            int busy = server.busyThreads();
            assertThat(busy).as("busy threads while 196 requests wait").isLessThanOrEqualTo(4 + 4);
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> fast = client.send(HttpRequest.newBuilder(URI.create(server.uri() + "/fast"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(fast.statusCode()).isEqualTo(200);
            }
            assertThat(app.maxInside.get()).isEqualTo(4);
            app.gate.countDown();
            for (CompletableFuture<HttpResponse<String>> r : responses) {
                assertThat(r.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(app.entered.get()).isEqualTo(200);
            assertThat(app.maxInside.get()).isEqualTo(4);
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0 && throttle.queued() == 0);
        }
    }

    @Test
    void exactCountsOfAdmittedQueuedAndRejectedRequests() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter(2, 3, "60s");
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                accepted.add(send(server.uri() + "/slow/" + i));
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> throttle.inFlight() + throttle.queued() == expected);
            }
            assertThat(throttle.inFlight()).isEqualTo(2);
            assertThat(throttle.queued()).isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = send(server.uri() + "/slow/over" + i).get(10, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                        v -> assertThat(v).startsWith("application/problem+json"));
                assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
                assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isGreaterThanOrEqualTo(1);
                assertThat(r.body()).contains("temporary-reduced-capacity").contains("\"reason\":\"queue-full\"");
            }
            app.gate.countDown();
            for (CompletableFuture<HttpResponse<String>> r : accepted) {
                assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(app.entered.get()).isEqualTo(5);
        }
    }

    @Test
    void aRequestThatWaitsLongerThanMaxWaitGetsA503() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter(1, 5, "300ms");
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            CompletableFuture<HttpResponse<String>> running = send(server.uri() + "/slow/1");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            HttpResponse<String> waited = send(server.uri() + "/slow/2").get(20, TimeUnit.SECONDS);
            assertThat(waited.statusCode()).isEqualTo(503);
            assertThat(waited.body()).contains("\"reason\":\"wait-expired\"");
            assertThat(app.entered.get()).isEqualTo(1);
            app.gate.countDown();
            assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0 && throttle.queued() == 0);
        }
    }

    /**
     * Jetty does not report an HTTP/1.1 client that closes while its request is suspended (it does report
     * HTTP/2 stream resets, which reach {@code AsyncListener.onError} and leave the queue at once). What Seawall
     * guarantees everywhere: a vanished client holds its place no longer than max-wait, and the application never
     * runs for it once its wait has expired.
     */
    @Test
    void aClientThatDisconnectsWhileQueuedHoldsItsPlaceNoLongerThanMaxWait() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter(1, 1, "1s");
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            CompletableFuture<HttpResponse<String>> running = send(server.uri() + "/slow/1");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /slow/queued HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 0);
            // the place is free again: a new request can queue
            CompletableFuture<HttpResponse<String>> next = send(server.uri() + "/slow/next");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            app.gate.countDown();
            assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(next.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0);
            assertThat(app.entered.get()).as("the abandoned request never reached the application").isEqualTo(2);
        }
    }

    @Test
    void standaloneThrottleFilterFromInitParamsQueuesAndRefuses() throws Exception {
        GatedServlet app = new GatedServlet();
        dev.seawall.servlet.ThrottleFilter filter = new dev.seawall.servlet.ThrottleFilter();
        try (TestServer server = TestServer.programmatic(filter,
                java.util.Map.of("max-concurrent", "1", "queue", "1", "max-wait", "60s", "policy", "reports"),
                app, true, 50)) {
            ThrottleStage throttle = filter.stage();
            CompletableFuture<HttpResponse<String>> running = send(server.uri() + "/slow/1");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            CompletableFuture<HttpResponse<String>> queued = send(server.uri() + "/slow/2");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            HttpResponse<String> refused = send(server.uri() + "/slow/3").get(10, TimeUnit.SECONDS);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("\"policy\":\"reports\"");
            app.gate.countDown();
            assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(queued.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    /**
     * web.xml stacking the other way round: a rate limit in front of a throttle. A request that waits in the inner
     * throttle's queue and is refused when its wait expires never reached the application, so the outer limit gives
     * its token back — although the outer filter's call returned when the request went asynchronous.
     */
    @Test
    void anOuterLimitRefundsARequestTheInnerThrottleRefusedAfterItsWait() throws Exception {
        GatedServlet app = new GatedServlet();
        dev.seawall.servlet.ThrottleFilter throttleFilter = new dev.seawall.servlet.ThrottleFilter();
        List<java.util.Map.Entry<jakarta.servlet.Filter, java.util.Map<String, String>>> stack = List.of(
                java.util.Map.entry(new dev.seawall.servlet.RateLimitFilter(), java.util.Map.of("by", "ip",
                        "limit", "2/1h", "policy", "reports")),
                java.util.Map.entry(throttleFilter, java.util.Map.of("max-concurrent", "1", "queue", "1",
                        "max-wait", "300ms", "policy", "reports")));
        try (TestServer server = TestServer.stacked(stack, app, true, 50)) {
            ThrottleStage throttle = throttleFilter.stage();
            CompletableFuture<HttpResponse<String>> running = send(server.uri() + "/slow/1");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            HttpResponse<String> waited = send(server.uri() + "/slow/2").get(20, TimeUnit.SECONDS);
            assertThat(waited.statusCode()).isEqualTo(503);
            app.gate.countDown();
            assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            HttpResponse<String> third = send(server.uri() + "/slow/3").get(20, TimeUnit.SECONDS);
            assertThat(third.statusCode()).as("the refused request's token was given back").isEqualTo(200);
            // t counts down whole seconds from the first request: a slow machine may cross one second boundary
            assertThat(third.headers().firstValue("RateLimit").orElseThrow()).matches("\"ip\";r=0;t=(3599|3600)");
            assertThat(app.entered.get()).isEqualTo(2);
        }
    }

    @Test
    void aRequestResumedFromAnOuterFiltersQueueStillPassesTheInnerFilters() throws Exception {
        // web.xml stacking: a throttle in front of a rate limit; a request that waited in the throttle's queue
        // resumes in an ASYNC dispatch, and the rate limit behind it must still count it
        GatedServlet app = new GatedServlet();
        dev.seawall.servlet.ThrottleFilter throttleFilter = new dev.seawall.servlet.ThrottleFilter();
        List<java.util.Map.Entry<jakarta.servlet.Filter, java.util.Map<String, String>>> stack = List.of(
                java.util.Map.entry(throttleFilter, java.util.Map.of("max-concurrent", "1", "queue", "2",
                        "max-wait", "60s", "policy", "reports")),
                java.util.Map.entry(new dev.seawall.servlet.RateLimitFilter(), java.util.Map.of("by", "ip",
                        "limit", "2/1h", "policy", "reports")));
        try (TestServer server = TestServer.stacked(stack, app, true, 50)) {
            ThrottleStage throttle = throttleFilter.stage();
            CompletableFuture<HttpResponse<String>> running = send(server.uri() + "/slow/1");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            CompletableFuture<HttpResponse<String>> second = send(server.uri() + "/slow/2");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            CompletableFuture<HttpResponse<String>> third = send(server.uri() + "/slow/3");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 2);
            app.gate.countDown();

            assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            HttpResponse<String> secondAnswer = second.get(20, TimeUnit.SECONDS);
            assertThat(secondAnswer.statusCode()).isEqualTo(200);
            assertThat(secondAnswer.headers().firstValue("RateLimit")).as("the inner limit saw it")
                    .hasValue("\"ip\";r=0;t=3600");
            HttpResponse<String> thirdAnswer = third.get(20, TimeUnit.SECONDS);
            assertThat(thirdAnswer.statusCode()).as("the third request is over the inner 2/1h limit").isEqualTo(429);
            assertThat(app.entered.get()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0 && throttle.queued() == 0);
        }
    }

    @Test
    void withoutAsyncSupportAQueuedRequestWaitsOnItsThreadAndIsStillServed() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter(1, 2, "60s");
        try (TestServer server = TestServer.programmatic(filter, java.util.Map.of(), app, false, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            CompletableFuture<HttpResponse<String>> running = send(server.uri() + "/slow/1");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            CompletableFuture<HttpResponse<String>> queued = send(server.uri() + "/slow/2");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            app.gate.countDown();
            assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(queued.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(app.maxInside.get()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0 && throttle.queued() == 0);
        }
    }

    private CompletableFuture<HttpResponse<String>> send(String uri, String header, String value) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(uri)).header(header, value)
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void higherPriorityRequestsAreResumedFirst() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = SeawallFilter.builder().yaml("throttle.yaml", """
                policies:
                  - name: reports
                    paths: [/slow/*]
                    throttle:
                      max-concurrent: 1
                      queue: 5
                      max-wait: 60s
                      priority:
                        header: X-Priority
                """).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            all.add(send(server.uri() + "/slow/first"));
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            String[][] queued = {{"low", "/slow/low"}, {"normal", "/slow/normal"}, {"high", "/slow/high"}};
            for (int i = 0; i < queued.length; i++) {
                all.add(send(server.uri() + queued[i][1], "X-Priority", queued[i][0]));
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == expected);
            }
            app.gate.countDown();
            for (CompletableFuture<HttpResponse<String>> r : all) {
                assertThat(r.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(app.order).containsExactly("/slow/first", "/slow/high", "/slow/normal", "/slow/low");
        }
    }

    @Test
    void fairShareKeepsOneApiKeyFromTakingEverySlot() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = SeawallFilter.builder().yaml("throttle.yaml", """
                policies:
                  - name: reports
                    paths: [/slow/*]
                    throttle:
                      max-concurrent: 2
                      queue: 5
                      max-wait: 60s
                      max-concurrent-per-key: 1
                      per-key: api-key
                """).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            CompletableFuture<HttpResponse<String>> a1 = send(server.uri() + "/slow/a1", "X-API-Key", "tenant-a");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            CompletableFuture<HttpResponse<String>> a2 = send(server.uri() + "/slow/a2", "X-API-Key", "tenant-a");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            // a's second request waits although a slot is free; b gets that slot at once
            CompletableFuture<HttpResponse<String>> b1 = send(server.uri() + "/slow/b1", "X-API-Key", "tenant-b");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 2);
            assertThat(throttle.queued()).isEqualTo(1);
            assertThat(app.order).containsExactly("/slow/a1", "/slow/b1");
            // a's share is full (1 running, 1 waiting): a third request from a is refused
            HttpResponse<String> a3 = send(server.uri() + "/slow/a3", "X-API-Key", "tenant-a").get(10, TimeUnit.SECONDS);
            assertThat(a3.statusCode()).isEqualTo(503);
            assertThat(a3.body()).contains("\"reason\":\"key-limit\"");
            app.gate.countDown();
            for (CompletableFuture<HttpResponse<String>> r : List.of(a1, a2, b1)) {
                assertThat(r.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void afterThousandsOfMixedOutcomesNothingIsStillHeld() throws Exception {
        GatedServlet app = new GatedServlet();
        app.gate.countDown(); // slow requests pass straight through here
        SeawallFilter filter = filter(4, 20, "10s");
        try (TestServer server = TestServer.programmatic(filter, app, 64)) {
            ThrottleStage throttle = throttleOf(filter);
            String[] paths = {"/slow/a", "/boom/b", "/error/c", "/async/d", "/mixed/e"};
            AtomicInteger served = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger other = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<CompletableFuture<Void>> all = new ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    String path = paths[i % paths.length];
                    all.add(CompletableFuture.runAsync(() -> {
                        try {
                            int status = client.send(HttpRequest.newBuilder(URI.create(server.uri() + path))
                                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding())
                                    .statusCode();
                            if (status == 503) {
                                refused.incrementAndGet();
                            } else if (status == 200 || status == 500) {
                                served.incrementAndGet();
                            } else {
                                other.incrementAndGet();
                            }
                        } catch (Exception e) {
                            other.incrementAndGet();
                        }
                    }, pool));
                }
                CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(served.get() + refused.get()).isEqualTo(2_000);
            assertThat(other.get()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0 && throttle.queued() == 0);
        }
    }
}
