package dev.seawall.e2e;

import dev.seawall.core.chain.Stage;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.servlet.HandlerWork;
import dev.seawall.servlet.SeawallFilter;
import dev.seawall.servlet.ThrottleFilter;
import dev.seawall.servlet.TimeoutFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A framework that runs a handler on its own thread after the request went async (Spring MVC's {@code Callable}) tells
 * Seawall through {@link HandlerWork}: the throttle slot stays taken until the handler really ends, even though Seawall
 * answered the client at the deadline.
 */
class HandlerWorkEndToEndTest {

    /**
     * Starts async and runs its handler on an executor, as Spring MVC runs a {@code Callable}: {@code HandlerWork.begin}
     * before the request's thread returns, {@code end} in a {@code finally}. The handler waits for {@link #release},
     * then answers {@code done} unless the cycle is already over (Seawall answered at the deadline).
     */
    static final class CallableLikeServlet extends HttpServlet {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger unheld = new AtomicInteger();
        private final ExecutorService executor = Executors.newCachedThreadPool();

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
            AsyncContext async = req.startAsync();
            async.setTimeout(60_000);
            AtomicBoolean over = new AtomicBoolean();
            async.addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    over.set(true);
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            });
            HandlerWork work = HandlerWork.begin(req);
            if (work == null) {
                unheld.incrementAndGet();
            }
            running.incrementAndGet();
            executor.execute(() -> {
                Throwable failure = null;
                try {
                    release.await(60, TimeUnit.SECONDS);
                    if (!over.get()) {
                        async.getResponse().getWriter().write("done");
                        async.complete();
                    }
                } catch (InterruptedException | IOException | RuntimeException e) {
                    failure = e;
                } finally {
                    running.decrementAndGet();
                    if (work != null) {
                        work.end(failure);
                    }
                }
            });
        }

        @Override
        public void destroy() {
            release.countDown();
            executor.shutdownNow();
        }
    }

    @Test
    void theThrottleSlotOfATimedOutHandlerIsHeldUntilTheHandlerEnds() throws Exception {
        SeawallFilter filter = SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("work.yaml", """
                policies:
                  - name: work
                    paths: [/work/*]
                    throttle: {max-concurrent: 2, queue: 0}
                    timeout: 300ms
                """).build();
        CallableLikeServlet app = new CallableLikeServlet();
        try (TestServer server = TestServer.programmatic(filter, app, 20)) {
            assertSlotsAreHeldUntilTheHandlersEnd(server, app, throttleOf(filter));
        }
    }

    /** Stacked standalone filters: the outer one holds the slot, the inner one answers at the deadline. */
    @Test
    void stackedFiltersHoldTheOuterFiltersSlotUntilTheHandlerEnds() throws Exception {
        ThrottleFilter throttle = new ThrottleFilter();
        CallableLikeServlet app = new CallableLikeServlet();
        try (TestServer server = TestServer.stacked(List.of(
                Map.entry(throttle, Map.of("max-concurrent", "2")),
                Map.entry(new TimeoutFilter(), Map.of("after", "300ms"))), app, true, 20)) {
            assertSlotsAreHeldUntilTheHandlersEnd(server, app, throttle.stage());
        }
    }

    private static void assertSlotsAreHeldUntilTheHandlersEnd(TestServer server, CallableLikeServlet app,
                                                              ThrottleStage throttle) throws Exception {
        List<CompletableFuture<Response>> first = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int n = i;
            first.add(CompletableFuture.supplyAsync(() -> given().baseUri(server.uri()).get("/work/" + n)));
        }
        for (CompletableFuture<Response> f : first) {
            Response r = f.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as("answered at the deadline").isEqualTo(503);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
        assertThat(app.unheld).as("every request found its Seawall pass").hasValue(0);
        assertThat(app.running).as("the handlers still run after their answers").hasValue(2);
        // their slots stay taken (the async cycles completed at the deadline: without HandlerWork they were freed)
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> throttle.inFlight() == 2);

        // a third request finds no slot while the timed-out handlers run: refused, the application not called
        Response refused = given().baseUri(server.uri()).get("/work/third");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.asString()).contains("temporary-reduced-capacity");
        assertThat(app.running).hasValue(2);

        app.release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> app.running.get() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0);

        // slots free again: a handler that ends in time answers
        Response after = given().baseUri(server.uri()).get("/work/after");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.asString()).isEqualTo("done");
        await().atMost(Duration.ofSeconds(10)).until(() -> throttle.inFlight() == 0);
    }

    private static ThrottleStage throttleOf(SeawallFilter f) {
        for (Stage s : f.engine().policy("work").chain().stages()) {
            if (s instanceof ThrottleStage t) {
                return t;
            }
        }
        throw new AssertionError("no throttle");
    }
}
