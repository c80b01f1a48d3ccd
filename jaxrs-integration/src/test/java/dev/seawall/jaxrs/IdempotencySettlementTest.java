package dev.seawall.jaxrs;

import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.idempotency.IdempotencyGuard.Outcome;
import dev.seawall.core.internal.idempotency.IdempotencyGuard.Settled;
import dev.seawall.core.policy.Policy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.seawall.jaxrs.InMemoryJersey.Answer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JAX-RS adapter follows the idempotency guard's protocol on every path, in a Jersey application run in memory:
 * a first run's answer is kept and replayed byte for byte (cookies dropped), a changed body is refused, a refused
 * request (rate limit) frees its key, a resource that throws frees it whether a mapper answered or Seawall did, a
 * fallback's answer for a failing resource is not kept, a resource that succeeds after the deadline answered leaves a
 * marker once it truly ended, an async
 * resource's answer is kept once resumed, too large bodies and answers, unreadable bodies, and two callers with one
 * key.
 */
class IdempotencySettlementTest {

    static final AtomicInteger RUNS = new AtomicInteger();
    static final ExecutorService WORKERS = Executors.newCachedThreadPool();
    static volatile CountDownLatch gate = new CountDownLatch(0);
    static volatile CountDownLatch entered = new CountDownLatch(1);

    private ApplicationHandler app;
    private SeawallFeature feature;

    public static class Boom extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    public static class BoomMapper implements ExceptionMapper<Boom> {
        @Override
        public Response toResponse(Boom exception) {
            return Response.status(500).entity("mapped").type(MediaType.TEXT_PLAIN).build();
        }
    }

    @Path("/")
    @Produces(MediaType.TEXT_PLAIN)
    public static class Orders {
        @POST
        @Path("orders")
        @Idempotent
        public Response create(String body) {
            int n = RUNS.incrementAndGet();
            return Response.status(201).entity("order " + n + ": " + body).header("X-Order", n)
                    .cookie(new NewCookie.Builder("session").value("secret").build()).build();
        }

        @POST
        @Path("empty")
        @Idempotent
        public Response empty() {
            RUNS.incrementAndGet();
            return Response.noContent().header("X-Empty", "yes").build();
        }

        @POST
        @Path("required")
        @Idempotent(required = true, header = "X-Key")
        public String required() {
            RUNS.incrementAndGet();
            return "ok";
        }

        @POST
        @Path("throws")
        @Idempotent
        public String throwsUnmapped() {
            RUNS.incrementAndGet();
            throw new IllegalStateException("db password is hunter2");
        }

        @POST
        @Path("throws-kept")
        @Idempotent(keep = {"2xx", "4xx", "5xx"})
        public String throwsWhereServerErrorsAreKept() {
            RUNS.incrementAndGet();
            throw new IllegalStateException("db password is hunter2");
        }

        @POST
        @Path("mapped-kept")
        @Idempotent(keep = {"2xx", "4xx", "5xx"})
        public String throwsMappedWhereServerErrorsAreKept() {
            RUNS.incrementAndGet();
            throw new Boom();
        }

        @POST
        @Path("mapped")
        @Idempotent
        public String throwsMapped() {
            RUNS.incrementAndGet();
            throw new Boom();
        }

        @POST
        @Path("missing")
        @Idempotent
        public String missing() {
            RUNS.incrementAndGet();
            throw new NotFoundException();
        }

        @POST
        @Path("limited")
        @Idempotent
        @RateLimit(limit = "1/1m")
        public String limited() {
            return "run " + RUNS.incrementAndGet();
        }

        @POST
        @Path("big")
        @Idempotent(maxResponse = "16")
        public String big() {
            RUNS.incrementAndGet();
            return "x".repeat(100);
        }

        @POST
        @Path("small")
        @Idempotent(maxBody = "8")
        public String small(String body) {
            RUNS.incrementAndGet();
            return body;
        }

        @POST
        @Path("fallback")
        @Idempotent
        @Fallback(status = 202, body = "{\"pending\":true}", on = "error")
        public Response fallback() {
            RUNS.incrementAndGet();
            return Response.status(500).entity("broken").build();
        }

