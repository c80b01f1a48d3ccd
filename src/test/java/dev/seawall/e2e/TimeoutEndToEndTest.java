package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Request timeouts on a real servlet container: the client is answered at the deadline whatever the handler does. */
class TimeoutEndToEndTest {

    private static SeawallFilter filter(String yaml) {
        return SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("timeout.yaml", yaml).build();
    }

    @Test
    void theClientIsAnsweredWhileAHandlerThatIgnoresInterruptsIsStillRunning() throws Exception {
        FlakyServlet app = new FlakyServlet();
        SeawallFilter f = filter("""
                policies:
                  - name: slow
                    paths: [/stubborn/*]
                    timeout: 300ms
                """);
        try (TestServer server = TestServer.programmatic(f, app, 20)) {
            Response r = given().baseUri(server.uri()).get("/stubborn/1");
            // the handler cannot have returned: it waits for a latch only the test opens, after this answer
            assertThat(app.returned.get()).isZero();
            RateLimitEndToEndTest.assertProblem(r, 503, "/timeout");
            assertThat(r.header("Retry-After")).isEqualTo("1");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(app.swallowedInterrupts.get()).as("the handler's thread was interrupted").isEqualTo(1);
            app.release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> app.returned.get() == 1);
            // nothing the handler wrote afterwards reached anyone; the server still answers normally
            Response next = given().baseUri(server.uri()).get("/stubborn/2");
            assertThat(next.statusCode()).isEqualTo(200);
            assertThat(next.asString()).startsWith("late answer");
        }
    }

    @Test
    void anInterruptibleHandlerIsFreedAndItsThreadComesBackWithoutTheInterruptFlag() throws Exception {
        FlakyServlet app = new FlakyServlet();
        SeawallFilter f = filter("""
                policies:
                  - name: slow
                    paths: [/polite/*, /data/*]
                    timeout: {after: 200ms, status: 504}
                """);
        try (TestServer server = TestServer.programmatic(f, app, 20)) {
            Response r = given().baseUri(server.uri()).get("/polite/1");
            RateLimitEndToEndTest.assertProblem(r, 504, "/timeout");
            assertThat(r.asString()).doesNotContain(FlakyServlet.SECRET);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.freed.get() == 1 && app.returned.get() == 1);
            // the pool's threads are reused; a leaked interrupt flag would break the next request's blocking I/O
            for (int i = 0; i < 30; i++) {
                assertThat(given().baseUri(server.uri()).get("/data/" + i).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void aHandlerThatFinishesInTimeIsUntouchedAndTheDeadlineIsARequestAttribute() throws Exception {
        FlakyServlet app = new FlakyServlet();
        SeawallFilter f = filter("""
                policies:
                  - name: fast
                    paths: [/data/*]
                    timeout: 30s
                """);
        try (TestServer server = TestServer.programmatic(f, app, 20)) {
            Response r = given().baseUri(server.uri()).header("X-API-Key", "k1").get("/data/1");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.asString()).isEqualTo("data 1 for k1");
            assertThat(r.header("ETag")).isEqualTo("\"v1\"");
            assertThat(r.contentType()).isEqualTo("text/plain;charset=utf-8");
            assertThat(r.header("X-Data-Source")).isNull();
            assertThat(r.header("X-Deadline")).as("the deadline is a request attribute (Instant)").isEqualTo("set");
        }
    }

    @Test
    void timeoutsCountAsBreakerFailuresAndAHalfOpenProbeClosesTheBreakerAgain() throws Exception {
        FlakyServlet app = new FlakyServlet();
        dev.seawall.core.time.ManualClock clock = new dev.seawall.core.time.ManualClock();
        // the breaker's clock is manual (open-for is stepped over), the deadlines keep real time
        SeawallFilter f = SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).clock(clock)
                .yaml("timeout.yaml", """
                        policies:
                          - name: payments
                            paths: [/polite/*, /data/*]
                            circuit-breaker: {failure-rate: 50, minimum-calls: 2, window: 4, open-for: 10s, half-open-calls: 1}
                        """).build();
        SeawallFilter timeouts = SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("t.yaml", """
                policies:
                  - name: payments-timeout
                    paths: [/polite/*, /data/*]
                    timeout: 200ms
                """).build();
        try (TestServer server = TestServer.stacked(java.util.List.of(java.util.Map.entry(f, java.util.Map.of()),
                java.util.Map.entry(timeouts, java.util.Map.of())), app, true, 20)) {
            RateLimitEndToEndTest.assertProblem(given().baseUri(server.uri()).get("/polite/1"), 503, "/timeout");
            RateLimitEndToEndTest.assertProblem(given().baseUri(server.uri()).get("/polite/2"), 503, "/timeout");
            await().atMost(Duration.ofSeconds(10)).until(() -> app.returned.get() == 2);
            int calls = app.calls.get();
            RateLimitEndToEndTest.assertProblem(given().baseUri(server.uri()).get("/data/1"), 503,
                    "/service-unavailable");
            assertThat(app.calls.get()).as("open after two timeouts: the application is not called").isEqualTo(calls);
            clock.advance(Duration.ofSeconds(11));
            Response probe = given().baseUri(server.uri()).get("/data/2");
            assertThat(probe.statusCode()).as("the half-open probe reaches the application").isEqualTo(200);
            // the client can read the probe's answer a moment before the filter records its outcome
            dev.seawall.core.breaker.Breaker breaker = ((dev.seawall.core.breaker.BreakerStage) f.engine()
                    .policy("payments").chain().stage(dev.seawall.core.chain.StageKind.CIRCUIT_BREAKER)).breaker();
            await().atMost(Duration.ofSeconds(10)).until(() -> "CLOSED".equals(breaker.state().name()));
            assertThat(given().baseUri(server.uri()).get("/data/3").statusCode()).as("closed again").isEqualTo(200);
        }
    }
}
