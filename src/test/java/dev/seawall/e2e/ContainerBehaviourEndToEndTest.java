package dev.seawall.e2e;

import dev.seawall.core.chain.Stage;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.e2e.container.ContainerKind;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What each container does around Seawall's answers, measured over real keep-alive sockets: whether the connection
 * survives a 429 and a 503, and whether a queued HTTP/1.1 client that hangs up is reported. Where a container differs,
 * the test asserts that container's behaviour, so it fails the day the container changes and the compatibility table
 * (docs/operations/containers.md) must be revisited.
 */
class ContainerBehaviourEndToEndTest {

    private static final String YAML = """
            policies:
              - name: limited
                paths: [/limited/*]
                rate-limits:
                  - {by: ip, limit: 1/1m}
              - name: reports
                paths: [/slow/*]
                throttle: {max-concurrent: 1, queue: 1, max-wait: 20s}
              - name: broken
                paths: [/error/*]
                circuit-breaker: {failure-rate: 50, minimum-calls: 2, window: 4, open-for: 60s, half-open-calls: 1}
            """;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static SeawallFilter filter() {
        return SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("behaviour.yaml", YAML).build();
    }

    private static ThrottleStage throttleOf(SeawallFilter f) {
        for (Stage s : f.engine().policy("reports").chain().stages()) {
            if (s instanceof ThrottleStage t) {
                return t;
            }
        }
        throw new AssertionError("no throttle");
    }

    /** Tomcat's HTTP/1.1 processor drops the connection after these statuses (Http11Processor.statusDropsConnection). */
    private static boolean containerClosesOn(int status) {
        return TestServer.container() == ContainerKind.TOMCAT
                && (status == 400 || status == 408 || status == 411 || status == 413 || status == 414
                || status == 500 || status == 501 || status == 503);
    }

    @Test
    void aRateLimit429KeepsTheConnectionOpen() throws Exception {
        try (TestServer server = TestServer.programmatic(filter(), new GatedServlet(), 50);
             KeepAlive conn = new KeepAlive(server.port())) {
            assertThat(conn.get("/limited/1").status()).isEqualTo(200);
            KeepAlive.Answer refused = conn.get("/limited/2");
            assertThat(refused.status()).isEqualTo(429);
            assertConnection(conn, refused);
        }
    }

