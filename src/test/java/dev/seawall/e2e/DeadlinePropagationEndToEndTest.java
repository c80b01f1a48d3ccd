package dev.seawall.e2e;

import com.sun.net.httpserver.HttpServer;
import dev.seawall.client.SeawallClientFeature;
import dev.seawall.client.SeawallHttpClient;
import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.outbound.ResponseReader;
import dev.seawall.core.outbound.Transport;
import dev.seawall.core.timeout.Deadline;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * never answers, through a Seawall outbound client configured in the same {@code seawall.yaml} as the inbound policy
 * ({@code clients:}), by every client kind: the {@code java.net.http} wrapper, the Jakarta REST client feature, the
 * decorator (around a blocking call) and the adapters' {@code execute}. The call is cut at the time the request has left (less the
 * client's margin), the dependency is told the time left in the client's deadline header, and the client is answered
 * with the timeout problem at the request's deadline. A caller's deadline header shortens the inbound timeout.
 *
 * <p>Each way of calling out is one {@link ClientKind}; {@link #clientKinds()} lists them.
 */
class DeadlinePropagationEndToEndTest {

    /** The header in which the outbound client tells the dependency its time left. */
    static final String OUTBOUND_HEADER = "X-Deadline-Ms";
    /** The header in which an inbound caller may send a shorter deadline. */
    static final String INBOUND_HEADER = "X-Deadline-Ms";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HangingDownstream downstream;

    /**
     * One way a handler calls its dependency through Seawall, on the handler's thread.
     */
    interface ClientKind {
        /**
         * Calls {@code downstream} through the client {@code dep} of {@code engine} and returns when the call ended.
         *
         * @throws Exception how the call failed (for a dependency that never answers: cut by the deadline)
         */
        void call(Seawall engine, HangingDownstream downstream) throws Exception;

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
            (engine, downstream) -> engine.client("dep").call(() -> {
                Duration left = Deadline.current().remaining();
                return HTTP.send(HttpRequest.newBuilder(downstream.uri("/decorated")).timeout(left).build(),
                        HttpResponse.BodyHandlers.discarding());
            }));

    /** The decorator around a blocking {@code HttpURLConnection} call (not interruptible: its read timeout cuts it). */
    static final ClientKind DECORATED_URL_CONNECTION = new Named("decorator, blocking HttpURLConnection", false,
            (engine, downstream) -> engine.client("dep").call(() -> {
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
            (engine, downstream) -> {
                OutboundClient client = engine.client("dep");
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

    /** {@code SeawallHttpClient}: the wrapped {@code java.net.http} client's blocking {@code send}, matched by host. */
    static final ClientKind WRAPPED_JAVA_NET_HTTP = new Named("SeawallHttpClient, blocking send", true,
            (engine, downstream) -> SeawallHttpClient.wrap(HTTP, engine).send(
                    HttpRequest.newBuilder(downstream.uri("/wrapped")).build(), HttpResponse.BodyHandlers.discarding()));

    /** {@code SeawallClientFeature}: a synchronous Jakarta REST (Jersey) client call, matched by host. */
    static final ClientKind JAXRS_CLIENT = new Named("SeawallClientFeature, synchronous Jersey client", true,
            (engine, downstream) -> {
                Client client = ClientBuilder.newClient().register(new SeawallClientFeature(engine));
                try (Response r = client.target(downstream.uri("/jaxrs")).request().get()) {
                    r.getStatus();
                } catch (ProcessingException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                } finally {
                    client.close();
                }
            });

    static Stream<ClientKind> clientKinds() {
        return Stream.of(WRAPPED_JAVA_NET_HTTP, JAXRS_CLIENT, DECORATED_JAVA_NET_HTTP, DECORATED_URL_CONNECTION,
                EXECUTE_SEND_ASYNC);
    }

    /**
     * Loads Jersey's client runtime once, through the feature, before any call is timed: the first Jersey client of a
     * JVM spends most of a second loading classes, which would otherwise be taken from the first measured call's
     * deadline (the feature builds its transport client on a runtime configuration's first request).
     */
    @BeforeAll
    static void warmUpJersey() throws Exception {
        HttpServer ok = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ok.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        ok.start();
        try (Seawall engine = Seawall.builder().yaml("deadline.yaml", yaml("1s")).build()) {
            Client client = ClientBuilder.newClient().register(new SeawallClientFeature(engine));
            try (Response r = client.target("http://127.0.0.1:" + ok.getAddress().getPort() + "/").request().get()) {
                assertThat(r.getStatus()).isEqualTo(204);
            } finally {
                client.close();
            }
        } finally {
            ok.stop(0);
        }
    }

    @BeforeEach
    void startDownstream() throws IOException {
        downstream = new HangingDownstream();
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
    private static HttpServlet handler(ClientKind kind, SeawallFilter filter, HangingDownstream downstream,
                                       Observed seen) {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                Deadline bound = Deadline.current();
                seen.boundMillis = bound == null ? -1 : bound.remaining().toMillis();
                long start = System.nanoTime();
                try {
                    kind.call(filter.engine(), downstream);
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

    /**
     * The inbound policy and the outbound client in one file. The client {@code dep}: one attempt, the time left sent
     * downstream; a margin of 100 ms keeps the cut clearly ahead of the request's deadline, whose timer would
     * otherwise race it (and interrupt the handler still waiting for its call).
     */
    private static SeawallFilter inbound(String timeout) {
        return SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("deadline.yaml", yaml(timeout))
                .build();
    }

    private static String yaml(String timeout) {
        return """
                policies:
                  - name: calls-out
                    paths: [/call/*]
                    timeout: %s
                clients:
                  - name: dep
                    hosts: [127.0.0.1]
                    retry: off
                    timeout: {margin: 100ms, deadline-header: %s}
                """.formatted(timeout, OUTBOUND_HEADER);
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
        SeawallFilter filter = inbound("1s");
        try (TestServer server = TestServer.programmatic(filter, handler(kind, filter, downstream, seen), 20)) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(server, "/call/1");
            long answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTimeoutAnswer(r);
            assertThat(answeredMillis).as("answered at the deadline").isBetween(1000L, 3000L);
            assertThat(seen.done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen.boundMillis).as("the handler runs under the request's deadline").isBetween(1L, 1000L);
            // cut at the time left less the client's margin: never left to the dependency, which would hang for good.
            // The upper bound leaves room for a timer that fires late on a loaded machine: the dependency never
            // answers, so any length well below the client's own 20s timeout shows the cut.
            assertThat(seen.callMillis).as("the outbound call's length").isBetween(600L, 2500L);
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
        SeawallFilter filter = inbound("{ after: 5s, deadline-header: " + INBOUND_HEADER + " }");
        try (TestServer server = TestServer.programmatic(filter, handler(EXECUTE_SEND_ASYNC, filter, downstream, seen),
                20)) {
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
        SeawallFilter filter = inbound("{ after: 1s, deadline-header: " + INBOUND_HEADER + " }");
        try (TestServer server = TestServer.programmatic(filter, handler(DECORATED_JAVA_NET_HTTP, filter, downstream,
                seen), 20)) {
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
        public void call(Seawall engine, HangingDownstream downstream) throws Exception {
            call.call(engine, downstream);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    private interface Call {
        void call(Seawall engine, HangingDownstream downstream) throws Exception;
    }
}
