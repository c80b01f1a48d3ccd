package dev.seawall.e2e;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.ClientTimeoutConfig;
import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.outbound.ResponseReader;
import dev.seawall.core.outbound.Transport;
import dev.seawall.core.testing.TestClients;
import dev.seawall.core.timeout.Deadline;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deadline propagation end to end: a request admitted under {@code timeout: 1s} whose handler calls a dependency that
 * never answers, through a Seawall outbound client. The call is cut at the time the request has left (less the
 * client's margin), the dependency is told the time left in the client's deadline header, and the client is answered
 * with the timeout problem at the request's deadline. A caller's deadline header shortens the inbound timeout.
 *
 * <p>Each way of calling out is one {@link ClientKind}; {@link #clientKinds()} lists them, and a new one (the JAX-RS
 * client feature, the {@code java.net.http} wrapper) is one more entry there.
 */
class DeadlinePropagationEndToEndTest {

    /** The header in which the outbound client tells the dependency its time left. */
    static final String OUTBOUND_HEADER = "X-Deadline-Ms";
    /** The header in which an inbound caller may send a shorter deadline. */
    static final String INBOUND_HEADER = "X-Deadline-Ms";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static TestClients clients;

    private HangingDownstream downstream;
    private OutboundClient dependency;

    /**
     * One way a handler calls its dependency through Seawall, on the handler's thread.
     */
    interface ClientKind {
        /**
         * Calls {@code downstream} through {@code client} and returns when the call ended.
         *
         * @throws Exception how the call failed (for a dependency that never answers: cut by the deadline)
         */
        void call(OutboundClient client, HangingDownstream downstream) throws Exception;

        /** @return whether the dependency sees the client's deadline header (the client kind sends it itself) */
        boolean sendsDeadlineHeader();
    }

    static final ResponseReader<HttpResponse<Void>> RESPONSES = new ResponseReader<>() {
        @Override
        public int status(HttpResponse<Void> response) {
            return response.statusCode();
        }

        @Override
        public String header(HttpResponse<Void> response, String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        @Override
        public void discard(HttpResponse<Void> response) {
            // a discarded body holds nothing
        }
    };

    /** The decorator around a blocking {@code java.net.http} call that reads the attempt's deadline for its timeout. */
    static final ClientKind DECORATED_JAVA_NET_HTTP = new Named("decorator, blocking java.net.http", false,
            (client, downstream) -> client.call(() -> {
                Duration left = Deadline.current().remaining();
                return HTTP.send(HttpRequest.newBuilder(downstream.uri("/decorated")).timeout(left).build(),
                        HttpResponse.BodyHandlers.discarding());
            }));

    /** The decorator around a blocking {@code HttpURLConnection} call (not interruptible: its read timeout cuts it). */
    static final ClientKind DECORATED_URL_CONNECTION = new Named("decorator, blocking HttpURLConnection", false,
            (client, downstream) -> client.call(() -> {
                int left = (int) Math.max(1, Deadline.current().remaining().toMillis());
                HttpURLConnection c = (HttpURLConnection) downstream.uri("/url-connection").toURL().openConnection();
                c.setConnectTimeout(left);
                c.setReadTimeout(left);
                try (InputStream in = c.getInputStream()) {
                    return in.readAllBytes();
                } finally {
                    c.disconnect();
                }
            }));

    /** {@code OutboundClient.execute} with a transport over {@code java.net.http}'s {@code sendAsync}. */
    static final ClientKind EXECUTE_SEND_ASYNC = new Named("execute, java.net.http sendAsync transport", true,
            (client, downstream) -> {
                Transport<HttpResponse<Void>> transport = attempt -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(downstream.uri("/executed")).GET();
                    if (attempt.timeoutNanos() > 0 && attempt.timeoutNanos() != Long.MAX_VALUE) {
                        b.timeout(Duration.ofNanos(attempt.timeoutNanos()));
                    }
                    if (attempt.deadlineHeader() != null) {
                        b.header(attempt.deadlineHeader(), Long.toString(attempt.remainingMillis()));
                    }
                    return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding());
                };
                CompletableFuture<HttpResponse<Void>> f = client.execute(new OutboundRequest("GET", "127.0.0.1",
                        downstream.port(), "/executed", false, true), transport, RESPONSES);
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw (Exception) e.getCause();
                }
            });

    static Stream<ClientKind> clientKinds() {
        return Stream.of(DECORATED_JAVA_NET_HTTP, DECORATED_URL_CONNECTION, EXECUTE_SEND_ASYNC);
    }


    @BeforeAll
    static void startClients() {
        clients = new TestClients();
    }

    @AfterAll
    static void stopClients() {
        clients.close();
    }

    @BeforeEach
    void startDownstream() throws IOException {
        downstream = new HangingDownstream();
        // the client "dep" as `clients:` in seawall.yaml would make it (built from its records here): one attempt, the time left sent downstream; a
        // margin of 100 ms keeps the cut clearly ahead of the request's deadline, whose timer would otherwise race it
        // (and interrupt the handler still waiting for its call)
        ClientConfig config = ClientConfig.builder("dep").host("127.0.0.1")
                .retry(RetryConfig.builder().maxAttempts(1).build())
                .timeout(ClientTimeoutConfig.builder().margin(Duration.ofMillis(100)).deadlineHeader(OUTBOUND_HEADER)
                        .build())
                .build();
        dependency = clients.client(config);
    }

    @AfterEach
    void stopDownstream() throws IOException {
        downstream.close();
    }

    /** What the handler saw of its outbound call. */
    static final class Observed {
        volatile long boundMillis = -1;
        volatile long callMillis = -1;
        volatile Throwable failure;
        final CountDownLatch done = new CountDownLatch(1);
    }

    /**
     * Calls the dependency through {@code kind}, records how the call ended, and then stays busy (interruptibly) as a
     * handler with more work would: the request's answer is the deadline's.
     */
    private static HttpServlet handler(ClientKind kind, OutboundClient client, HangingDownstream downstream,
                                       Observed seen) {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                Deadline bound = Deadline.current();
                seen.boundMillis = bound == null ? -1 : bound.remaining().toMillis();
                long start = System.nanoTime();
                try {
                    kind.call(client, downstream);
                } catch (Exception e) {
                    seen.failure = e;
                } finally {
                    seen.callMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    seen.done.countDown();
                }
                Thread.interrupted(); // an interrupt that cut the call is not the request's deadline
                try {
                    new CountDownLatch(1).await(10, TimeUnit.SECONDS); // ended by the request deadline's interrupt
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                resp.getWriter().write("too late");
            }
        };
    }

    private static SeawallFilter inbound(String timeout) {
        return SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("deadline.yaml", """
                policies:
                  - name: calls-out
                    paths: [/call/*]
                    timeout: %s
                """.formatted(timeout)).build();
    }

    private static HttpResponse<String> get(TestServer server, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertTimeoutAnswer(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.body()).contains("/timeout").doesNotContain("too late").doesNotContain("Exception");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientKinds")
    void anOutboundCallIsCutAtTheTimeLeftAndTheRequestIsAnsweredAtItsDeadline(ClientKind kind) throws Exception {
        Observed seen = new Observed();
        try (TestServer server = TestServer.programmatic(inbound("1s"), handler(kind, dependency, downstream, seen),
                20)) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(server, "/call/1");
            long answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTimeoutAnswer(r);
            assertThat(answeredMillis).as("answered at the deadline").isBetween(1000L, 3000L);
            assertThat(seen.done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen.boundMillis).as("the handler runs under the request's deadline").isBetween(1L, 1000L);
            // cut at the time left less the client's margin: never left to the dependency, which would hang for good
            assertThat(seen.callMillis).as("the outbound call's length").isBetween(600L, 1000L);
            assertThat(seen.failure).as("the call was cut").satisfiesAnyOf(
                    f -> assertThat(f).isInstanceOf(OutboundException.class),
                    f -> assertThat(f).isInstanceOf(HttpTimeoutException.class),
                    f -> assertThat(f).isInstanceOf(java.net.SocketTimeoutException.class));
            if (kind.sendsDeadlineHeader()) {
                await().atMost(Duration.ofSeconds(5)).until(() -> downstream.lastHeader(OUTBOUND_HEADER) != null);
                long sent = Long.parseLong(downstream.lastHeader(OUTBOUND_HEADER));
                assertThat(sent).as("the dependency is told the time left").isBetween(1L, 900L);
            }
        }
    }

    @Test
    void aCallersShorterDeadlineShortensTheInboundTimeoutAndReachesTheDependency() throws Exception {
        String callerMillis = "300";
        Observed seen = new Observed();
        try (TestServer server = TestServer.programmatic(inbound("{ after: 5s, deadline-header: " + INBOUND_HEADER
                + " }"), handler(EXECUTE_SEND_ASYNC, dependency, downstream, seen), 20)) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(server, "/call/short", INBOUND_HEADER, callerMillis);
            long answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTimeoutAnswer(r);
            assertThat(r.body()).contains("within " + callerMillis + " ms");
            assertThat(answeredMillis).as("answered at the caller's deadline").isBetween(300L, 2500L);
            assertThat(seen.done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen.boundMillis).isBetween(1L, 300L);
            await().atMost(Duration.ofSeconds(5)).until(() -> downstream.lastHeader(OUTBOUND_HEADER) != null);
            assertThat(Long.parseLong(downstream.lastHeader(OUTBOUND_HEADER))).isBetween(1L, 200L);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"60000", "+200", "-1", "200ms", "1.5", "99999999999"})
    void aLongerOrMalformedCallersDeadlineLeavesThePolicysTimeout(String callerValue) throws Exception {
        Observed seen = new Observed();
        try (TestServer server = TestServer.programmatic(inbound("{ after: 1s, deadline-header: " + INBOUND_HEADER
                + " }"), handler(DECORATED_JAVA_NET_HTTP, dependency, downstream, seen), 20)) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(server, "/call/long", INBOUND_HEADER, callerValue);
            long answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTimeoutAnswer(r);
            assertThat(r.body()).contains("within 1000 ms");
            assertThat(answeredMillis).as("the policy's own deadline").isBetween(1000L, 3000L);
            assertThat(seen.done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen.boundMillis).isBetween(500L, 1000L);
        }
    }

    /** A {@link ClientKind} with a name for the test report. */
    private record Named(String name, boolean sendsDeadlineHeader, Call call) implements ClientKind {
        @Override
        public void call(OutboundClient client, HangingDownstream downstream) throws Exception {
            call.call(client, downstream);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    private interface Call {
        void call(OutboundClient client, HangingDownstream downstream) throws Exception;
    }
}
