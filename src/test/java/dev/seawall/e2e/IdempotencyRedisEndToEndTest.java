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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two nodes sharing one real Redis for their idempotency keys: a POST runs once whichever node each copy reaches; a
 * node that hangs (or dies) mid-request holds its key only for its lease; Redis stopped, under each {@code on-failure}.
 */
class IdempotencyRedisEndToEndTest {

    private EmbeddedRedis redis;
    private final List<TestServer> nodes = new ArrayList<>();
    private final List<SeawallFilter> filters = new ArrayList<>();
    private final Orders app = new Orders();

    /**
     * Counts its runs; the first run of {@code /orders/held} waits for {@link #release} (ignoring interrupts, as a
     * handler stuck in a driver would), every other run answers at once. Each answer names its run, so a replay is told apart
     * from a second run.
     */
    static final class Orders extends HttpServlet {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            byte[] body = req.getInputStream().readAllBytes();
            int run = runs.incrementAndGet();
            if (req.getRequestURI().endsWith("/held") && entered.getCount() > 0) {
                // only the first run is stuck; it ignores interrupts, and gives up after a minute at the latest
                entered.countDown();
                long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                while (release.getCount() > 0 && System.nanoTime() < end) {
                    try {
                        release.await(1, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        // a stuck handler keeps waiting
                    }
                }
            }
            resp.setStatus(201);
            resp.setContentType("application/json");
            resp.setHeader("Location", "/orders/" + run);
            resp.addHeader("Set-Cookie", "session=s" + run);
            resp.getOutputStream().write(("{\"run\":" + run + ",\"bytes\":" + body.length + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private String config(String timeout) {
        return """
                trusted-proxies: [127.0.0.1]
                store:
                  type: redis
                  uri: %s
                  key-salt: e2e-idempotency-salt-0123456789
                  timeout: %s
                  backoff: 500ms
                policies:
                  - name: orders
                    paths: [/orders/*]
                    idempotency: {lease: 2s}
                  - name: local
                    paths: [/local/*]
                    idempotency: {on-failure: local}
                  - name: allow
                    paths: [/allow/*]
                    idempotency: {on-failure: allow}
                  - name: deny
                    paths: [/deny/*]
                    idempotency: {on-failure: deny}
                """.formatted(redis.uri(), timeout);
    }

    @BeforeEach
    void startRedis() {
        redis = EmbeddedRedis.start();
    }

    private void startNodes(String timeout) throws Exception {
        for (int i = 0; i < 2; i++) {
            SeawallFilter filter = SeawallFilter.builder().yaml("seawall.yaml", config(timeout))
                    .meterRegistry(new SimpleMeterRegistry()).build();
            filters.add(filter);
            nodes.add(TestServer.programmatic(filter, app, 200));
        }
    }

    @AfterEach
    void stop() throws Exception {
        app.release.countDown();
        for (TestServer n : nodes) {
            n.close();
        }
        redis.close();
    }

    private Response post(int node, String path, String key, String body) {
        return given().baseUri(nodes.get(node).uri()).header("X-Forwarded-For", "198.51.100.4")
                .header("Idempotency-Key", "\"" + key + "\"").contentType("application/json").body(body)
                .when().post(path);
    }

    private RedisBucketStore store(int node) {
        return (RedisBucketStore) filters.get(node).engine().store();
    }

    @Test
    void fiftyCopiesOverTwoNodesRunOnceAndEveryRepeatGetsTheSameBytes() throws Exception {
        startNodes("2s");
        int n = 50;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Response> answers = new ArrayList<>();
        try {
            List<Future<Response>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int node = i % 2;
                all.add(pool.submit(() -> {
                    start.await();
                    return post(node, "/orders/new", "order-1", "{\"qty\":1}");
                }));
            }
            start.countDown();
            for (Future<Response> f : all) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(app.runs.get()).as("the handler ran once across both nodes").isEqualTo(1);
        List<Response> created = answers.stream().filter(r -> r.statusCode() == 201).toList();
        assertThat(created.stream().filter(r -> r.header("Idempotent-Replayed") == null)).hasSize(1);
        for (Response r : answers) {
            assertThat(r.statusCode()).isIn(201, 409);
            if (r.statusCode() == 409) {
                assertThat(r.header("Retry-After")).isEqualTo("1");
                assertThat(r.contentType()).startsWith("application/problem+json");
            }
        }
        // after the first finished, every repeat on either node is its answer, byte for byte, and no cookie
        Response live = created.stream().filter(r -> r.header("Idempotent-Replayed") == null).findFirst().orElseThrow();
        for (int node = 0; node < 2; node++) {
            Response replay = post(node, "/orders/new", "order-1", "{\"qty\":1}");
            assertThat(replay.statusCode()).isEqualTo(201);
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(replay.asByteArray()).isEqualTo(live.asByteArray());
            assertThat(replay.header("Location")).isEqualTo(live.header("Location"));
            assertThat(replay.header("Content-Type")).isEqualTo(live.header("Content-Type"));
            assertThat(replay.header("Set-Cookie")).isNull();
            assertThat(Integer.parseInt(replay.header("Idempotency-Key-Lifetime"))).isBetween(86_000, 86_400);
        }
        // the same key on a different body, on the other node: 422
        assertThat(post(1, "/orders/new", "order-1", "{\"qty\":2}").statusCode()).isEqualTo(422);
        assertThat(app.runs.get()).isEqualTo(1);
    }

    @Test
    void aNodeStuckMidRequestHoldsTheKeyOnlyForItsLease() throws Exception {
        startNodes("2s");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Response> stuck = pool.submit(() -> post(0, "/orders/held", "order-2", "{}"));
            assertThat(app.entered.await(30, TimeUnit.SECONDS)).isTrue();
            // node 0 is as good as dead: its handler never returns within the lease
            assertThat(post(1, "/orders/held", "order-2", "{}").statusCode()).isEqualTo(409);
            // once the lease ended, the other node runs the request (the first may or may not have had its effect)
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> app.runs.get() == 2 || post(1, "/orders/held", "order-2", "{}").statusCode() != 409);
            assertThat(app.runs.get()).isEqualTo(2);
            app.release.countDown();
            assertThat(stuck.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        } finally {
            pool.shutdownNow();
        }
        // the late answer of the stuck node never overwrote the second run's answer
        Response replay = post(0, "/orders/held", "order-2", "{}");
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.asString()).contains("\"run\":2");
    }

    @Test
    void redisStoppedFollowsEachPolicysOnFailureAndSharingResumes() throws Exception {
        startNodes("300ms");
        redis.stop();
        // local: each node keeps the key in its own JVM while Redis is down
        assertThat(post(0, "/local/x", "k-local", "{}").statusCode()).isEqualTo(201);
        Response again = post(0, "/local/x", "k-local", "{}");
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(app.runs.get()).isEqualTo(1);
        // allow: runs without protection
        assertThat(post(0, "/allow/x", "k-allow", "{}").statusCode()).isEqualTo(201);
        assertThat(post(0, "/allow/x", "k-allow", "{}").statusCode()).isEqualTo(201);
        assertThat(app.runs.get()).isEqualTo(3);
        // deny: refused with a problem, the application never runs
        Response denied = post(1, "/deny/x", "k-deny", "{}");
        assertThat(denied.statusCode()).isEqualTo(503);
        assertThat(denied.header("Retry-After")).isEqualTo("1");
        assertThat(denied.header("Cache-Control")).contains("no-store");
        assertThat(denied.asString()).contains("idempotency-store-unavailable").doesNotContain("Exception")
                .doesNotContain("redis");
        assertThat(app.runs.get()).isEqualTo(3);

        redis.startAgain();
        // each node's store probes Redis again after its back-off
        for (int node = 0; node < 2; node++) {
            int n = node;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> post(n, "/deny/x", "k-deny-" + System.nanoTime(), "{}").statusCode() == 201);
        }
        int before = app.runs.get();
        assertThat(post(0, "/deny/x", "k-after", "{}").statusCode()).isEqualTo(201);
        Response shared = post(1, "/deny/x", "k-after", "{}");
        assertThat(shared.header("Idempotent-Replayed")).as("shared again across nodes").isEqualTo("true");
        assertThat(app.runs.get()).isEqualTo(before + 1);
        assertThat(store(0).up()).isTrue();
    }
}
