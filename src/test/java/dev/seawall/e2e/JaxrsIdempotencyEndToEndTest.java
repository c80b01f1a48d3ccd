package dev.seawall.e2e;

import dev.seawall.core.key.KeyKind;
import dev.seawall.e2e.container.Deployment;
import dev.seawall.jaxrs.Fallback;
import dev.seawall.jaxrs.Idempotent;
import dev.seawall.jaxrs.RateLimit;
import dev.seawall.jaxrs.SeawallFeature;
import dev.seawall.servlet.RateLimitFilter;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Idempotency keys on Jersey inside a real servlet container, through {@link SeawallFeature}: fifty identical POSTs
 * with one key at once run the resource once (synchronous and asynchronous resources), one answer is the live one and
 * the others 409 with {@code Retry-After}; later repeats get the answer back byte for byte with
 * {@code Idempotent-Replayed: true}; a changed body gets 422, a missing required key 400; two callers using one key
 * never meet; a resource whose exception a mapper answers with 500 frees its key, and so does a resource whose 502 a
 * fallback answered; a policy from the YAML file works as one from {@link Idempotent}; behind a servlet filter, the key
 * is held once: by a SeawallFilter that holds it, else by the feature (a standalone filter applying one stage of the
 * same policy holds none).
 */
class JaxrsIdempotencyEndToEndTest {

    static final ExecutorService WORKERS = Executors.newCachedThreadPool();
    static final AtomicInteger RUNS = new AtomicInteger();
    static volatile CountDownLatch gate = new CountDownLatch(0);

    private final List<TestServer> servers = new ArrayList<>();

    @BeforeEach
    void reset() {
        RUNS.set(0);
        gate = new CountDownLatch(0);
    }

    @AfterEach
    void stop() throws Exception {
        gate.countDown();
        for (TestServer s : servers) {
            s.close();
        }
    }

    /** Thrown by a resource; answered with 500 by {@link DeclinedMapper}. */
    public static class Declined extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    public static class DeclinedMapper implements ExceptionMapper<Declined> {
        @Override
        public jakarta.ws.rs.core.Response toResponse(Declined e) {
            return jakarta.ws.rs.core.Response.status(500).entity("{\"error\":\"declined\"}")
                    .type(MediaType.APPLICATION_JSON).build();
        }
    }

    @Path("/")
    @Produces(MediaType.APPLICATION_JSON)
    @Consumes(MediaType.APPLICATION_JSON)
    public static class Payments {
        @POST
        @Path("pay")
        @Idempotent
        public jakarta.ws.rs.core.Response pay(String body) throws InterruptedException {
            int n = RUNS.incrementAndGet();
            gate.await(30, TimeUnit.SECONDS);
            return jakarta.ws.rs.core.Response.status(201).entity("{\"payment\":" + n + ",\"request\":" + body + "}")
                    .header("Location", "/api/pay/" + n).build();
        }

