package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.testing.RecordingStage;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link HandlerWork} through a real Jetty: the outcome a request's permits are completed with when the application
 * continues on a thread of its own (as Spring MVC runs a {@code Callable}).
 */
class HandlerWorkTest {

    private Server server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);
    private final RecordingStage stage = new RecordingStage(StageKind.THROTTLE);

    /**
     * {@code /api/answer}: the work answers "done" once released and then ends; {@code /api/fail}: the work ends with
     * a failure, then the response completes with 200; {@code /api/stuck}: the work waits to be released and never
     * answers (the deadline does).
     */
    private final class App extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
            AsyncContext async = req.startAsync();
            HandlerWork work = HandlerWork.begin(req);
            String path = req.getRequestURI();
            executor.execute(() -> {
                try {
                    release.await(20, TimeUnit.SECONDS);
                    if (path.endsWith("/fail")) {
                        work.end(new IllegalStateException("the handler failed"));
                        async.getResponse().getWriter().write("answered anyway");
                        async.complete();
                    } else if (path.endsWith("/answer")) {
                        async.getResponse().getWriter().write("done");
                        async.complete();
                    }
                } catch (InterruptedException | IOException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    work.end(null);
                }
            });
        }
    }

    private String start(Policy policy) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder holder = new FilterHolder(new SeawallFilter(Seawall.builder().policy(policy).build()));
        holder.setAsyncSupported(true);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
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
        executor.shutdownNow();
        if (server != null) {
            server.stop();
        }
    }

    private Policy policy(boolean withTimeout) {
        ChainBuilder chain = ChainBuilder.create().add(stage);
        if (withTimeout) {
            chain.add(new TimeoutStage("api", Duration.ofMillis(200), 503));
        }
        return new Policy("api", List.of("/api/*"), Set.of(), chain.build());
    }

    private HttpResponse<String> get(String uri) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTimedOutRequestIsSettledAsTimedOutOnlyWhenItsWorkEndsAndTheElapsedTimeRunsToThatEnd() throws Exception {
        String base = start(policy(true));
        long sent = System.nanoTime();
        assertThat(get(base + "/api/stuck").statusCode()).as("the deadline answered").isEqualTo(503);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 0);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 1);
        long sinceSent = System.nanoTime() - sent;
        Outcome o = stage.outcomes.peek();
        assertThat(o.timedOut()).isTrue();
        assertThat(o.elapsedNanos()).as("to the work's end, past the deadline and the held time")
                .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(500)).isLessThanOrEqualTo(sinceSent);
    }

    @Test
    void aWorkThatFailedBeforeTheResponseWasSettledMakesTheOutcomeAFailure() throws Exception {
        String base = start(policy(false));
        release.countDown();
        HttpResponse<String> r = get(base + "/api/fail");
        assertThat(r.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 1);
        Outcome o = stage.outcomes.peek();
        assertThat(o.status()).isEqualTo(500);
        assertThat(o.failure()).isInstanceOf(IllegalStateException.class);
        assertThat(o.timedOut()).isFalse();
    }

    @Test
    void aWorkThatEndsNormallyIsSettledWithTheResponsesStatusOnce() throws Exception {
        String base = start(policy(false));
        release.countDown();
        HttpResponse<String> r = get(base + "/api/answer");
        assertThat(r.body()).isEqualTo("done");
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 1);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> stage.settled() == 1);
        Outcome o = stage.outcomes.peek();
        assertThat(o.status()).isEqualTo(200);
        assertThat(o.failed()).isFalse();
        assertThat(o.timedOut()).isFalse();
    }
}
