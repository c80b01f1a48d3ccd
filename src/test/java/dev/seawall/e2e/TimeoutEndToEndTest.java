package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Request timeouts on a real Jetty: the client is answered at the deadline whatever the handler does. */
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
        }
    }
}
