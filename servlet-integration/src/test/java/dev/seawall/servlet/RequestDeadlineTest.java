package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.core.time.ManualClock;
import dev.seawall.core.timeout.Deadline;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request's {@link Deadline} on the application's thread, through a real Jetty: bound while the handler runs
 * (buffered and unbuffered, in the application's ASYNC dispatch, in {@code AsyncContext.start}, after a throttle
 * wait), gone from the thread once the handler returned, absent without a timeout; and the caller's deadline header,
 * which shortens the request's timeout but never lengthens it. The engine runs on a {@link ManualClock} that never
 * moves, so the time left the handler reads is exactly the request's timeout.
 */
class RequestDeadlineTest {

    private static final long FIVE_SECONDS = TimeUnit.SECONDS.toNanos(5);

    private final ManualClock clock = new ManualClock();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** What the thread held once the Seawall filter returned to the plain filter in front of it. */
    private final Queue<String> afterSeawall = new ConcurrentLinkedQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private Server server;
    private Seawall engine;

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (server != null) {
            server.stop();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private static String yaml(String policy) {
        return "policies:\n  - name: api\n    paths: [/api/*]\n" + policy;
    }

    private String start(String yaml) throws Exception {
        engine = Seawall.builder().clock(clock).yaml("test.yaml", yaml).build();
        return start(new FilterHolder(new SeawallFilter(engine)));
    }

    private String start(FilterHolder seawall) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        Filter probe = (req, res, chain) -> {
            chain.doFilter(req, res);
            afterSeawall.add(((HttpServletRequest) req).getDispatcherType() + " " + Deadline.current());
        };
        for (FilterHolder holder : new FilterHolder[] {new FilterHolder(probe), seawall}) {
            holder.setAsyncSupported(true);
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        ServletHolder app = new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String p = req.getRequestURI();
                if (p.endsWith("/async-dispatch") && req.getDispatcherType() == DispatcherType.REQUEST) {
                    req.startAsync().dispatch();
                    return;
                }
                if (p.endsWith("/async-start")) {
                    AsyncContext ac = req.startAsync();
                    ac.start(() -> {
                        try {
                            ac.getResponse().getWriter().write(left());
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        ac.complete();
                    });
                    return;
                }
                if (p.endsWith("/hold")) {
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                resp.getWriter().write(req.getDispatcherType() + " " + left());
            }
        });
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        server.setHandler(context);
        server.start();
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    /** @return the time left of the deadline bound to this thread, in nanoseconds, or "none" */
    private static String left() {
        Deadline d = Deadline.current();
        return d == null ? "none" : Long.toString(d.remainingNanos());
    }

    private HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"    timeout: 5s\n", "    timeout: 5s\n    buffer: off\n"})
    void theDeadlineIsBoundWhileTheHandlerRunsAndGoneFromTheThreadOnceItReturned(String policy) throws Exception {
        String base = start(yaml(policy));
        HttpResponse<String> r = get(base + "/api/now");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("REQUEST " + FIVE_SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> !afterSeawall.isEmpty());
        assertThat(afterSeawall).containsExactly("REQUEST null");
    }

    @Test
    void noDeadlineIsBoundUnderAPolicyWithoutATimeout() throws Exception {
        String base = start(yaml("    throttle: { max-concurrent: 4, queue: 0, max-wait: 1s }\n"));
        assertThat(get(base + "/api/now").body()).isEqualTo("REQUEST none");
        assertThat(get(base + "/other").body()).isEqualTo("REQUEST none");
    }

    @ParameterizedTest
    @ValueSource(strings = {"    timeout: 5s\n", "    timeout: 5s\n    buffer: off\n"})
    void theApplicationsAsyncDispatchOfTheRequestRunsUnderItsDeadline(String policy) throws Exception {
        String base = start(yaml(policy));
        HttpResponse<String> r = get(base + "/api/async-dispatch");
        assertThat(r.body()).isEqualTo("ASYNC " + FIVE_SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> afterSeawall.size() == 2);
        assertThat(afterSeawall).containsExactlyInAnyOrder("REQUEST null", "ASYNC null");
    }

    @Test
    void aTaskStartedOnTheAsyncContextRunsUnderTheDeadline() throws Exception {
        String base = start(yaml("    timeout: 5s\n"));
        assertThat(get(base + "/api/async-start").body()).isEqualTo(Long.toString(FIVE_SECONDS));
    }

    @Test
    void aRequestResumedAfterAThrottleWaitRunsUnderItsDeadline() throws Exception {
        String base = start(yaml("    timeout: 5s\n    throttle: { max-concurrent: 1, queue: 4, max-wait: 10s }\n"));
        CompletableFuture<HttpResponse<String>> holder = client.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/api/hold")).build(), HttpResponse.BodyHandlers.ofString());
        ThrottleStage throttle = throttle();
        await().atMost(Duration.ofSeconds(5)).until(() -> throttle.inFlight() == 1);
        CompletableFuture<HttpResponse<String>> queued = client.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/api/now")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> throttle.queued() == 1);
        release.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS).body()).isEqualTo("REQUEST " + FIVE_SECONDS);
        // resumed in an ASYNC dispatch on another thread; its deadline counts from when the application starts
        assertThat(queued.get(10, TimeUnit.SECONDS).body()).isEqualTo("ASYNC " + FIVE_SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> afterSeawall.size() >= 3);
        assertThat(afterSeawall).allMatch(s -> s.endsWith(" null"));
    }

    private ThrottleStage throttle() {
        for (Stage s : engine.match("GET", "/api/hold").chain().stages()) {
            if (s instanceof ThrottleStage t) {
                return t;
            }
        }
        throw new AssertionError("no throttle");
    }

    @ParameterizedTest
    @ValueSource(strings = {"    timeout: { after: 5s, deadline-header: X-Deadline }\n",
            "    timeout: { after: 5s, deadline-header: X-Deadline }\n    buffer: off\n"})
    void aCallersShorterDeadlineShortensTheRequestsAndALongerOneDoesNot(String policy) throws Exception {
        String base = start(yaml(policy));
        assertThat(get(base + "/api/now", "X-Deadline", "300").body())
                .isEqualTo("REQUEST " + TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(get(base + "/api/now", "x-deadline", "4999").body())
                .isEqualTo("REQUEST " + TimeUnit.MILLISECONDS.toNanos(4999));
        assertThat(get(base + "/api/now", "X-Deadline", "60000").body()).isEqualTo("REQUEST " + FIVE_SECONDS);
        assertThat(get(base + "/api/now", "X-Deadline", "5000").body()).isEqualTo("REQUEST " + FIVE_SECONDS);
        assertThat(get(base + "/api/now").body()).isEqualTo("REQUEST " + FIVE_SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "+5", "5.0", "0x10", "5ms", "abc", "12345678901", "99999999999999999999", "",
            " ", "1,2", "1 2", "1;2", "1e3"})
    void hostileDeadlineHeaderValuesAreIgnored(String value) throws Exception {
        String base = start(yaml("    timeout: { after: 5s, deadline-header: X-Deadline }\n"));
        HttpResponse<String> r = get(base + "/api/now", "X-Deadline", value);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("REQUEST " + FIVE_SECONDS);
    }

    @Test
    void severalDeadlineHeaderValuesAreIgnored() throws Exception {
        String base = start(yaml("    timeout: { after: 5s, deadline-header: X-Deadline }\n"));
        HttpResponse<String> r = get(base + "/api/now", "X-Deadline", "100", "X-Deadline", "200");
        assertThat(r.body()).isEqualTo("REQUEST " + FIVE_SECONDS);
    }

    @Test
    void theHeaderIsIgnoredWithoutADeadlineHeaderInThePolicy() throws Exception {
        String base = start(yaml("    timeout: 5s\n"));
        assertThat(get(base + "/api/now", "X-Deadline", "300").body()).isEqualTo("REQUEST " + FIVE_SECONDS);
    }

    @Test
    void aCallersDeadlineOfZeroIsAnsweredAtOnceWithTheTimeoutAnswer() throws Exception {
        String base = start(yaml("    timeout: { after: 30s, deadline-header: X-Deadline }\n"));
        // the handler would hold until the test ends; the engine's clock never moves, so only a deadline already
        // passed can fire
        HttpResponse<String> r = get(base + "/api/hold", "X-Deadline", "0");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.body()).contains("/timeout").contains("within 0 ms");
    }

    @Test
    void theStandaloneTimeoutFilterBindsTheDeadlineAndTakesADeadlineHeaderInitParam() throws Exception {
        FilterHolder timeout = new FilterHolder(new TimeoutFilter());
        timeout.setInitParameter("after", "30s");
        timeout.setInitParameter("deadline-header", "X-Deadline");
        String base = start(timeout);
        long unshortened = Long.parseLong(get(base + "/api/now").body().substring("REQUEST ".length()));
        // real time on the filter's own clock: the time left can only have shrunk since the application started
        assertThat(unshortened).isBetween(1L, TimeUnit.SECONDS.toNanos(30));
        long shortened = Long.parseLong(get(base + "/api/now", "X-Deadline", "200").body()
                .substring("REQUEST ".length()));
        assertThat(shortened).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(200));
        HttpResponse<String> passed = get(base + "/api/hold", "X-Deadline", "0");
        assertThat(passed.statusCode()).isEqualTo(503);
        assertThat(passed.body()).contains("/timeout");
        await().atMost(Duration.ofSeconds(5)).until(() -> afterSeawall.size() == 3);
        assertThat(afterSeawall).allMatch(v -> v.endsWith(" null"));
    }

    @Test
    void theStandaloneTimeoutFilterRefusesABadDeadlineHeaderName() {
        FilterHolder timeout = new FilterHolder(new TimeoutFilter());
        timeout.setInitParameter("after", "30s");
        timeout.setInitParameter("deadline-header", "X Deadline");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(timeout))
                .hasStackTraceContaining("deadline-header");
    }
}
