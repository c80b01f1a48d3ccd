package dev.seawall.e2e;

import dev.seawall.redis.EmbeddedRedis;
import dev.seawall.redis.RedisBucketStore;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two servers sharing one real Redis and one shared breaker ({@code circuit-breaker.shared: true}): the dependency
 * fails behind node A only, A's window opens the breaker, and node B, whose own calls all succeed, answers 503
 * breaker-open within a second, without calling its handler.
 */
class SharedBreakerRedisEndToEndTest {

    private EmbeddedRedis redis;
    private final List<TestServer> nodes = new ArrayList<>();
    private final List<SeawallFilter> filters = new ArrayList<>();
    private final Payments failing = new Payments(502);
    private final Payments healthy = new Payments(200);

    /** Answers its status and counts its runs. */
    static final class Payments extends HttpServlet {
        final int status;
        final AtomicInteger runs = new AtomicInteger();

        Payments(int status) {
            this.status = status;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            runs.incrementAndGet();
            resp.setStatus(status);
            resp.setContentType("application/json");
            resp.getWriter().write("{\"paid\":" + (status == 200) + "}");
        }
    }

    private String config() {
        return """
                store:
                  type: redis
                  uri: %s
                  key-salt: e2e-shared-breaker-salt-0123456789
                  backoff: 500ms
                policies:
                  - name: payments
                    paths: [/pay/*]
                    circuit-breaker:
                      minimum-calls: 5
                      window: 10
                      open-for: 30s
                      shared: true
                """.formatted(redis.uri());
    }

    @BeforeEach
    void start() throws Exception {
        redis = EmbeddedRedis.start();
        for (Payments app : List.of(failing, healthy)) {
            SeawallFilter filter = SeawallFilter.builder().yaml("seawall.yaml", config())
                    .meterRegistry(new SimpleMeterRegistry()).build();
            filters.add(filter);
            nodes.add(TestServer.programmatic(filter, app, 200));
        }
        for (SeawallFilter f : filters) {
            RedisBucketStore store = (RedisBucketStore) f.engine().store();
            await().atMost(Duration.ofSeconds(5)).until(store.sharedBreakers()::subscribed);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (TestServer n : nodes) {
            n.close();
        }
        redis.close();
    }

    private Response get(int node) {
        return given().baseUri(nodes.get(node).uri()).when().get("/pay/now");
    }

    @Test
    void aDependencyFailingBehindNodeAOpensTheBreakerOnNodeB() {
        assertThat(get(1).statusCode()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            assertThat(get(0).statusCode()).isEqualTo(502);
        }
        Response refusedOnA = get(0);
        assertThat(refusedOnA.statusCode()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .until(() -> get(1).statusCode() == 503);
        Response refused = get(1);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.header("Cache-Control")).contains("no-store");
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(refused.jsonPath().getString("breaker")).isEqualTo("payments");
        assertThat(refused.asString()).doesNotContain("Exception");
        // B's refusals never reach its handler; A's handler saw exactly the calls that opened the breaker
        int afterOpen = healthy.runs.get();
        assertThat(get(1).statusCode()).isEqualTo(503);
        assertThat(healthy.runs.get()).isEqualTo(afterOpen);
        assertThat(failing.runs.get()).isEqualTo(5);
    }
}