        @POST
        @Path("pay-async")
        @Idempotent
        public void payAsync(String body, @Suspended AsyncResponse response) {
            int n = RUNS.incrementAndGet();
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("{\"async\":" + n + "}");
            });
        }

        @POST
        @Path("strict")
        @Idempotent(required = true)
        public String strict(String body) {
            return "{\"run\":" + RUNS.incrementAndGet() + "}";
        }

        @POST
        @Path("per-caller")
        @RateLimit(limit = "100/1m", by = KeyKind.API_KEY, header = "X-API-Key")
        @Idempotent(scope = "api-key")
        public String perCaller(@HeaderParam("X-API-Key") String caller, String body) {
            return "{\"caller\":\"" + caller + "\",\"run\":" + RUNS.incrementAndGet() + "}";
        }

        @POST
        @Path("invalid")
        @Idempotent
        public jakarta.ws.rs.core.Response invalid(String body) {
            RUNS.incrementAndGet();
            return jakarta.ws.rs.core.Response.status(400).entity("{\"error\":\"bad amount\"}").build();
        }

        @POST
        @Path("created")
        @Idempotent
        public jakarta.ws.rs.core.Response created(String body) {
            int n = RUNS.incrementAndGet();
            return jakarta.ws.rs.core.Response.created(java.net.URI.create("/api/created/" + n)).build();
        }

        @POST
        @Path("small")
        @Idempotent(maxBody = "16")
        public String small(String body) {
            RUNS.incrementAndGet();
            return "{}";
        }

        @POST
        @Path("upstream")
        @Idempotent
        @Fallback(status = 200, body = "{\"queued\":true}", on = "error")
        public jakarta.ws.rs.core.Response upstream(String body) {
            RUNS.incrementAndGet();
            return jakarta.ws.rs.core.Response.status(502).entity("{\"error\":\"upstream\"}").build();
        }

        @POST
        @Path("declined")
        @Idempotent
        public String declined(String body) {
            RUNS.incrementAndGet();
            throw new Declined();
        }
    }

    /** Protected by the YAML file only. */
    @Path("/")
    @Produces(MediaType.APPLICATION_JSON)
    @Consumes(MediaType.APPLICATION_JSON)
    public static class Orders {
        @POST
        @Path("orders")
        public String order(String body) {
            return "{\"order\":" + RUNS.incrementAndGet() + "}";
        }
    }

    private TestServer start(ResourceConfig app) throws Exception {
        TestServer s = TestServer.jersey(app, List.of(), 40);
        servers.add(s);
        return s;
    }

    private TestServer payments() throws Exception {
        return start(new ResourceConfig(Payments.class).register(DeclinedMapper.class)
                .register(new SeawallFeature().meterRegistry(new SimpleMeterRegistry())));
    }

    private static RequestSpecification as(TestServer server, String key) {
        RequestSpecification r = given().baseUri(server.uri()).contentType("application/json");
        return key == null ? r : r.header("Idempotency-Key", key);
    }

    /** Fifty copies at once; the resource holds its answer until every other copy has been answered. */
    private List<Response> fiftyAtOnce(TestServer server, String path, String key, String body) throws Exception {
        gate = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger answered = new AtomicInteger();
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Response r = as(server, key).body(body).post(path);
                answered.incrementAndGet();
                return r;
            }, WORKERS));
        }
        go.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() == 49);
        assertThat(RUNS).as("the resource runs once while the copies arrive").hasValue(1);
        gate.countDown();
        List<Response> all = new ArrayList<>();
        for (CompletableFuture<Response> c : calls) {
            all.add(c.get(30, TimeUnit.SECONDS));
        }
        return all;
    }

    private static Response live(List<Response> all) {
        List<Response> live = all.stream().filter(r -> r.statusCode() / 100 == 2).toList();
        assertThat(live).as("one live answer").hasSize(1);
        for (Response r : all) {
            if (r != live.get(0)) {
                assertThat(r.statusCode()).isEqualTo(409);
                assertThat(r.header("Retry-After")).isEqualTo("1");
                assertThat(r.contentType()).isEqualTo("application/problem+json");
                assertThat(r.header("Cache-Control")).isEqualTo("no-store");
                assertThat(r.jsonPath().getString("type")).endsWith("/idempotency-in-progress");
            }
        }
        return live.get(0);
    }

    private static void assertReplays(Response live, Response replay) {
        assertThat(replay.statusCode()).isEqualTo(live.statusCode());
        assertThat(replay.asByteArray()).isEqualTo(live.asByteArray());
        assertThat(replay.contentType()).isEqualTo(live.contentType());
        assertThat(replay.header(IdempotentHeaders.REPLAYED)).isEqualTo("true");
        assertThat(Long.parseLong(replay.header(IdempotentHeaders.LIFETIME))).isBetween(1L, 86_400L);
    }

    /** The guard's header names, as a client reads them. */
    private static final class IdempotentHeaders {
        static final String REPLAYED = "Idempotent-Replayed";
        static final String LIFETIME = "Idempotency-Key-Lifetime";
    }

    @Test
    void fiftyIdenticalPostsAtOnceRunTheResourceOnceAndRepeatsGetItsAnswerByteForByte() throws Exception {
        TestServer server = payments();
        String body = "{\"amount\":42,\"currency\":\"EUR\"}";
        Response live = live(fiftyAtOnce(server, "/api/pay", "\"pay-1\"", body));
        assertThat(live.statusCode()).isEqualTo(201);
        assertThat(live.asString()).isEqualTo("{\"payment\":1,\"request\":" + body + "}");
        assertThat(live.header(IdempotentHeaders.LIFETIME)).isEqualTo("86400");
        assertThat(live.header(IdempotentHeaders.REPLAYED)).isNull();
        for (int i = 0; i < 3; i++) {
            Response replay = as(server, "\"pay-1\"").body(body).post("/api/pay");
            assertReplays(live, replay);
            assertThat(replay.header("Location")).isEqualTo(live.header("Location"));
        }
        assertThat(RUNS).hasValue(1);

        Response changed = as(server, "\"pay-1\"").body("{\"amount\":43,\"currency\":\"EUR\"}").post("/api/pay");
        assertThat(changed.statusCode()).isEqualTo(422);
        assertThat(changed.contentType()).isEqualTo("application/problem+json");
        assertThat(changed.jsonPath().getString("type")).endsWith("/idempotency-key-reused");
        Response otherPath = as(server, "\"pay-1\"").body(body).post("/api/pay?retry=1");
        assertThat(otherPath.statusCode()).as("the query is part of the request").isEqualTo(422);
        assertThat(RUNS).hasValue(1);

        assertThat(as(server, "\"pay-2\"").body(body).post("/api/pay").statusCode()).as("a new key runs")
                .isEqualTo(201);
        assertThat(as(server, null).body(body).post("/api/pay").statusCode()).as("no key: runs unprotected")
                .isEqualTo(201);
        assertThat(RUNS).hasValue(3);
    }

    @Test
    void fiftyIdenticalPostsToAnAsyncResourceRunItOnce() throws Exception {
        TestServer server = payments();
        Response live = live(fiftyAtOnce(server, "/api/pay-async", "\"async-1\"", "{}"));
        assertThat(live.asString()).isEqualTo("{\"async\":1}");
        assertReplays(live, as(server, "\"async-1\"").body("{}").post("/api/pay-async"));
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void aRequiredKeyThatIsMissingOrMalformedIs400AndTheResourceNeverRuns() throws Exception {
        TestServer server = payments();
        Response missing = as(server, null).body("{}").post("/api/strict");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.contentType()).isEqualTo("application/problem+json");
        assertThat(missing.header("Cache-Control")).isEqualTo("no-store");
        assertThat(missing.jsonPath().getString("type")).endsWith("/idempotency-key-missing");
        assertThat(missing.jsonPath().getString("header")).isEqualTo("Idempotency-Key");
        for (String bad : new String[] {"not-quoted", "\"\"", "\"" + "k".repeat(1000) + "\"", "\"a\", \"b\""}) {
            Response r = as(server, bad).body("{}").post("/api/strict");
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.jsonPath().getString("type")).as(bad).endsWith("/idempotency-key-invalid");
        }
        assertThat(RUNS).hasValue(0);
        assertThat(as(server, "\"fine\"").body("{}").post("/api/strict").asString()).isEqualTo("{\"run\":1}");
    }

    @Test
    void twoCallersUsingOneKeyNeverSeeEachOthersAnswer() throws Exception {
        TestServer server = payments();
        Response alice = as(server, "\"same\"").header("X-API-Key", "alice").body("{}").post("/api/per-caller");
        Response bob = as(server, "\"same\"").header("X-API-Key", "bob").body("{}").post("/api/per-caller");
        assertThat(alice.asString()).isEqualTo("{\"caller\":\"alice\",\"run\":1}");
        assertThat(bob.asString()).isEqualTo("{\"caller\":\"bob\",\"run\":2}");
        assertThat(bob.header(IdempotentHeaders.REPLAYED)).isNull();
        assertReplays(alice, as(server, "\"same\"").header("X-API-Key", "alice").body("{}").post("/api/per-caller"));
        assertReplays(bob, as(server, "\"same\"").header("X-API-Key", "bob").body("{}").post("/api/per-caller"));
        assertThat(RUNS).hasValue(2);
    }

    @Test
    void aResourceWhoseExceptionAMapperAnswersWith500FreesItsKey() throws Exception {
        TestServer server = payments();
        for (int i = 0; i < 3; i++) {
            Response r = as(server, "\"declined\"").body("{}").post("/api/declined");
            assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(500);
            assertThat(r.asString()).isEqualTo("{\"error\":\"declined\"}");
            assertThat(r.header(IdempotentHeaders.REPLAYED)).as("a 5xx is never kept").isNull();
        }
        assertThat(RUNS).as("every retry ran: the key was freed each time").hasValue(3);
    }

    @Test
    void aPolicyFromTheYamlFileProtectsAResourceWithoutAnnotations() throws Exception {
        java.nio.file.Path yaml = Files.createTempFile("seawall-jaxrs-idempotency", ".yaml");
        try {
            Files.writeString(yaml, """
                    policies:
                      - name: orders
                        paths: [/api/orders]
                        idempotency:
                          header: X-Order-Key
                          required: true
                          expire: 1h
                    """);
            TestServer server = start(new ResourceConfig(Orders.class)
                    .register(new SeawallFeature(yaml.toString()).meterRegistry(new SimpleMeterRegistry())));
            Response missing = given().baseUri(server.uri()).contentType("application/json").body("{}")
                    .post("/api/orders");
            assertThat(missing.statusCode()).isEqualTo(400);
            assertThat(missing.jsonPath().getString("header")).isEqualTo("X-Order-Key");
            Response first = given().baseUri(server.uri()).contentType("application/json")
                    .header("X-Order-Key", "\"o-1\"").body("{\"sku\":7}").post("/api/orders");
            assertThat(first.asString()).isEqualTo("{\"order\":1}");
            assertThat(first.header(IdempotentHeaders.LIFETIME)).isEqualTo("3600");
            Response again = given().baseUri(server.uri()).contentType("application/json")
                    .header("X-Order-Key", "\"o-1\"").body("{\"sku\":7}").post("/api/orders");
            assertThat(again.asByteArray()).isEqualTo(first.asByteArray());
            assertThat(again.header(IdempotentHeaders.REPLAYED)).isEqualTo("true");
            assertThat(Long.parseLong(again.header(IdempotentHeaders.LIFETIME))).isBetween(1L, 3600L);
            assertThat(RUNS).hasValue(1);
        } finally {
            Files.delete(yaml);
        }
    }

    @Test
    void aKeptClientErrorAndAnAnswerWithoutABodyAreReplayedAsSent() throws Exception {
        TestServer server = payments();
        Response invalid = as(server, "\"inv\"").body("{\"amount\":-1}").post("/api/invalid");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.asString()).isEqualTo("{\"error\":\"bad amount\"}");
        Response again = as(server, "\"inv\"").body("{\"amount\":-1}").post("/api/invalid");
        assertReplays(invalid, again);
        assertThat(again.asString()).as("the kept body, not the container's error page")
                .isEqualTo("{\"error\":\"bad amount\"}");

        Response created = as(server, "\"new\"").body("{}").post("/api/created");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.asByteArray()).isEmpty();
        Response createdAgain = as(server, "\"new\"").body("{}").post("/api/created");
        assertThat(createdAgain.statusCode()).isEqualTo(201);
        assertThat(createdAgain.asByteArray()).isEmpty();
        assertThat(createdAgain.header("Location")).isEqualTo(created.header("Location"));
        assertThat(createdAgain.header(IdempotentHeaders.REPLAYED)).isEqualTo("true");
        assertThat(RUNS).hasValue(2);
    }

    @Test
    void aBodyOverMaxBodyIs413WhetherItsLengthIsDeclaredOrChunked() throws Exception {
        TestServer server = payments();
        String big = "{\"pad\":\"" + "x".repeat(100) + "\"}";
        Response declared = as(server, "\"big-1\"").body(big).post("/api/small");
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.contentType()).isEqualTo("application/problem+json");
        assertThat(declared.jsonPath().getString("type")).endsWith("/idempotency-body-too-large");
        Response chunked = as(server, "\"big-2\"")
                .body(new java.io.ByteArrayInputStream(big.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .post("/api/small");
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(RUNS).hasValue(0);
        assertThat(as(server, "\"small\"").body("{\"a\":1}").post("/api/small").statusCode()).isEqualTo(200);
    }

    @Test
    @ContainerIndependent
    void onJerseysStandaloneGrizzlyContainerAnswersAreKeptAndReplayedAlike() throws Exception {
        ResourceConfig app = new ResourceConfig(Payments.class).register(DeclinedMapper.class)
                .register(new SeawallFeature().meterRegistry(new SimpleMeterRegistry()));
        org.glassfish.grizzly.http.server.HttpServer server = org.glassfish.jersey.grizzly2.httpserver
                .GrizzlyHttpServerFactory.createHttpServer(java.net.URI.create("http://127.0.0.1:0/"), app);
        try {
            String base = "http://127.0.0.1:" + server.getListeners().iterator().next().getPort();
            for (String path : new String[] {"/pay", "/invalid", "/created"}) {
                Response first = given().baseUri(base).contentType("application/json")
                        .header("Idempotency-Key", "\"g\"").body("{\"amount\":1}").post(path);
                Response again = given().baseUri(base).contentType("application/json")
                        .header("Idempotency-Key", "\"g\"").body("{\"amount\":1}").post(path);
                assertThat(first.header(IdempotentHeaders.REPLAYED)).as(path).isNull();
                assertReplays(first, again);
                assertThat(again.header("Location")).as(path).isEqualTo(first.header("Location"));
            }
            assertThat(RUNS).hasValue(3);
            Response changed = given().baseUri(base).contentType("application/json")
                    .header("Idempotency-Key", "\"g\"").body("{\"amount\":2}").post("/pay");
            assertThat(changed.statusCode()).isEqualTo(422);
            assertThat(changed.header("Cache-Control")).isEqualTo("no-store");
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aFallbacksAnswerForAResourcesFailureIsNotKeptSoTheRetryRuns() throws Exception {
        TestServer server = payments();
        for (int i = 1; i <= 2; i++) {
            Response r = as(server, "\"up\"").body("{}").post("/api/upstream");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.asString()).isEqualTo("{\"queued\":true}");
            assertThat(r.header(IdempotentHeaders.REPLAYED)).as("attempt %d", i).isNull();
            assertThat(RUNS).as("the resource's own 502 freed the key").hasValue(i);
        }
    }

    private static java.nio.file.Path ordersPolicy() throws Exception {
        java.nio.file.Path yaml = Files.createTempFile("seawall-jaxrs-behind-filter", ".yaml");
        Files.writeString(yaml, """
                policies:
                  - name: orders
                    paths: [/api/orders]
                    rate-limits:
                      - by: ip
                        limit: 1000/1m
                    idempotency:
                      header: X-Order-Key
                """);
        return yaml;
    }

    private TestServer behind(jakarta.servlet.Filter filter, Map<String, String> params, java.nio.file.Path yaml)
            throws Exception {
        ResourceConfig app = new ResourceConfig(Orders.class)
                .register(new SeawallFeature(yaml.toString()).meterRegistry(new SimpleMeterRegistry()));
        TestServer s = TestServer.start(Deployment.builder().maxThreads(40).filter(filter, params)
                .servlet("jersey", new org.glassfish.jersey.servlet.ServletContainer(app), true, 1, "/api/*")
                .build());
        servers.add(s);
        return s;
    }

    private static Response order(TestServer server, String key) {
        return given().baseUri(server.uri()).contentType("application/json").header("X-Order-Key", key)
                .body("{\"sku\":7}").post("/api/orders");
    }

    @Test
    void behindAStandaloneFilterApplyingOneStageOfThePolicyTheFeatureHoldsTheKey() throws Exception {
        java.nio.file.Path yaml = ordersPolicy();
        try {
            TestServer server = behind(new RateLimitFilter(), Map.of("config", yaml.toString(), "policy", "orders"),
                    yaml);
            Response first = order(server, "\"standalone\"");
            assertThat(first.asString()).isEqualTo("{\"order\":1}");
            assertThat(first.header("RateLimit-Policy")).as("the filter applied the limit").isNotNull();
            Response again = order(server, "\"standalone\"");
            assertThat(again.header(IdempotentHeaders.REPLAYED)).as("the filter held no key: the feature did")
                    .isEqualTo("true");
            assertThat(again.asByteArray()).isEqualTo(first.asByteArray());
            assertThat(RUNS).hasValue(1);
        } finally {
            Files.delete(yaml);
        }
    }

    @Test
    void behindASeawallFilterThatHoldsTheKeyTheResourceRunsOnceAndTheFilterReplays() throws Exception {
        java.nio.file.Path yaml = ordersPolicy();
        try {
            TestServer server = behind(new SeawallFilter(), Map.of("config", yaml.toString()), yaml);
            Response first = order(server, "\"filtered\"");
            assertThat(first.asString()).isEqualTo("{\"order\":1}");
            assertThat(first.header(IdempotentHeaders.LIFETIME)).isEqualTo("86400");
            Response again = order(server, "\"filtered\"");
            assertThat(again.header(IdempotentHeaders.REPLAYED)).isEqualTo("true");
            assertThat(again.asByteArray()).isEqualTo(first.asByteArray());
            assertThat(order(server, "\"other\"").asString()).isEqualTo("{\"order\":2}");
            assertThat(RUNS).hasValue(2);
        } finally {
            Files.delete(yaml);
        }
    }
}
