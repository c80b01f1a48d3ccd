package dev.seawall.e2e;

import dev.seawall.jaxrs.SeawallFeature;
import dev.seawall.jaxrs.Throttle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SeawallFeature's throttle queue for asynchronous resources on Jersey inside a real servlet container: queued
 * requests parked without a container thread, run in arrival order one at a time, answered 503 when their wait
 * expires, given the safe 500 when the method throws, and no slot leaked by a client that leaves while parked.
 */
class JaxrsParkedEndToEndTest {

    static final ExecutorService WORKERS = Executors.newCachedThreadPool();
    static final AtomicInteger CALLS = new AtomicInteger();
    static volatile CountDownLatch gate = new CountDownLatch(0);

    private final List<TestServer> servers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        gate.countDown();
        for (TestServer s : servers) {
            s.close();
        }
        CALLS.set(0);
    }

    /** Async resources whose queued requests are parked without a thread; tests read their throttles' meters. */
    @Path("/")
    public static class Parked {
        static final List<Integer> ORDER = java.util.Collections.synchronizedList(new ArrayList<>());
        static final AtomicInteger INSIDE = new AtomicInteger();
        static final AtomicInteger MOST_INSIDE = new AtomicInteger();

        @GET
        @Path("parked")
        @Produces(MediaType.TEXT_PLAIN)
        @Throttle(maxConcurrent = 1, queue = 20, maxWait = "20s")
        public void parked(@QueryParam("n") int n, @QueryParam("fail") boolean fail,
                           @Suspended AsyncResponse response) {
            CALLS.incrementAndGet();
            ORDER.add(n);
            if (fail) {
                throw new IllegalStateException("db password is hunter2");
            }
            MOST_INSIDE.accumulateAndGet(INSIDE.incrementAndGet(), Math::max);
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                INSIDE.decrementAndGet();
                response.resume("call " + n);
            });
        }

        @GET
        @Path("managed")
        @Produces(MediaType.TEXT_PLAIN)
        @org.glassfish.jersey.server.ManagedAsync
        @Throttle(maxConcurrent = 1, queue = 20, maxWait = "20s")
        public void managed(@Suspended AsyncResponse response) {
            CALLS.incrementAndGet();
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("managed");
            });
        }

        @GET
        @Path("expiring")
        @Produces(MediaType.TEXT_PLAIN)
        @Throttle(maxConcurrent = 1, queue = 5, maxWait = "300ms")
        public void expiring(@Suspended AsyncResponse response) {
            CALLS.incrementAndGet();
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("done");
            });
        }

        @GET
        @Path("ping")
        public String ping() {
            return "pong";
        }
    }

    private static double meter(SimpleMeterRegistry registry, String name, String policy) {
        io.micrometer.core.instrument.Gauge g = registry.find(name).tag("policy", policy).gauge();
        assertThat(g).as("gauge %s of %s", name, policy).isNotNull();
        return g.value();
    }

    /** Counts Jersey's FINISHED request events: every request, parked or not, must end with one. */
    static final class FinishedEvents implements org.glassfish.jersey.server.monitoring.ApplicationEventListener {
        static final AtomicInteger FINISHED = new AtomicInteger();
        static final List<String> LOG = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onEvent(org.glassfish.jersey.server.monitoring.ApplicationEvent event) {
        }

        @Override
        public org.glassfish.jersey.server.monitoring.RequestEventListener onRequest(
                org.glassfish.jersey.server.monitoring.RequestEvent start) {
            return e -> {
                LOG.add(e.getType().name());
                if (e.getType() == org.glassfish.jersey.server.monitoring.RequestEvent.Type.FINISHED) {
                    FINISHED.incrementAndGet();
                }
            };
        }
    }

    private TestServer startParked(SimpleMeterRegistry registry, int maxThreads) throws Exception {
        Parked.ORDER.clear();
        Parked.INSIDE.set(0);
        Parked.MOST_INSIDE.set(0);
        FinishedEvents.FINISHED.set(0);
        FinishedEvents.LOG.clear();
        TestServer s = TestServer.jersey(new ResourceConfig(Parked.class).register(new FinishedEvents())
                .register(new SeawallFeature().meterRegistry(registry)), List.of(), maxThreads);
        servers.add(s);
        return s;
    }

    @Test
    void queuedAsyncRequestsHoldNoContainerThreadAndOtherRequestsAreStillServed() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // 8 threads: one acceptor, one selector, at most six for requests; eleven requests will be queued
        TestServer server = startParked(registry, 8);
        int idle = server.busyThreads(); // on Jetty the acceptor and the selector run as pool jobs
        gate = new CountDownLatch(1);
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int n = i;
            calls.add(CompletableFuture.supplyAsync(
                    () -> given().baseUri(server.uri()).queryParam("n", n).get("/api/parked"), WORKERS));
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                meter(registry, "seawall.throttle.queued", "parked.parked")).as("queued").isEqualTo(11));
        assertThat(CALLS.get()).as("queued methods have not run").isEqualTo(1);
        assertThat(meter(registry, "seawall.throttle.in.flight", "parked.parked")).isEqualTo(1);
        // the running method handed its response to a worker: no request holds a container thread now (counted: on
        // virtual threads without a bound, Tomcat's, the ping below would be served even if every request held one)
        // at most as many as before the first request: a thread still busy when the baseline was read (the
        // container finishing its start on a loaded machine) may have ended since
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.busyThreads())
                .as("container threads inside a request while twelve are parked").isLessThanOrEqualTo(idle));
        // with every queued request holding a thread, this would wait for a free one until max-wait
        CompletableFuture<Response> ping = CompletableFuture.supplyAsync(
                () -> given().baseUri(server.uri()).get("/api/ping"), WORKERS);
        Response pong = ping.get(15, TimeUnit.SECONDS);
        assertThat(pong.statusCode()).isEqualTo(200);
        assertThat(pong.asString()).isEqualTo("pong");

        gate.countDown();
        for (int i = 0; i < calls.size(); i++) {
            Response r = calls.get(i).get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(r.asString()).isEqualTo("call " + i);
        }
        assertThat(CALLS.get()).isEqualTo(12);
        assertThat(Parked.MOST_INSIDE.get()).as("one at a time").isEqualTo(1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> meter(registry, "seawall.throttle.in.flight", "parked.parked") == 0);
        assertThat(meter(registry, "seawall.throttle.queued", "parked.parked")).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(FinishedEvents.FINISHED.get())
                .as("Jersey's FINISHED event for the twelve parked requests and the ping").isEqualTo(13));
        assertThat(FinishedEvents.LOG).as("no listener threw after an async response completed")
                .doesNotContain("ON_EXCEPTION");
    }

    @Test
    void managedAsyncMethodsWithAnAsyncResponseAreParkedToo() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestServer server = startParked(registry, 8);
        gate = new CountDownLatch(1);
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> given().baseUri(server.uri()).get("/api/managed"), WORKERS));
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                meter(registry, "seawall.throttle.queued", "parked.managed")).as("queued").isEqualTo(9));
        assertThat(CALLS.get()).isEqualTo(1);
        gate.countDown();
        for (CompletableFuture<Response> c : calls) {
            Response r = c.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.asString()).isEqualTo("managed");
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> meter(registry, "seawall.throttle.in.flight", "parked.managed") == 0);
    }

    @Test
    void parkedAsyncRequestsRunInArrivalOrderOneAtATime() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestServer server = startParked(registry, 40);
        gate = new CountDownLatch(1);
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            calls.add(CompletableFuture.supplyAsync(
                    () -> given().baseUri(server.uri()).queryParam("n", n).get("/api/parked"), WORKERS));
            // the next request is sent once this one is inside or queued, so arrival order is known
            int expectedQueued = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> CALLS.get() == 1
                    && meter(registry, "seawall.throttle.queued", "parked.parked") == expectedQueued);
        }
        gate.countDown();
        for (CompletableFuture<Response> c : calls) {
            assertThat(c.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(Parked.ORDER).containsExactly(0, 1, 2, 3, 4);
        assertThat(Parked.MOST_INSIDE.get()).isEqualTo(1);
    }

    @Test
    void aParkedRequestWhoseWaitExpiresGetsTheThrottles503WithRetryAfter() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestServer server = startParked(registry, 40);
        gate = new CountDownLatch(1);
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(
                () -> given().baseUri(server.uri()).get("/api/expiring"), WORKERS);
        await().atMost(Duration.ofSeconds(10)).until(() -> CALLS.get() == 1);
        Response expired = given().baseUri(server.uri()).get("/api/expiring");
        assertThat(expired.statusCode()).isEqualTo(503);
        assertThat(expired.contentType()).isEqualTo("application/problem+json");
        assertThat(expired.header("Cache-Control")).isEqualTo("no-store");
        assertThat(Integer.parseInt(expired.header("Retry-After"))).isPositive();
        assertThat(expired.jsonPath().getString("type")).endsWith("/temporary-reduced-capacity");
        assertThat(CALLS.get()).as("the expired request's method never ran").isEqualTo(1);
        assertThat(registry.find("seawall.throttle.rejections").tag("policy", "parked.expiring")
                .tag("reason", "wait-expired").functionCounter().count()).isEqualTo(1);
        gate.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> meter(registry, "seawall.throttle.in.flight", "parked.expiring") == 0);
        assertThat(meter(registry, "seawall.throttle.queued", "parked.expiring")).isZero();
        assertThat(given().baseUri(server.uri()).get("/api/expiring").statusCode()).isEqualTo(200);
    }

    @Test
    void aParkedMethodThatThrowsGetsTheSafe500AndGivesItsSlotBack() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestServer server = startParked(registry, 40);
        gate = new CountDownLatch(1);
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(
                () -> given().baseUri(server.uri()).queryParam("n", 0).get("/api/parked"), WORKERS);
        await().atMost(Duration.ofSeconds(10)).until(() -> CALLS.get() == 1);
        CompletableFuture<Response> failing = CompletableFuture.supplyAsync(() -> given().baseUri(server.uri())
                .queryParam("n", 1).queryParam("fail", true).get("/api/parked"), WORKERS);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> meter(registry, "seawall.throttle.queued", "parked.parked") == 1);
        gate.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        Response failed = failing.get(10, TimeUnit.SECONDS);
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.contentType()).isEqualTo("application/problem+json");
        assertThat(failed.asString()).doesNotContain("hunter2").doesNotContain("IllegalStateException");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> meter(registry, "seawall.throttle.in.flight", "parked.parked") == 0);
        assertThat(given().baseUri(server.uri()).queryParam("n", 2).get("/api/parked").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatDisconnectsWhileParkedLeaksNoSlot() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestServer server = startParked(registry, 40);
        gate = new CountDownLatch(1);
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(
                () -> given().baseUri(server.uri()).queryParam("n", 0).get("/api/parked"), WORKERS);
        await().atMost(Duration.ofSeconds(10)).until(() -> CALLS.get() == 1);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("GET /api/parked?n=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> meter(registry, "seawall.throttle.queued", "parked.parked") == 1);
        }
        gate.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> meter(registry, "seawall.throttle.queued", "parked.parked")
                == 0 && meter(registry, "seawall.throttle.in.flight", "parked.parked") == 0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(FinishedEvents.FINISHED.get())
                .as("the disconnected request finished too").isEqualTo(2));
        for (int i = 0; i < 3; i++) {
            assertThat(given().baseUri(server.uri()).queryParam("n", 2 + i).get("/api/parked").statusCode())
                    .as("request %d: the slot came back", i).isEqualTo(200);
        }
    }
}
