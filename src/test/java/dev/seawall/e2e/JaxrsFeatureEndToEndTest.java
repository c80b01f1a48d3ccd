package dev.seawall.e2e;

import dev.seawall.core.key.KeyKind;
import dev.seawall.jaxrs.CircuitBreaker;
import dev.seawall.jaxrs.Fallback;
import dev.seawall.jaxrs.RateLimit;
import dev.seawall.jaxrs.SeawallFeature;
import dev.seawall.jaxrs.Throttle;
import dev.seawall.jaxrs.Timeout;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * SeawallFeature on Jersey inside a real servlet container: every annotation, method-over-class and
 * YAML-over-annotation precedence, permits settled when resources throw (sync and async), deadlines answered for
 * sync and async methods, start-up failures for bad annotations, and the rule for a SeawallFilter and a SeawallFeature
 * installed together. The throttle queue of async resources is {@link JaxrsParkedEndToEndTest}'s.
 */
class JaxrsFeatureEndToEndTest {

    static final ExecutorService WORKERS = Executors.newCachedThreadPool();
    static final AtomicInteger CALLS = new AtomicInteger();
    static volatile CountDownLatch gate = new CountDownLatch(0);
    static volatile boolean failing;
    /** Never counted down: a resource waiting on it only ends by its deadline's interrupt or the server's stop. */
    static final CountDownLatch NEVER = new CountDownLatch(1);

