package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stale cache behind a layer that marks every response uncacheable when it commits, outside Seawall, as Spring
 * Security's {@code HeaderWriterFilter} does: what is kept never depends on timing. By default nothing is kept; with
 * {@code cache-no-store: true} the caller's own copy is, and never served to another caller.
 */
class StaleCacheUnderSecurityEndToEndTest {

    static final String NO_STORE = "no-cache, no-store, max-age=0, must-revalidate";
    private static final String STATIC = "{\"items\":[],\"degraded\":true}";

    /**
     * Wraps the response as Spring Security's {@code OnCommittedResponseWrapper} does and adds
     * {@code Cache-Control: no-cache, no-store, ...} to the response it wraps when that commits: on
     * {@code flushBuffer()}, a flush or close of the stream, {@code sendError}, {@code sendRedirect}, or before the
     * last byte of a declared {@code Content-Length}. Registered before Seawall. Thread-safe (state per request).
     */
    static final class CommitHeaderFilter implements Filter {
        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
                throws IOException, ServletException {
            chain.doFilter(req, new OnCommitted((HttpServletResponse) res));
        }
    }

    private static final class OnCommitted extends HttpServletResponseWrapper {
        private final HttpServletResponse wrapped;
        private boolean committed;
        private long contentLength = -1;
        private long written;
        private ServletOutputStream out;

        OnCommitted(HttpServletResponse response) {
            super(response);
            this.wrapped = response;
        }

        private void onCommit() {
            if (!committed) {
                committed = true;
                wrapped.setHeader("Cache-Control", NO_STORE);
            }
        }

        private void countAndCheck(long n) {
            written += n;
            if (contentLength >= 0 && written >= contentLength) {
                onCommit();
            }
        }

        @Override
        public void setContentLength(int len) {
            contentLength = len;
            super.setContentLength(len);
        }

        @Override
        public void setContentLengthLong(long len) {
            contentLength = len;
            super.setContentLengthLong(len);
        }

        @Override
        public void flushBuffer() throws IOException {
            onCommit();
            super.flushBuffer();
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            onCommit();
            super.sendError(sc, msg);
        }

        @Override
        public void sendError(int sc) throws IOException {
            onCommit();
            super.sendError(sc);
        }

        @Override
        public void sendRedirect(String location) throws IOException {
            onCommit();
            super.sendRedirect(location);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (out == null) {
                ServletOutputStream real = super.getOutputStream();
                out = new ServletOutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        countAndCheck(1);
                        real.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        countAndCheck(len);
                        real.write(b, off, len);
                    }

                    @Override
                    public void flush() throws IOException {
                        onCommit();
                        real.flush();
                    }

                    @Override
                    public void close() throws IOException {
                        onCommit();
                        real.close();
                    }

                    @Override
                    public boolean isReady() {
                        return real.isReady();
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        real.setWriteListener(listener);
                    }
                };
            }
            return out;
        }
    }

    private static TestServer start(FlakyServlet app, boolean cacheNoStore) throws Exception {
        SeawallFilter seawall = SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("security.yaml", """
                        policies:
                          - name: catalog
                            paths: [/data/*]
                            fallback:
                              status: 200
                              body: '{"items":[],"degraded":true}'
                              stale-cache: 10m
                              cache-no-store: %s
                        """.formatted(cacheNoStore)).build();
        return TestServer.stacked(List.of(Map.entry(new CommitHeaderFilter(), Map.of()), Map.entry(seawall, Map.of())),
                app, true, 20);
    }

    private static Response get(TestServer server, String apiKey) {
        return given().baseUri(server.uri()).header("X-API-Key", apiKey).get("/data/a");
    }

    private static void assertStatic(Response r) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.header("X-Data-Source")).isEqualTo("fallback");
        assertThat(r.asString()).isEqualTo(STATIC);
    }

    @Test
    void aResponseMarkedNoStoreAtCommitIsNeverKept() throws Exception {
        FlakyServlet app = new FlakyServlet();
        try (TestServer server = start(app, false)) {
            Response live = get(server, "k1");
            assertThat(live.header("X-Data-Source")).isEqualTo("live");
            assertThat(live.header("Cache-Control")).as("added outside Seawall at commit").isEqualTo(NO_STORE);
            assertThat(live.asString()).isEqualTo("data 1 for k1");

            app.failing.set(true);
            assertStatic(get(server, "k1"));
        }
    }

    @Test
    void withCacheNoStoreTheCallerGetsItsOwnCopyAndNobodyElseDoes() throws Exception {
        FlakyServlet app = new FlakyServlet();
        try (TestServer server = start(app, true)) {
            Response live = get(server, "k1");
            assertThat(live.header("Cache-Control")).isEqualTo(NO_STORE);
            String body = live.asString();

            app.failing.set(true);
            Response own = get(server, "k1");
            assertThat(own.statusCode()).isEqualTo(200);
            assertThat(own.header("X-Data-Source")).isEqualTo("cache");
            assertThat(own.asString()).isEqualTo(body);
            assertStatic(get(server, "k2"));
            assertStatic(given().baseUri(server.uri()).get("/data/a"));
        }
    }
}