        @POST
        @Path("slow")
        @Idempotent
        @Timeout("200ms")
        public String slow() {
            RUNS.incrementAndGet();
            entered.countDown();
            // deaf to the deadline's interrupt: the method outlives its answer
            boolean interrupted = false;
            while (true) {
                try {
                    if (gate.await(30, TimeUnit.SECONDS)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return "late";
        }

        @POST
        @Path("narrow")
        @Idempotent
        @Throttle(maxConcurrent = 1)
        public String narrow() throws InterruptedException {
            int n = RUNS.incrementAndGet();
            entered.countDown();
            gate.await(30, TimeUnit.SECONDS);
            return "narrow " + n;
        }

        @POST
        @Path("queued")
        @Idempotent
        @Throttle(maxConcurrent = 1, queue = 5, maxWait = "300ms")
        public void queued(@Suspended AsyncResponse response) {
            int n = RUNS.incrementAndGet();
            entered.countDown();
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("queued " + n);
            });
        }

        @POST
        @Path("async")
        @Idempotent
        public void async(String body, @Suspended AsyncResponse response) {
            int n = RUNS.incrementAndGet();
            entered.countDown();
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("async " + n + ": " + body);
            });
        }
    }

    @BeforeEach
    void start() {
        RUNS.set(0);
        gate = new CountDownLatch(0);
        entered = new CountDownLatch(1);
        feature = new SeawallFeature().meterRegistry(new SimpleMeterRegistry()).remoteAddress(request -> {
            String peer = request.getHeaderString("X-Test-Peer");
            return peer != null ? peer : "127.0.0.1";
        });
        app = new ApplicationHandler(new ResourceConfig(Orders.class).register(BoomMapper.class).register(feature));
    }

    @AfterEach
    void stop() {
        gate.countDown();
        app.onShutdown(null);
    }

    private IdempotencyGuard guard(String method) {
        for (Policy p : feature.policies()) {
            if (p.name().equals(("orders." + method).toLowerCase(java.util.Locale.ROOT))) {
                return CoreAccess.idempotency(p);
            }
        }
        throw new AssertionError("no policy for " + method);
    }

    private CompletableFuture<Answer> send(String path, String key, InputStream body, String... headers) {
        return InMemoryJersey.send(app, path, key, body, Map.of(), headers);
    }

    private Answer post(String path, String key, String body, String... headers) throws Exception {
        return send(path, key, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), headers)
                .get(20, TimeUnit.SECONDS);
    }

    @Test
    void aRepeatGetsTheFirstAnswerByteForByteWithoutItsCookieAndTheMethodRunsOnce() throws Exception {
        Answer first = post("/orders", "\"k-1\"", "two apples");
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.text()).isEqualTo("order 1: two apples");
        assertThat(first.header("Set-Cookie")).contains("session=secret");
        assertThat(first.header(IdempotencyGuard.LIFETIME)).isEqualTo("86400");
        assertThat(first.header(IdempotencyGuard.REPLAYED)).isNull();

        Answer again = post("/orders", "\"k-1\"", "two apples");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.header("Content-Type")).isEqualTo(first.header("Content-Type"));
        assertThat(again.header("X-Order")).isEqualTo("1");
        assertThat(again.header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
        assertThat(again.header("Set-Cookie")).as("a per-response secret is never replayed").isNull();
        assertThat(Long.parseLong(again.header(IdempotencyGuard.LIFETIME))).isBetween(1L, 86400L);
        assertThat(RUNS).hasValue(1);

        Answer changed = post("/orders", "\"k-1\"", "three apples");
        assertThat(changed.status()).isEqualTo(422);
        assertThat(changed.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(changed.header("Cache-Control")).isEqualTo("no-store");
        assertThat(RUNS).hasValue(1);

        assertThat(post("/orders", null, "no key").status()).as("no key, none required: runs").isEqualTo(201);
        assertThat(post("/orders", "\"k-2\"", "two apples").text()).isEqualTo("order 3: two apples");
        assertThat(guard("create").counted(Settled.KEPT)).isEqualTo(2);
    }

    @Test
    void anEmptyAnswerIsReplayedWithoutABodyOrAContentTypeOfJerseysOwn() throws Exception {
        Answer first = post("/empty", "\"e\"", "");
        assertThat(first.status()).isEqualTo(204);
        Answer again = post("/empty", "\"e\"", "");
        assertThat(again.status()).isEqualTo(204);
        assertThat(again.body()).isEmpty();
        assertThat(again.header("X-Empty")).isEqualTo("yes");
        assertThat(again.header("Content-Type")).isNull();
        assertThat(again.header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void aMissingOrMalformedKeyIsA400ProblemAndTheMethodNeverRuns() throws Exception {
        Answer missing = post("/required", null, "x");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(missing.header("Cache-Control")).isEqualTo("no-store");
        assertThat(missing.text()).contains("X-Key").contains("idempotency-key-missing");
        for (String bad : new String[] {"unquoted", "\"\"", "\"" + "k".repeat(300) + "\"", "\"a\";x=1",
                "\"tab\there\"", "\"\u00e9\""}) {
            Answer r = post("/required", null, "x", "X-Key", bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.text()).as(bad).contains("idempotency-key-invalid");
        }
        Answer twice = post("/required", null, "x", "X-Key", "\"one\"", "X-Key", "\"two\"");
        assertThat(twice.status()).as("two key fields").isEqualTo(400);
        assertThat(twice.text()).contains("idempotency-key-invalid");
        assertThat(RUNS).hasValue(0);
        assertThat(post("/required", null, "x", "X-Key", "\"fine\"").status()).isEqualTo(200);
    }

    @Test
    void twoCallersWithOneKeyNeverMeet() throws Exception {
        Answer a = post("/orders", "\"shared\"", "mine", "X-Test-Peer", "10.0.0.1");
        Answer b = post("/orders", "\"shared\"", "mine", "X-Test-Peer", "10.0.0.2");
        assertThat(a.text()).isEqualTo("order 1: mine");
        assertThat(b.text()).as("another caller's key is another key").isEqualTo("order 2: mine");
        assertThat(b.header(IdempotencyGuard.REPLAYED)).isNull();
        assertThat(post("/orders", "\"shared\"", "mine", "X-Test-Peer", "10.0.0.2").text())
                .isEqualTo("order 2: mine");
    }

    @Test
    void aRequestTheChainRefusesFreesItsKeyAndAReplaySpendsNoToken() throws Exception {
        assertThat(post("/limited", "\"l-1\"", "x").text()).isEqualTo("run 1");
        Answer replay = post("/limited", "\"l-1\"", "x");
        assertThat(replay.text()).as("before the rate limit: no token spent").isEqualTo("run 1");
        assertThat(replay.header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
        Answer refused = post("/limited", "\"l-2\"", "x");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(guard("limited").counted(Settled.FREED)).as("the refused request's key").isEqualTo(1);
        assertThat(guard("limited").localStore().size()).as("only the kept answer remains").isEqualTo(1);
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void aResourceThatThrowsFreesItsKeyWhetherAMapperOrSeawallAnswered() throws Exception {
        Answer unmapped = post("/throws", "\"t\"", "x");
        assertThat(unmapped.status()).isEqualTo(500);
        assertThat(unmapped.text()).doesNotContain("hunter2");
        assertThat(post("/throws", "\"t\"", "x").status()).as("runs again: the key was freed").isEqualTo(500);
        assertThat(RUNS).hasValue(2);
        assertThat(guard("throwsUnmapped").counted(Settled.FREED)).isEqualTo(2);

        assertThat(post("/mapped", "\"m\"", "x").text()).isEqualTo("mapped");
        assertThat(post("/mapped", "\"m\"", "x").header(IdempotencyGuard.REPLAYED)).isNull();
        assertThat(RUNS).hasValue(4);

        Answer notFound = post("/missing", "\"n\"", "x");
        assertThat(notFound.status()).isEqualTo(404);
        Answer replayed = post("/missing", "\"n\"", "x");
        assertThat(replayed.status()).as("a 4xx is kept").isEqualTo(404);
        assertThat(replayed.header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
        assertThat(RUNS).hasValue(5);
    }

    @Test
    void aFallbacksAnswerForAFailingResourceIsNotKeptAndTheRetryRuns() throws Exception {
        Answer first = post("/fallback", "\"f\"", "x");
        assertThat(first.status()).isEqualTo(202);
        assertThat(first.text()).isEqualTo("{\"pending\":true}");
        assertThat(guard("fallback").counted(Settled.FREED)).as("the resource's own 500 decides").isEqualTo(1);
        Answer again = post("/fallback", "\"f\"", "x");
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.header(IdempotencyGuard.REPLAYED)).as("a substitute is not an outcome to replay").isNull();
        assertThat(RUNS).as("the retry ran the resource again").hasValue(2);
        assertThat(guard("fallback").counted(Settled.KEPT)).isZero();
    }

    @Test
    void aResourceThatSucceedsAfterTheDeadlineAnsweredLeavesAMarkerOnceItTrulyEnded() throws Exception {
        gate = new CountDownLatch(1);
        Answer timedOut = post("/slow", "\"s\"", "x");
        assertThat(timedOut.status()).isEqualTo(503);
        assertThat(timedOut.text()).contains("timeout");
        Answer meanwhile = post("/slow", "\"s\"", "x");
        assertThat(meanwhile.status()).as("the first still runs").isEqualTo(409);
        assertThat(meanwhile.header("Retry-After")).isEqualTo("1");
        assertThat(meanwhile.text()).contains("idempotency-in-progress");
        assertThat(guard("slow").counted(Settled.FREED)).isZero();
        gate.countDown();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> guard("slow").counted(Settled.MARKED) == 1);
        Answer after = post("/slow", "\"s\"", "x");
        assertThat(after.status()).as("it ran and succeeded: never a second run").isEqualTo(409);
        assertThat(after.text()).contains("idempotency-answer-not-kept");
        assertThat(guard("slow").counted(Settled.FREED)).isZero();
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void anAsyncResourcesAnswerIsKeptOnceResumedAndARepeatMeanwhileIsRefused() throws Exception {
        gate = new CountDownLatch(1);
        CompletableFuture<Answer> first = send("/async", "\"a\"",
                new ByteArrayInputStream("pears".getBytes(StandardCharsets.UTF_8)));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        Answer meanwhile = post("/async", "\"a\"", "pears");
        assertThat(meanwhile.status()).isEqualTo(409);
        gate.countDown();
        Answer answer = first.get(10, TimeUnit.SECONDS);
        assertThat(answer.text()).isEqualTo("async 1: pears");
        Answer again = post("/async", "\"a\"", "pears");
        assertThat(again.body()).isEqualTo(answer.body());
        assertThat(again.header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void anAnswerTooLargeToKeepLeavesAMarkerAndRepeatsGet409() throws Exception {
        Answer first = post("/big", "\"b\"", "x");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.text()).hasSize(100);
        Answer again = post("/big", "\"b\"", "x");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.text()).contains("idempotency-answer-not-kept");
        assertThat(guard("big").counted(Settled.MARKED)).isEqualTo(1);
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void aBodyOverMaxBodyIs413DeclaredOrChunkedAndAnUnreadableOneClaimsNothing() throws Exception {
        assertThat(post("/small", "\"ok\"", "12345678").text()).isEqualTo("12345678");
        Answer declared = post("/small", "\"d\"", "123456789", "Content-Length", "9");
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.text()).contains("idempotency-body-too-large");
        Answer chunked = post("/small", "\"c\"", "123456789");
        assertThat(chunked.status()).isEqualTo(413);
        Answer lying = post("/small", "\"l\"", "123456789", "Content-Length", "3");
        assertThat(lying.status()).as("the bytes count, not the header").isEqualTo(413);

        InputStream cut = new InputStream() {
            private int sent;

            @Override
            public int read() throws IOException {
                if (sent++ < 3) {
                    return 'a';
                }
                throw new IOException("the client went away");
            }
        };
        Answer left = send("/small", "\"u\"", cut).get(10, TimeUnit.SECONDS);
        assertThat(left.status()).isEqualTo(400);
        assertThat(left.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(guard("small").counted(Outcome.FIRST)).as("only the first request claimed").isEqualTo(1);
        assertThat(guard("small").localStore().size()).isEqualTo(1);
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void aRequestTheThrottleRefusesFreesItsKeyAndItsRetryRunsOnceASlotIsFree() throws Exception {
        gate = new CountDownLatch(1);
        CompletableFuture<Answer> holder = send("/narrow", "\"n-1\"",
                new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8)));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        Answer refused = post("/narrow", "\"n-2\"", "x");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(guard("narrow").counted(Settled.FREED)).isEqualTo(1);
        gate.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS).text()).isEqualTo("narrow 1");
        // the slot comes back just after the answer went out: a retry meanwhile is refused again, and frees its key
        Answer[] retry = new Answer[1];
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> (retry[0] = post("/narrow", "\"n-2\"", "x")).status() != 503);
        assertThat(retry[0].text()).as("the refused key runs now").isEqualTo("narrow 2");
        assertThat(guard("narrow").counted(Settled.KEPT)).isEqualTo(2);
    }

    @Test
    void anAsyncRequestParkedInTheThrottleQueueThatExpiresFreesItsKey() throws Exception {
        gate = new CountDownLatch(1);
        CompletableFuture<Answer> holder = send("/queued", "\"q-1\"",
                new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8)));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        Answer expired = post("/queued", "\"q-2\"", "x");
        assertThat(expired.status()).as("refused at max-wait, never run").isEqualTo(503);
        assertThat(guard("queued").counted(Settled.FREED)).isEqualTo(1);
        assertThat(RUNS).hasValue(1);
        gate.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS).text()).isEqualTo("queued 1");
        Answer[] retry = new Answer[1];
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> (retry[0] = post("/queued", "\"q-2\"", "x")).status() != 503);
        assertThat(retry[0].text()).isEqualTo("queued 2");
        assertThat(post("/queued", "\"q-2\"", "x").header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
    }

    @Test
    void anAnswerTheClientLeftBeforeReadingIsKeptAndItsRetryGetsIt() throws Exception {
        Answer lost = InMemoryJersey.send(app, "/orders", "\"gone\"",
                new ByteArrayInputStream("pears".getBytes(StandardCharsets.UTF_8)), Map.of(), true)
                .get(20, TimeUnit.SECONDS);
        assertThat(lost.body()).isEmpty();
        assertThat(guard("create").counted(Settled.KEPT)).as("kept before the first byte went out").isEqualTo(1);
        Answer retry = post("/orders", "\"gone\"", "pears");
        assertThat(retry.text()).isEqualTo("order 1: pears");
        assertThat(retry.header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void whereServerErrorsAreKeptAnUnmappedExceptionCountsAs500AndItsAnswerIsKeptLikeAMappedOne() throws Exception {
        Answer unmapped = post("/throws-kept", "\"x\"", "x");
        assertThat(unmapped.status()).isEqualTo(500);
        Answer again = post("/throws-kept", "\"x\"", "x");
        assertThat(again.status()).isEqualTo(500);
        assertThat(again.body()).as("Seawall's 500, as sent").isEqualTo(unmapped.body());
        assertThat(again.text()).doesNotContain("hunter2");
        assertThat(again.header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
        assertThat(RUNS).hasValue(1);

        assertThat(post("/mapped-kept", "\"y\"", "x").text()).isEqualTo("mapped");
        Answer replayed = post("/mapped-kept", "\"y\"", "x");
        assertThat(replayed.status()).isEqualTo(500);
        assertThat(replayed.text()).isEqualTo("mapped");
        assertThat(replayed.header(IdempotencyGuard.REPLAYED)).as("a mapper's 500 is an answer, kept as asked")
                .isEqualTo("true");
        assertThat(RUNS).hasValue(2);
    }
}
