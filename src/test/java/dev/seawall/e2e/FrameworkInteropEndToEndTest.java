package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How Seawall's buffered response meets frameworks that flush every response they write (Spring MVC flushes after each
 * {@code @ResponseBody} and {@code ResponseEntity}): a flush while the body fits the buffer is held, so the answer can
 * still be replaced; real streaming (a write after the flush, a body outgrowing the buffer, an event stream) still
 * passes through, proved on the wire.
 */
class FrameworkInteropEndToEndTest {

    static final String FALLBACK = "{\"degraded\":true}";

    private static SeawallFilter filter(String yaml) {
        return SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("interop.yaml", yaml).build();
    }

    private static final String STATIC_FALLBACK = """
            policies:
              - name: api
                paths: [/api/*]
                buffer: 1KB
                fallback:
                  status: 200
                  body: '{"degraded":true}'
            """;

    /**
     * Writes as Spring MVC writes a {@code ResponseEntity}: status and content type first, then the JSON body, then a
     * flush ({@code /api/entity}); or variations on {@code /api/*}: {@code throw} (an exception after the flush),
     * {@code stream} and {@code events} (flush, write again, flush, then wait for {@link #release}: the client must
     * have the bytes before the handler ends), {@code large} (a body larger than the buffer); anything else answers 200 {@code {}}.
     */
    static final class SpringLikeServlet extends HttpServlet {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String uri = req.getRequestURI();
            String what = uri.substring(uri.lastIndexOf('/') + 1);
            resp.setStatus(500);
            resp.setContentType(what.equals("events") ? "text/event-stream" : "application/json");
            var out = resp.getOutputStream();
            switch (what) {
                case "entity" -> {
                    out.write("{\"error\":\"boom\"}".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                case "throw" -> {
                    out.write("{\"partial\":".getBytes(StandardCharsets.UTF_8));
                    resp.flushBuffer();
                    throw new IllegalStateException("failed after the flush: " + FlakyServlet.SECRET);
                }
                case "stream", "events" -> {
                    out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    out.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    await(release);
                }
                case "large" -> {
                    out.write("x".repeat(2048).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                default -> {
                    resp.setStatus(200);
                    out.write("{}".getBytes(StandardCharsets.UTF_8));
                }
            }
        }

        private static void await(CountDownLatch latch) {
            try {
                latch.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aFlushedResponseEntity500GetsTheFallback() throws Exception {
        try (TestServer server = TestServer.programmatic(filter(STATIC_FALLBACK), new SpringLikeServlet(), 20)) {
            Response r = given().baseUri(server.uri()).get("/api/entity");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.header("X-Data-Source")).isEqualTo("fallback");
            assertThat(r.asString()).isEqualTo(FALLBACK);
        }
    }

    @Test
    void anExceptionAfterAFlushGetsTheFallbackNotHalfABody() throws Exception {
        try (TestServer server = TestServer.programmatic(filter(STATIC_FALLBACK), new SpringLikeServlet(), 20)) {
            Response r = given().baseUri(server.uri()).get("/api/throw");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.header("X-Data-Source")).isEqualTo("fallback");
            assertThat(r.asString()).isEqualTo(FALLBACK).doesNotContain(FlakyServlet.SECRET);
        }
    }

    @Test
    void aWriteAfterAFlushStreamsTheResponseToTheClientWhileTheHandlerRuns() throws Exception {
        assertStreamsWhileTheHandlerRuns("/api/stream");
    }

    @Test
    void anEventStreamStreamsAtItsFirstFlush() throws Exception {
        assertStreamsWhileTheHandlerRuns("/api/events");
    }

    @Test
    void aBodyLargerThanTheBufferStreamsAndKeepsItsOwnStatus() throws Exception {
        try (TestServer server = TestServer.programmatic(filter(STATIC_FALLBACK), new SpringLikeServlet(), 20)) {
            Response r = given().baseUri(server.uri()).get("/api/large");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.header("X-Data-Source")).isEqualTo("live");
            assertThat(r.asString()).hasSize(2048);
        }
    }

    private void assertStreamsWhileTheHandlerRuns(String target) throws Exception {
        SpringLikeServlet app = new SpringLikeServlet();
        try (TestServer server = TestServer.programmatic(filter(STATIC_FALLBACK), app, 20);
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // the handler waits for the latch: both events arrive before it returns, with the application's status
            String seen = readUntil(socket.getInputStream(), "data: second");
            assertThat(seen).startsWith("HTTP/1.1 500").contains("data: first").containsIgnoringCase("X-Data-Source: live");
            app.release.countDown();
        } finally {
            app.release.countDown();
        }
    }

    /** @return what the server sent up to and including {@code marker} (ISO-8859-1) */
    static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            seen.write(buf, 0, n);
            if (seen.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
                return seen.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new IOException("the connection ended before " + marker + "; seen: " + seen);
    }

    /**
     * Wraps the request as Spring's {@code ForwardedHeaderFilter} does ({@code server.forward-headers-strategy=framework}):
     * {@code getRemoteAddr()} answers the first {@code X-Forwarded-For} value, from anyone, and the forwarding headers
     * are hidden. Registered before Seawall. Thread-safe.
     */
    static final class ForwardedHeaderLikeFilter implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
                throws IOException, ServletException {
            chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) req) {
                @Override
                public String getRemoteAddr() {
                    String xff = super.getHeader("X-Forwarded-For");
                    return xff == null ? super.getRemoteAddr() : xff.split(",")[0].trim();
                }

                @Override
                public String getRemoteHost() {
                    return getRemoteAddr();
                }

                @Override
                public String getHeader(String name) {
                    return hidden(name) ? null : super.getHeader(name);
                }

                @Override
                public Enumeration<String> getHeaders(String name) {
                    return hidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
                }

                private boolean hidden(String name) {
                    return name.regionMatches(true, 0, "X-Forwarded-", 0, 12) || name.equalsIgnoreCase("Forwarded");
                }
            }, res);
        }
    }

    @Test
    void aClientRotatingXForwardedForBehindAFrameworkWrapperStaysInOneBucket() throws Exception {
        SeawallFilter seawall = filter("""
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 2/1m
                """);
        try (TestServer server = TestServer.stacked(List.of(Map.entry(new ForwardedHeaderLikeFilter(), Map.of()),
                Map.entry(seawall, Map.of())), new SpringLikeServlet(), true, 20)) {
            int[] statuses = new int[3];
            for (int i = 0; i < 3; i++) {
                statuses[i] = given().baseUri(server.uri()).header("X-Forwarded-For", "203.0.113." + (i + 1))
                        .get("/api/ok").statusCode();
            }
            assertThat(statuses).as("one bucket for 127.0.0.1, whatever it claims").containsExactly(200, 200, 429);
        }
    }
}
