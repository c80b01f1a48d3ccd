package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.idempotency.IdempotencyGuard.Outcome;
import dev.seawall.core.internal.idempotency.IdempotencyGuard.Settled;
import dev.seawall.core.problem.ProblemTypes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What the servlet adapter's idempotency tests share: a real Jetty running an application that counts its runs per path,
 * the policies they use, and a filter in front of Seawall that breaks the client's connection or reads a form first.
 */
abstract class IdempotencyFixture {

    static final String YAML = """
            policies:
              - name: pay
                paths: [/pay/*]
                idempotency:
                  max-body: 64
                  max-response: 48
                  keep: [2xx, 3xx, 4xx]
              - name: limited
                paths: [/limited/*]
                rate-limits:
                  - by: ip
                    limit: 1/1m
                idempotency: on
              - name: guarded
                paths: [/guarded/*]
                timeout: 10s
                idempotency:
                  keep: [2xx, 4xx, 5xx]
              - name: slow
                paths: [/slow/*]
                timeout: 300ms
                idempotency: on
              - name: degraded
                paths: [/degraded/*]
                fallback: {status: 200, body: '{"degraded":true}'}
                idempotency: on
              - name: queued
                paths: [/queued/*]
                throttle:
                  max-concurrent: 1
                  queue: 5
                  max-wait: 30s
                idempotency: on
            """;

    Server server;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    final CountDownLatch holding = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch lateEnded = new CountDownLatch(1);

    /**
     * A filter in front of Seawall: for a request with {@code X-Gone} the container's stream fails as when the client
     * left; on {@code /form} paths it reads a parameter first, as Spring Security's CSRF check does.
     */
    static final class Front implements Filter {
        @Override
        public void doFilter(jakarta.servlet.ServletRequest req, jakarta.servlet.ServletResponse res,
                             jakarta.servlet.FilterChain chain) throws IOException, ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            if (request.getRequestURI().endsWith("/form")) {
                request.getParameter("a");
            }
            if (request.getHeader("X-Gone") == null) {
                chain.doFilter(req, res);
                return;
            }
            chain.doFilter(req, new jakarta.servlet.http.HttpServletResponseWrapper((HttpServletResponse) res) {
                @Override
                public jakarta.servlet.ServletOutputStream getOutputStream() {
                    return new jakarta.servlet.ServletOutputStream() {
                        @Override
                        public void write(int b) throws IOException {
                            throw new IOException("Broken pipe");
                        }

                        @Override
                        public boolean isReady() {
                            return true;
                        }

                        @Override
                        public void setWriteListener(jakarta.servlet.WriteListener listener) {
                            throw new UnsupportedOperationException();
                        }
                    };
                }
            });
        }
    }

    int runs(String path) {
        return runs.computeIfAbsent(path, k -> new AtomicInteger()).get();
    }

    /** The application: each path counts its runs. */
    final class App extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String p = req.getRequestURI();
            if (req.getDispatcherType() == DispatcherType.ERROR) {
                return; // the container's error page
            }
            int n = runs.computeIfAbsent(p, k -> new AtomicInteger()).incrementAndGet();
            if (p.endsWith("/hold")) {
                holding.countDown();
                // a deadline interrupts the thread: this handler keeps running regardless, until released
                boolean interrupted = false;
                while (true) {
                    try {
                        release.await(20, TimeUnit.SECONDS);
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            switch (p.substring(p.lastIndexOf('/') + 1)) {
                case "boom" -> throw new IllegalStateException("secret internal detail");
                case "senderror" -> resp.sendError(400);
                case "redirect" -> resp.sendRedirect("/orders/" + n);
                case "big" -> resp.getOutputStream().write(new byte[100]);
                case "upstream" -> {
                    resp.setStatus(502);
                    resp.getWriter().write("the upstream failed");
                }
                case "syncwork" -> {
                    // answers on this thread, and goes on with work of its own that ends once released
                    HandlerWork work = HandlerWork.begin(req);
                    Thread t = new Thread(() -> {
                        try {
                            release.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            work.end(null);
                            lateEnded.countDown();
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                    resp.setStatus(201);
                    resp.getWriter().write("answered " + n);
                }
                case "lateasync", "latework" -> {
                    AsyncContext async = req.startAsync();
                    HandlerWork work = p.endsWith("latework") ? HandlerWork.begin(req) : null;
                    // taken now: once Seawall's deadline answer completed the cycle, the context hands out nothing
                    HttpServletResponse r = (HttpServletResponse) async.getResponse();
                    async.start(() -> {
                        try {
                            release.await(20, TimeUnit.SECONDS);
                            r.setStatus(201);
                            r.getWriter().write("late " + n);
                        } catch (InterruptedException | IOException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            lateEnded.countDown();
                            if (work != null) {
                                work.end(null);
                            }
                        }
                        try {
                            async.complete();
                        } catch (IllegalStateException alreadyCompletedByTheDeadline) {
                            // Seawall answered and completed the cycle at the deadline
                        }
                    });
                }
                case "form" -> resp.getWriter().write("a=" + req.getParameter("a") + ",b=" + req.getParameter("b"));
                case "reader" -> {
                    resp.setContentType("text/plain;charset=UTF-8");
                    resp.getWriter().write("read:" + req.getReader().readLine());
                }
                case "stalled" -> req.startAsync().setTimeout(100); // nobody completes it: the container does
                case "async" -> {
                    String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    AsyncContext async = req.startAsync();
                    async.start(() -> {
                        try {
                            HttpServletResponse r = (HttpServletResponse) async.getResponse();
                            r.setStatus(202);
                            r.getWriter().write("later " + n + " " + body);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        async.complete();
                    });
                }
                default -> {
                    String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    resp.setStatus(201);
                    resp.setContentType("application/json");
                    resp.setHeader("X-Order", Integer.toString(n));
                    resp.addCookie(new Cookie("session", "s" + n));
                    resp.getOutputStream().write(("{\"run\":" + n + ",\"body\":\"" + body + "\"}")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    String start(Filter... filters) throws Exception {
        return start(Map.of(), filters);
    }

    String start(Map<String, String> initParams, Filter... filters) throws Exception {
        List<Map.Entry<Filter, Map<String, String>>> each = new java.util.ArrayList<>();
        for (Filter f : filters) {
            each.add(Map.entry(f, initParams));
        }
        return start(each);
    }

    /** Filters, outer first, each with its own init-params, in front of the application. */
    String start(List<Map.Entry<Filter, Map<String, String>>> filters) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        for (Map.Entry<Filter, Map<String, String>> f : filters) {
            FilterHolder holder = new FilterHolder(f.getKey());
            holder.setAsyncSupported(true);
            holder.setInitParameters(f.getValue());
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        ServletHolder app = new ServletHolder(new App());
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        server.setHandler(context);
        server.start();
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (server != null) {
            server.stop();
        }
    }

    static Seawall engine() {
        return Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("idempotency.yaml", YAML).build();
    }

    static IdempotencyGuard guard(Seawall engine, String policy) {
        return CoreAccess.idempotency(engine.policy(policy));
    }

    HttpResponse<String> post(String url, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertProblem(HttpResponse<String> r, int status, String type) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.body()).contains(type).doesNotContain("Exception");
    }

}
