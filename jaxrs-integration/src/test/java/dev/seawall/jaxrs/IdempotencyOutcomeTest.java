package dev.seawall.jaxrs;

import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.idempotency.IdempotencyGuard.Settled;
import dev.seawall.core.policy.Policy;
import dev.seawall.jaxrs.InMemoryJersey.Answer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.annotation.Priority;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a key keeps is decided by whether the resource method started and by its own outcome: a later request filter's
 * abort frees the key (the resource never ran), a streamed answer the container failed or the client left leaves a
 * marker (the resource ran), an asynchronous resource whose suspension timed out holds its key (it may still run), and
 * the request body is read into a buffer that grows with the bytes that arrive, not with the length the client claims.
 */
class IdempotencyOutcomeTest {

    static final AtomicInteger RUNS = new AtomicInteger();
    static final ExecutorService WORKERS = Executors.newCachedThreadPool();
    static volatile CountDownLatch gate = new CountDownLatch(0);
    static volatile CountDownLatch entered = new CountDownLatch(1);

    private ApplicationHandler app;
    private SeawallFeature feature;

    /** An authorization filter after Seawall's: refuses a request carrying {@code X-Deny}. */
    @Priority(Priorities.AUTHORIZATION)
    public static class Authorization implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            if (request.getHeaderString("X-Deny") != null) {
                request.abortWith(Response.status(403).entity("forbidden").type(MediaType.TEXT_PLAIN).build());
            }
        }
    }

    @Path("/")
    @Produces(MediaType.TEXT_PLAIN)
    public static class Orders {
        @POST
        @Path("orders")
        @Idempotent
        public Response create(String body) {
            return Response.status(201).entity("order " + RUNS.incrementAndGet() + ": " + body).build();
        }

        @POST
        @Path("stream")
        @Idempotent(maxResponse = "16")
        public StreamingOutput stream(@Context ContainerRequest request) {
            RUNS.incrementAndGet();
            return out -> {
                out.write("y".repeat(100).getBytes(StandardCharsets.UTF_8));
                out.flush();
                // the container fails the response after its first bytes went out (the connection broke)
                request.getResponseWriter().failure(new IOException("Broken pipe"));
            };
        }

        @POST
        @Path("big")
        @Idempotent(maxResponse = "16")
        public String big() {
            RUNS.incrementAndGet();
            return "z".repeat(100);
        }

        @POST
        @Path("async")
        @Idempotent
        public void async(@Suspended AsyncResponse response) {
            int n = RUNS.incrementAndGet();
            entered.countDown();
            WORKERS.submit(() -> {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("async " + n);
            });
        }
    }

    @BeforeEach
    void start() {
        RUNS.set(0);
        gate = new CountDownLatch(0);
        entered = new CountDownLatch(1);
        feature = new SeawallFeature().meterRegistry(new SimpleMeterRegistry()).remoteAddress(request -> "127.0.0.1");
        app = new ApplicationHandler(new ResourceConfig(Orders.class).register(Authorization.class).register(feature));
    }

    @AfterEach
    void stop() {
        gate.countDown();
        app.onShutdown(null);
    }

    private IdempotencyGuard guard(String method) {
        for (Policy p : feature.policies()) {
            if (p.name().equals(("orders." + method).toLowerCase(Locale.ROOT))) {
                return CoreAccess.idempotency(p);
            }
        }
        throw new AssertionError("no policy for " + method);
    }

    private static InputStream body(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private Answer post(String path, String key, String text, String... headers) throws Exception {
        return InMemoryJersey.send(app, path, key, body(text), Map.of(), headers).get(20, TimeUnit.SECONDS);
    }

    @Test
    void anAbortByALaterRequestFilterFreesTheKeyAndTheRetryRuns() throws Exception {
        Answer denied = post("/orders", "\"k\"", "apples", "X-Deny", "yes");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(RUNS).hasValue(0);
        assertThat(guard("create").counted(Settled.FREED)).as("the resource never started").isEqualTo(1);
        assertThat(guard("create").counted(Settled.KEPT)).isZero();

        Answer allowed = post("/orders", "\"k\"", "apples");
        assertThat(allowed.status()).as("the refusal was not kept for the key").isEqualTo(201);
        assertThat(allowed.header(IdempotencyGuard.REPLAYED)).isNull();
        assertThat(allowed.text()).isEqualTo("order 1: apples");
        assertThat(RUNS).hasValue(1);
        assertThat(post("/orders", "\"k\"", "apples").header(IdempotencyGuard.REPLAYED)).isEqualTo("true");
    }

    @Test
    void aStreamedAnswerTheContainerFailedLeavesAMarkerAndNeverASecondRun() throws Exception {
        InMemoryJersey.send(app, "/stream", "\"s\"", body("x"), Map.of()).get(20, TimeUnit.SECONDS);
        assertThat(RUNS).hasValue(1);
        assertThat(guard("stream").counted(Settled.MARKED)).as("the resource ran and ended").isEqualTo(1);
        assertThat(guard("stream").counted(Settled.FREED)).isZero();
        Answer again = post("/stream", "\"s\"", "x");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.text()).contains("idempotency-answer-not-kept");
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void aStreamedAnswerWhoseClientLeftLeavesAMarker() throws Exception {
        Answer lost = InMemoryJersey.send(app, "/big", "\"b\"", body("x"), Map.of(), true).get(20, TimeUnit.SECONDS);
        assertThat(lost.body()).isEmpty();
        assertThat(guard("big").counted(Settled.MARKED)).isEqualTo(1);
        assertThat(post("/big", "\"b\"", "x").status()).isEqualTo(409);
        assertThat(RUNS).hasValue(1);
    }

    @Test
    void anAsyncResourceWhoseSuspensionTimedOutHoldsItsKeyWhileItMayStillRun() throws Exception {
        gate = new CountDownLatch(1);
        CompletableFuture<Runnable> suspended = new CompletableFuture<>();
        CompletableFuture<Answer> first = InMemoryJersey.send(app, "/async", "\"a\"", body("x"), Map.of(), false,
                suspended);
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        suspended.get(10, TimeUnit.SECONDS).run(); // Jersey's time-out handler answers 503
        assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(503);
        assertThat(guard("async").counted(Settled.HELD)).isEqualTo(1);
        assertThat(guard("async").counted(Settled.FREED)).as("the resource still runs").isZero();

        Answer meanwhile = post("/async", "\"a\"", "x");
        assertThat(meanwhile.status()).isEqualTo(409);
        assertThat(meanwhile.text()).contains("idempotency-in-progress");
        assertThat(RUNS).as("no second run beside the first").hasValue(1);
    }

    @Test
    void theBodyBufferGrowsWithTheBytesThatArriveNotWithTheDeclaredLength() throws Exception {
        int[] largest = new int[1];
        InputStream small = new InputStream() {
            private final InputStream in = body("ten bytes!");

            @Override
            public int read() throws IOException {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                largest[0] = Math.max(largest[0], len);
                return in.read(b, off, len);
            }
        };
        Answer a = InMemoryJersey.send(app, "/orders", "\"m\"", small, Map.of(), "Content-Length", "1000000")
                .get(20, TimeUnit.SECONDS);
        assertThat(a.status()).isEqualTo(201);
        assertThat(a.text()).isEqualTo("order 1: ten bytes!");
        assertThat(largest[0]).as("the buffer offered to the stream").isPositive()
                .isLessThanOrEqualTo(IdempotentCall.INITIAL_BODY_BUFFER);

        Answer tooLarge = InMemoryJersey.send(app, "/orders", "\"n\"", body("x"), Map.of(),
                "Content-Length", Integer.toString(1024 * 1024 + 1)).get(20, TimeUnit.SECONDS);
        assertThat(tooLarge.status()).as("a declared length over max-body is refused unread").isEqualTo(413);
        assertThat(RUNS).hasValue(1);
    }
}
