package dev.seawall.e2e;

import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Stage;
import dev.seawall.servlet.CircuitBreakerFilter;
import dev.seawall.servlet.SeawallFilter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The circuit breaker on a real servlet container: 5xx and exceptions open it, then the application is not called.
 */
class CircuitBreakerEndToEndTest {

    private static BreakerStage breakerOf(SeawallFilter f, String policy) {
        for (Stage s : f.engine().policy(policy).chain().stages()) {
            if (s instanceof BreakerStage b) {
                return b;
            }
        }
        throw new AssertionError("no breaker");
    }

    @Test
    void serverErrorsAndExceptionsOpenTheBreakerAndThenTheApplicationIsNotCalled() throws Exception {
        GatedServlet app = new GatedServlet();
        app.gate.countDown();
        SeawallFilter filter = SeawallFilter.builder().yaml("breaker.yaml", """
                policies:
                  - name: payments
                    paths: [/error/*, /boom/*, /slow/*]
                    circuit-breaker:
                      failure-rate: 50
                      minimum-calls: 4
                      window: 10
                      open-for: 30s
                      half-open-calls: 1
                """).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            BreakerStage breaker = breakerOf(filter, "payments");
            assertThat(given().baseUri(server.uri()).get("/slow/ok").statusCode()).isEqualTo(200);
            assertThat(given().baseUri(server.uri()).get("/error/a").statusCode()).isEqualTo(500);
            assertThat(given().baseUri(server.uri()).get("/boom/b").statusCode()).isEqualTo(500);
            assertThat(breaker.breaker().state()).as("3 calls: below minimum-calls").isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(given().baseUri(server.uri()).get("/error/c").statusCode()).isEqualTo(500);
            assertThat(breaker.breaker().state()).as("3 failures in 4 calls").isEqualTo(CircuitBreaker.State.OPEN);
            int entered = app.entered.get();
            Response r = given().baseUri(server.uri()).get("/slow/after");
            RateLimitEndToEndTest.assertProblem(r, 503, "/service-unavailable");
            assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(29L, 30L);
            assertThat(r.jsonPath().getString("breaker")).isEqualTo("payments");
            assertThat(app.entered.get()).as("the application is not called while open").isEqualTo(entered);
        }
    }

    /** Regression: the breaker once measured from admission, so a wait in the throttle queue looked like a slow call. */
    @Test
    void timeSpentQueuedInTheThrottleIsNotASlowCall() throws Exception {
        GatedServlet app = new GatedServlet();
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        SeawallFilter filter = SeawallFilter.builder().meterRegistry(meters).yaml("breaker.yaml", """
                policies:
                  - name: reports
                    paths: [/slow/*, /fast/*]
                    circuit-breaker:
                      failure-rate: 50
                      minimum-calls: 4
                      window: 10
                      slow-call: 300ms
                    throttle:
                      max-concurrent: 1
                      queue: 5
                      max-wait: 30s
                """).build();
        try (TestServer server = TestServer.programmatic(filter, app, 50)) {
            dev.seawall.core.throttle.ThrottleStage throttle = null;
            for (Stage s : filter.engine().policy("reports").chain().stages()) {
                if (s instanceof dev.seawall.core.throttle.ThrottleStage t) {
                    throttle = t;
                }
            }
            dev.seawall.core.throttle.ThrottleStage t = throttle;
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            var slow = client.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.uri() + "/slow/1"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> t.inFlight() == 1);
            List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> fast = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fast.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(server.uri() + "/fast/" + i)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> t.queued() == 3);
            // the slow request stays in the application past slow-call; the three fast ones wait that long queued
            org.awaitility.Awaitility.await().pollDelay(java.time.Duration.ofMillis(500)).until(() -> true);
            app.gate.countDown();
            assertThat(slow.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            for (var f : fast) {
                assertThat(f.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                    meters.get("seawall.breaker.calls").tag("outcome", "success").functionCounter().count()
                            + meters.get("seawall.breaker.calls").tag("outcome", "slow").functionCounter().count() == 4);
            assertThat(meters.get("seawall.breaker.calls").tag("outcome", "slow").functionCounter().count()).isEqualTo(1);
            assertThat(meters.get("seawall.breaker.calls").tag("outcome", "success").functionCounter().count()).isEqualTo(3);
            assertThat(breakerOf(filter, "reports").breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        }
    }

    @Test
    void aClientErrorIsNotAFailure() throws Exception {
        SeawallFilter filter = SeawallFilter.builder().yaml("breaker.yaml", """
                policies:
                  - name: api
                    paths: [/*]
                    circuit-breaker:
                      minimum-calls: 2
                      window: 4
                """).build();
        try (TestServer server = TestServer.programmatic(filter)) {
            for (int i = 0; i < 6; i++) {
                given().baseUri(server.uri()).get("/nothing-here-" + i);
            }
            assertThat(breakerOf(filter, "api").breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        }
    }

    @Test
    void standaloneCircuitBreakerFilterFromInitParams() throws Exception {
        GatedServlet app = new GatedServlet();
        CircuitBreakerFilter filter = new CircuitBreakerFilter();
        try (TestServer server = TestServer.programmatic(filter,
                Map.of("failure-rate", "50", "minimum-calls", "2", "window", "4", "open-for", "10s", "policy", "pay"),
                app, true, 50)) {
            given().baseUri(server.uri()).get("/error/1");
            given().baseUri(server.uri()).get("/error/2");
            Response r = given().baseUri(server.uri()).get("/error/3");
            RateLimitEndToEndTest.assertProblem(r, 503, "/service-unavailable");
            assertThat(r.jsonPath().getString("policy")).isEqualTo("pay");
            assertThat(filter.stage().breaker().state()).isEqualTo(CircuitBreaker.State.OPEN);
        }
    }
}