    private final List<TestServer> servers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        gate.countDown();
        for (TestServer s : servers) {
            s.close();
        }
        failing = false;
        CALLS.set(0);
    }

    @Path("/")
    @RateLimit(limit = "2/1m")
    public static class Limited {
        @GET
        @Path("class-limit")
        public String classLimit() {
            return "ok";
        }

        @GET
        @Path("method-limit")
        @RateLimit(limit = "4/1m", name = "per-ip")
        public String methodLimit() {
            return "ok";
        }
    }

    @Path("/")
    public static class Guarded {
        @GET
        @Path("slow")
        @Throttle(maxConcurrent = 1)
        public String slow() throws InterruptedException {
            CALLS.incrementAndGet();
            gate.await(30, TimeUnit.SECONDS);
            return "done";
        }

        @GET
        @Path("queued")
        @Produces(MediaType.TEXT_PLAIN)
        @Throttle(maxConcurrent = 1, queue = 10, maxWait = "20s")
        public void queued(@Suspended AsyncResponse response) {
            int n = CALLS.incrementAndGet();
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("call " + n);
            });
        }

        @GET
        @Path("throws")
        @Throttle(maxConcurrent = 1)
        public String throwsUnmapped() {
            throw new IllegalStateException("db password is hunter2");
        }

        @GET
        @Path("flaky")
        @CircuitBreaker(failureRate = 50, minimumCalls = 2, window = "4", openFor = "1h")
        @Fallback(status = 202, body = "{\"pending\":true}", on = "circuit-open")
        public jakarta.ws.rs.core.Response flaky() {
            CALLS.incrementAndGet();
            return jakarta.ws.rs.core.Response.status(failing ? 500 : 200).entity("x").build();
        }

        @GET
        @Path("hang")
        @Timeout("300ms")
        public String hang() throws InterruptedException {
            NEVER.await(30, TimeUnit.SECONDS);
            return "late";
        }

        @GET
        @Path("hang-async")
        @Timeout(value = "300ms", status = 504)
        public void hangAsync(@Suspended AsyncResponse response) {
            WORKERS.submit(() -> {
                try {
                    NEVER.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("late");
            });
        }

        @GET
        @Path("cached/{id}")
        @Produces(MediaType.APPLICATION_JSON)
        @Fallback(staleCache = "1m")
        public String cached(@PathParam("id") String id) {
            if (failing) {
                throw new IllegalStateException("backend down");
            }
            return "{\"id\":\"" + id + "\"}";
        }

        @GET
        @Path("tuned")
        @RateLimit(limit = "1/1m")
        @Timeout("300ms")
        public String tuned() {
            return "ok";
        }

        @GET
        @Path("tuned-hang")
        @RateLimit(limit = "1/1m")
        @Timeout("300ms")
        public String tunedHang() throws InterruptedException {
            NEVER.await(30, TimeUnit.SECONDS);
            return "late";
        }
    }

    @Path("/")
    public static class BadLimit {
        @GET
        @Path("bad")
        @RateLimit(limit = "10/xyz", by = KeyKind.API_KEY)
        public String bad() {
            return "never";
        }
    }

    @Path("/")
    public static class BadTimeout {
        @GET
        @Timeout("soon")
        public String bad() {
            return "never";
        }
    }

    private TestServer start(ResourceConfig app, jakarta.servlet.Filter... filters) throws Exception {
        TestServer s = TestServer.jersey(app, List.of(filters), 40);
        servers.add(s);
        return s;
    }

    private static SeawallFeature feature() {
        return new SeawallFeature().meterRegistry(new SimpleMeterRegistry());
    }

    @Test
    void rateLimitsFromTheClassApplyUnlessTheMethodDeclaresItsOwn() throws Exception {
        TestServer server = start(new ResourceConfig(Limited.class).register(feature()));
        for (int i = 0; i < 2; i++) {
            given().baseUri(server.uri()).get("/api/class-limit").then().statusCode(200);
        }
        Response refused = given().baseUri(server.uri()).get("/api/class-limit");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(refused.header("Cache-Control")).isEqualTo("no-store");
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
        assertThat(refused.header("RateLimit-Policy")).contains("q=2").contains("w=60");
        assertThat(refused.jsonPath().getString("type")).endsWith("/quota-exceeded");
        for (int i = 0; i < 4; i++) {
            Response ok = given().baseUri(server.uri()).get("/api/method-limit");
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).as("the method's limit, not the class's").contains("\"per-ip\"");
        }
        assertThat(given().baseUri(server.uri()).get("/api/method-limit").statusCode()).isEqualTo(429);
    }

    @Test
    void throttleRefusesWhenFullAndEveryPermitIsReturnedEvenWhenTheResourceThrows() throws Exception {
        TestServer server = start(new ResourceConfig(Guarded.class).register(feature()));
        gate = new CountDownLatch(1);
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(
                () -> given().baseUri(server.uri()).get("/api/slow"), WORKERS);
        await().atMost(Duration.ofSeconds(10)).until(() -> CALLS.get() == 1);
        Response refused = given().baseUri(server.uri()).get("/api/slow");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(refused.jsonPath().getString("type")).endsWith("/temporary-reduced-capacity");
        gate.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(given().baseUri(server.uri()).get("/api/slow").statusCode()).as("the slot came back").isEqualTo(200);

        for (int i = 0; i < 20; i++) {
            Response r = given().baseUri(server.uri()).get("/api/throws");
            assertThat(r.statusCode()).as("request %d: answered, never refused for a leaked slot", i).isEqualTo(500);
            assertThat(r.contentType()).isEqualTo("application/problem+json");
            assertThat(r.jsonPath().getString("request-id")).isNotBlank();
            assertThat(r.asString()).doesNotContain("hunter2").doesNotContain("IllegalStateException");
        }
    }

    @Test
    void asyncResourcesSettleTheirPermits() throws Exception {
        TestServer server = start(new ResourceConfig(Guarded.class).register(feature()));
        gate = new CountDownLatch(0);
        for (int i = 0; i < 5; i++) {
            Response r = given().baseUri(server.uri()).get("/api/queued");
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
        }
    }

    @Test
    void breakerOpensOnServerErrorsAndTheFallbackAnswersWithoutCallingTheResource() throws Exception {
        TestServer server = start(new ResourceConfig(Guarded.class).register(feature()));
        failing = true;
        for (int i = 0; i < 2; i++) {
            assertThat(given().baseUri(server.uri()).get("/api/flaky").statusCode()).isEqualTo(500);
        }
        int calls = CALLS.get();
        Response open = given().baseUri(server.uri()).get("/api/flaky");
        assertThat(open.statusCode()).isEqualTo(202);
        assertThat(open.asString()).isEqualTo("{\"pending\":true}");
        assertThat(open.header("X-Data-Source")).isEqualTo("fallback");
        assertThat(open.header("Cache-Control")).isEqualTo("no-store");
        assertThat(CALLS.get()).as("not called while open").isEqualTo(calls);
    }

    @Test
    void deadlinesAreAnsweredForSyncAndAsyncMethods() throws Exception {
        TestServer server = start(new ResourceConfig(Guarded.class).register(feature()));
        gate = new CountDownLatch(1);
        Response sync = given().baseUri(server.uri()).get("/api/hang");
        assertThat(sync.statusCode()).as(sync.headers() + " " + sync.asString()).isEqualTo(503);
        assertThat(sync.jsonPath().getString("type")).endsWith("/timeout");
        assertThat(sync.header("Retry-After")).isEqualTo("1");
        Response async = given().baseUri(server.uri()).get("/api/hang-async");
        assertThat(async.statusCode()).isEqualTo(504);
        assertThat(async.jsonPath().getString("type")).endsWith("/timeout");
    }

    @Test
    void staleCopiesAreServedToTheSameCallerWhenTheResourceFails() throws Exception {
        TestServer server = start(new ResourceConfig(Guarded.class).register(feature()));
        Response live = given().baseUri(server.uri()).header("X-API-Key", "k1").get("/api/cached/7");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.header("X-Data-Source")).isEqualTo("live");
        failing = true;
        Response copy = given().baseUri(server.uri()).header("X-API-Key", "k1").get("/api/cached/7");
        assertThat(copy.statusCode()).isEqualTo(200);
        assertThat(copy.header("X-Data-Source")).isEqualTo("cache");
        assertThat(copy.jsonPath().getString("id")).isEqualTo("7");
        Response other = given().baseUri(server.uri()).header("X-API-Key", "k2").get("/api/cached/7");
        assertThat(other.statusCode()).as("another caller gets no copy").isEqualTo(500);
        assertThat(other.asString()).doesNotContain("backend down");
    }

    /**
     * The copy of a live answer is kept before the answer's first byte leaves the server: a client that asks again as
     * soon as it has read the answer, and meets a failure, must be served the copy. A servlet filter in front of Jersey
     * reads the stored-copies counter when the first byte is written.
     */
    @Test
    void aLiveAnswersCopyIsKeptBeforeItsFirstByteIsWritten() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        java.util.concurrent.atomic.AtomicReference<Double> storedAtFirstByte =
                new java.util.concurrent.atomic.AtomicReference<>();
        Runnable firstByte = () -> storedAtFirstByte.compareAndSet(null,
                meters.find("seawall.fallback.cache.stored").functionCounters().stream().mapToDouble(c -> c.count()).sum());
        jakarta.servlet.Filter watch = (req, res, chain) -> chain.doFilter(req,
                new jakarta.servlet.http.HttpServletResponseWrapper((jakarta.servlet.http.HttpServletResponse) res) {
                    @Override
                    public jakarta.servlet.ServletOutputStream getOutputStream() throws java.io.IOException {
                        jakarta.servlet.ServletOutputStream out = super.getOutputStream();
                        return new jakarta.servlet.ServletOutputStream() {
                            @Override
                            public void write(int b) throws java.io.IOException {
                                firstByte.run();
                                out.write(b);
                            }

                            @Override
                            public void write(byte[] b, int off, int len) throws java.io.IOException {
                                firstByte.run();
                                out.write(b, off, len);
                            }

                            @Override
                            public void flush() throws java.io.IOException {
                                out.flush();
                            }

                            @Override
                            public void close() throws java.io.IOException {
                                out.close();
                            }

                            @Override
                            public boolean isReady() {
                                return out.isReady();
                            }

                            @Override
                            public void setWriteListener(jakarta.servlet.WriteListener listener) {
                                out.setWriteListener(listener);
                            }
                        };
                    }
                });
        TestServer server = start(new ResourceConfig(Guarded.class).register(new SeawallFeature().meterRegistry(meters)),
                watch);
        Response live = given().baseUri(server.uri()).header("X-API-Key", "k1").get("/api/cached/8");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(storedAtFirstByte.get()).as("copies stored when the answer's first byte was written").isEqualTo(1.0);
    }

    @Test
    void yamlReplacesTheAnnotationOfTheSameStageAndKeepsTheOthers() throws Exception {
        java.nio.file.Path yaml = Files.createTempFile("seawall-jaxrs", ".yaml");
        Files.writeString(yaml, """
                policies:
                  - name: tuned
                    paths: [/api/tuned]
                    rate-limits:
                      - by: ip
                        limit: 3/1m
                """);
        TestServer server = start(new ResourceConfig(Guarded.class)
                .register(new SeawallFeature(yaml.toString()).meterRegistry(new SimpleMeterRegistry())));
        for (int i = 0; i < 3; i++) {
            Response ok = given().baseUri(server.uri()).get("/api/tuned");
            assertThat(ok.statusCode()).as("the YAML's 3/1m, not the annotation's 1/1m; request %d", i).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).contains("q=3");
        }
        Response refused = given().baseUri(server.uri()).get("/api/tuned");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.jsonPath().getString("policy")).isEqualTo("tuned");
        Files.delete(yaml);
    }

    @Test
    void annotationStagesTheYamlDoesNotConfigureStillApply() throws Exception {
        String yaml = """
                policies:
                  - name: tuned
                    paths: [/api/tuned-hang]
                    rate-limits:
                      - by: ip
                        limit: 100/1m
                """;
        dev.seawall.core.Seawall engine = dev.seawall.core.Seawall.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("seawall.yaml", yaml).build();
        TestServer server = start(new ResourceConfig(Guarded.class).register(new SeawallFeature(engine)));
        Response r = given().baseUri(server.uri()).get("/api/tuned-hang");
        assertThat(r.statusCode()).as("the annotation's timeout: " + r.headers() + r.asString()).isEqualTo(503);
        assertThat(r.jsonPath().getString("type")).endsWith("/timeout");
        assertThat(r.header("RateLimit-Policy")).as("with the YAML's limit").contains("q=100");
        engine.close();
    }

    @Test
    @ContainerIndependent
    void invalidAnnotationsFailStartUpNamingTheMethodAndAttribute() {
        assertThatThrownBy(() -> new ApplicationHandler(new ResourceConfig(BadLimit.class).register(feature())))
                .satisfies(e -> assertThat(rootMessage(e))
                        .contains(BadLimit.class.getName() + "#bad")
                        .contains("@RateLimit[0].limit")
                        .contains("\"10/xyz\" is not a rate"));
        assertThatThrownBy(() -> new ApplicationHandler(new ResourceConfig(BadTimeout.class).register(feature())))
                .satisfies(e -> assertThat(rootMessage(e))
                        .contains(BadTimeout.class.getName() + "#bad")
                        .contains("@Timeout.value"));
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void aPolicyTheServletFilterAppliedIsNotAppliedAgainByTheFeature() throws Exception {
        String yaml = """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 3/1m
                """;
        SeawallFilter filter = SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("seawall.yaml", yaml).build();
        dev.seawall.core.Seawall engine = dev.seawall.core.Seawall.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("seawall.yaml", yaml).build();
        TestServer server = start(new ResourceConfig(Guarded.class).register(new SeawallFeature(engine)), filter);
        for (int i = 0; i < 3; i++) {
            Response ok = given().baseUri(server.uri()).get("/api/cached/1");
            assertThat(ok.statusCode()).as("counted once per request, not twice; request %d", i).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).as("one limit in the header").isEqualTo("\"ip\";q=3;w=60");
            assertThat(ok.header("X-Data-Source")).as("the method's own fallback stage still runs").isEqualTo("live");
        }
        assertThat(given().baseUri(server.uri()).get("/api/cached/1").statusCode()).isEqualTo(429);
        engine.close();
    }
}