    @Test
    void aThrottle503AndABreaker503KeepTheConnectionOpenExceptOnTomcat() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            try {
                throttleAndBreaker(server, filter, app);
            } finally {
                app.gate.countDown(); // a failed assertion must not leave requests holding the server for a minute
            }
        }
    }

    private void throttleAndBreaker(TestServer server, SeawallFilter filter, GatedServlet app) throws Exception {
        ThrottleStage throttle = throttleOf(filter);
        CompletableFuture<HttpResponse<String>> holder = send(server.uri() + "/slow/holder");
        await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
        CompletableFuture<HttpResponse<String>> queued = send(server.uri() + "/slow/queued");
        await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
        try (KeepAlive conn = new KeepAlive(server.port())) {
            assertThat(conn.get("/fast/warm").status()).isEqualTo(200);
            KeepAlive.Answer full = conn.get("/slow/overflow");
            assertThat(full.status()).as("queue full").isEqualTo(503);
            assertThat(full.body()).contains("/temporary-reduced-capacity");
            assertConnection(conn, full);
        }
        app.gate.countDown();
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(queued.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        try (KeepAlive conn = new KeepAlive(server.port())) {
            conn.get("/error/1");
            KeepAlive second = conn.reopenIfClosed();
            second.get("/error/2");
            try (KeepAlive open = new KeepAlive(server.port())) {
                assertThat(open.get("/fast/warm").status()).isEqualTo(200);
                KeepAlive.Answer breakerOpen = open.get("/error/3");
                assertThat(breakerOpen.status()).as("breaker open").isEqualTo(503);
                assertThat(breakerOpen.body()).contains("/service-unavailable");
                assertConnection(open, breakerOpen);
            }
            second.close();
        }
    }

    /**
     * A client that closes its HTTP/1.1 connection while its request is suspended in the queue: no container reports
     * it through the Servlet API (no {@code AsyncListener.onError}; a read probe on a request without a body only gets
     * {@code onAllDataRead}), so the request keeps its place, and a slot freed before {@code max-wait} reaches it: the
     * application runs for a client that is gone, and its permit is still settled. After {@code max-wait} the place is
     * given up in any case (ThrottleEndToEndTest). This test fails the day a container starts to report the hang-up.
     */
    @Test
    void aQueuedHttp11ClientThatHangsUpIsNotReportedSoAFreedSlotStillReachesIt() throws Exception {
        GatedServlet app = new GatedServlet();
        SeawallFilter filter = filter();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            ThrottleStage throttle = throttleOf(filter);
            CompletableFuture<HttpResponse<String>> holder = send(server.uri() + "/slow/holder");
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 1);
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /slow/gone HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> throttle.queued() == 1);
            }
            // the hang-up is not reported: the request keeps its place for 1.5 s, where a container that noticed
            // would have reported it within milliseconds (as Jetty, Tomcat and Undertow report failures they see)
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                    .until(() -> throttle.queued() == 1);
            app.gate.countDown();
            assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.order.contains("/slow/gone"));
            await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0 && throttle.queued() == 0);
        }
    }

    private void assertConnection(KeepAlive conn, KeepAlive.Answer answer) throws IOException {
        boolean closes = containerClosesOn(answer.status());
        if (closes) {
            assertThat(answer.header("Connection")).as("%s closes after %d", TestServer.container(), answer.status())
                    .isEqualToIgnoringCase("close");
            assertThat(conn.stillOpen()).as("the connection after a %d", answer.status()).isFalse();
        } else {
            // Undertow says so (keep-alive), the others leave it to HTTP/1.1's default
            assertThat(answer.header("Connection")).as("%s keeps the connection after %d", TestServer.container(),
                    answer.status()).isIn(null, "keep-alive");
            assertThat(conn.get("/fast/after").status()).as("the same connection answers again").isEqualTo(200);
        }
    }

    private CompletableFuture<HttpResponse<String>> send(String uri) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** One persistent HTTP/1.1 connection: requests in turn, answers read by Content-Length or chunks. Not thread-safe. */
    static final class KeepAlive implements AutoCloseable {
        record Answer(int status, Map<String, String> headers, String body) {
            String header(String name) {
                return headers.get(name.toLowerCase(Locale.ROOT));
            }
        }

        private final int port;
        private final Socket socket;
        private final InputStream in;
        private boolean closedByServer;

        KeepAlive(int port) throws IOException {
            this.port = port;
            this.socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(20_000);
            this.in = socket.getInputStream();
        }

        /** @return this connection if the server kept it, else a new one */
        KeepAlive reopenIfClosed() throws IOException {
            return closedByServer || !stillOpen() ? new KeepAlive(port) : this;
        }

        Answer get(String target) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead();
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
            }
            byte[] body;
            if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int size; (size = Integer.parseInt(readLine().trim(), 16)) > 0; ) {
                    b.write(in.readNBytes(size));
                    readLine();
                }
                readLine();
                body = b.toByteArray();
            } else {
                body = in.readAllBytes(); // delimited by the close
                closedByServer = true;
            }
            if ("close".equalsIgnoreCase(headers.get("connection"))) {
                closedByServer = true;
            }
            return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
        }

        /** @return whether the server still holds the connection open (a read sees neither the end nor a reset) */
        boolean stillOpen() throws IOException {
            socket.setSoTimeout(1000);
            try {
                return in.read() != -1;
            } catch (SocketTimeoutException open) {
                return true;
            } catch (SocketException reset) {
                return false;
            } finally {
                socket.setSoTimeout(20_000);
            }
        }

        private String readHead() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (!sb.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed after " + sb.length() + " bytes of the head");
                }
                sb.append((char) b);
            }
            return sb.substring(0, sb.length() - 4);
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new IOException("connection closed in a chunk");
                }
                sb.append((char) b);
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
