package dev.seawall.e2e;

import dev.seawall.core.timeout.Deadline;
import dev.seawall.jaxrs.SeawallFeature;
import dev.seawall.jaxrs.Throttle;
import dev.seawall.jaxrs.Timeout;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import org.glassfish.jersey.server.ManagedAsync;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
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
 * The request's {@link Deadline} around JAX-RS resource methods guarded by {@code @Timeout}: bound while the method
 * runs (synchronous, {@code @ManagedAsync} on Jersey's executor, and an asynchronous method parked in a throttle queue
 * and resumed on another thread), gone from the thread once the method returned (a response filter on the same
 * thread sees none), absent without a timeout; and a caller's shorter deadline from {@code @Timeout}'s
 * {@code deadlineHeader}.
 */
class JaxrsDeadlineEndToEndTest {

    static final ExecutorService WORKERS = Executors.newCachedThreadPool();
    static final AtomicInteger CALLS = new AtomicInteger();
    static volatile CountDownLatch gate = new CountDownLatch(0);

    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        gate.countDown();
        if (server != null) {
            server.close();
        }
        CALLS.set(0);
    }

    /** @return the time left of the deadline bound to this thread in milliseconds, or "none" */
    static String left() {
        Deadline d = Deadline.current();
        return d == null ? "none" : Long.toString(d.remaining().toMillis());
    }

    @Path("/")
    @Produces(MediaType.TEXT_PLAIN)
    public static class Deadlines {
        @GET
        @Path("timed")
        @Timeout("5s")
        public String timed() {
            return left();
        }

        @GET
        @Path("untimed")
        @Throttle(maxConcurrent = 10)
        public String untimed() {
            return left();
        }

        @GET
        @Path("caller")
        @Timeout(value = "5s", deadlineHeader = "X-Deadline-Ms")
        public String caller() {
            return left();
        }

        @GET
        @Path("managed")
        @Timeout("5s")
        @ManagedAsync
        public void managed(@Suspended AsyncResponse response) {
            response.resume(Thread.currentThread().getName().contains("jersey") + " " + left());
        }

        @GET
        @Path("queued")
        @Timeout("5s")
        @Throttle(maxConcurrent = 1, queue = 10, maxWait = "20s")
        public void queued(@Suspended AsyncResponse response, @QueryParam("n") int n) {
            CALLS.incrementAndGet();
            String seen = left(); // on the thread that invokes the method: a resume thread for a parked one
            if (n > 0) {
                response.resume(seen);
                return;
            }
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume(seen);
            });
        }
    }

    /** Runs after the method returned, on the thread that ran it for a synchronous method: its deadline is gone. */
    public static class AfterMethod implements ContainerResponseFilter {
        @Override
        public void filter(ContainerRequestContext request, ContainerResponseContext response) {
            response.getHeaders().putSingle("X-After-Method", left());
        }
    }

    private TestServer start(SimpleMeterRegistry registry) throws Exception {
        server = TestServer.jersey(new ResourceConfig(Deadlines.class).register(AfterMethod.class)
                .register(new SeawallFeature().meterRegistry(registry)), List.of(), 20);
        return server;
    }

    private static long millis(Response r) {
        assertThat(r.statusCode()).isEqualTo(200);
        return Long.parseLong(r.asString());
    }

    @Test
    void aTimedMethodRunsUnderItsDeadlineAndItsThreadKeepsNoneAfterIt() throws Exception {
        TestServer s = start(new SimpleMeterRegistry());
        Response r = given().baseUri(s.uri()).get("/api/timed");
        assertThat(millis(r)).isBetween(4000L, 5000L);
        assertThat(r.header("X-After-Method")).isEqualTo("none");
        Response untimed = given().baseUri(s.uri()).get("/api/untimed");
        assertThat(untimed.asString()).as("no timeout, no deadline").isEqualTo("none");
    }

    @Test
    void aManagedAsyncMethodRunsUnderItsDeadlineOnJerseysExecutor() throws Exception {
        TestServer s = start(new SimpleMeterRegistry());
        Response r = given().baseUri(s.uri()).get("/api/managed");
        assertThat(r.statusCode()).isEqualTo(200);
        String[] parts = r.asString().split(" ");
        assertThat(parts[0]).as("ran on Jersey's managed executor").isEqualTo("true");
        assertThat(Long.parseLong(parts[1])).isBetween(4000L, 5000L);
    }

    @Test
    void aCallersShorterDeadlineShortensTheMethodsDeadline() throws Exception {
        TestServer s = start(new SimpleMeterRegistry());
        assertThat(millis(given().baseUri(s.uri()).header("X-Deadline-Ms", "300").get("/api/caller")))
                .isBetween(0L, 300L);
        assertThat(millis(given().baseUri(s.uri()).header("X-Deadline-Ms", "60000").get("/api/caller")))
                .as("never longer").isBetween(4000L, 5000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "+5", "5.0", "abc", "12345678901", "1,2"})
    void hostileCallerDeadlinesAreIgnored(String value) throws Exception {
        TestServer s = start(new SimpleMeterRegistry());
        assertThat(millis(given().baseUri(s.uri()).header("X-Deadline-Ms", value).get("/api/caller")))
                .isBetween(4000L, 5000L);
    }

    @Test
    void anAsyncMethodResumedAfterAThrottleWaitRunsUnderItsDeadline() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestServer s = start(registry);
        gate = new CountDownLatch(1);
        CompletableFuture<Response> holder = CompletableFuture.supplyAsync(
                () -> given().baseUri(s.uri()).queryParam("n", 0).get("/api/queued"), WORKERS);
        await().atMost(Duration.ofSeconds(10)).until(() -> CALLS.get() == 1);
        CompletableFuture<Response> parked = CompletableFuture.supplyAsync(
                () -> given().baseUri(s.uri()).queryParam("n", 1).get("/api/queued"), WORKERS);
        await().atMost(Duration.ofSeconds(10)).until(() -> queued(registry) == 1);
        assertThat(CALLS.get()).as("the queued method has not run").isEqualTo(1);
        gate.countDown();
        assertThat(millis(holder.get(20, TimeUnit.SECONDS))).isBetween(3000L, 5000L);
        // its deadline counts from when its method starts, after the wait
        assertThat(millis(parked.get(20, TimeUnit.SECONDS))).isBetween(4000L, 5000L);
    }

    private static double queued(SimpleMeterRegistry registry) {
        double sum = 0;
        for (Gauge g : registry.find("seawall.throttle.queued").gauges()) {
            sum += g.value();
        }
        return sum;
    }
}
