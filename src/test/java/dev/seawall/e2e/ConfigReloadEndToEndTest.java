package dev.seawall.e2e;

import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Configuration reload on a real servlet container: the file watched, the admin action, state kept, bad versions
 * refused.
 */
class ConfigReloadEndToEndTest {

    private static final String TOKEN = "reload-test-token-0123456789";

    @TempDir
    Path dir;
    private TestServer server;

    private static String config(String apiLimit, String otherLimit) {
        return """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: %s
                  - name: other
                    paths: [/other/*]
                    rate-limits:
                      - by: ip
                        limit: %s
                """.formatted(apiLimit, otherLimit);
    }

    private Path start(String text, String watch) throws Exception {
        Path file = dir.resolve("seawall.yaml");
        Files.writeString(file, text);
        server = TestServer.withStatus(Map.of("config", file.toString(), "watch", watch), TOKEN);
        return file;
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private int get(String path) {
        return given().baseUri(server.uri()).when().get(path).statusCode();
    }

    private Response reload() {
        return given().baseUri(server.uri()).header("Authorization", "Bearer " + TOKEN)
                .when().post("/seawall/status?action=reload");
    }

    @Test
    void theAdminReloadKeepsAPartlyUsedBucketAndAppliesAChangedLimit() throws Exception {
        Path file = start(config("5/1m", "3/1m"), "off");
        for (int i = 0; i < 3; i++) {
            assertThat(get("/api/a")).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(get("/other/a")).isEqualTo(200);
        }
        assertThat(get("/other/a")).isEqualTo(429);

        Files.writeString(file, config("5/1m", "6/1m"));
        Response r = reload();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.header("X-Seawall-Reload")).isEqualTo("applied");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.jsonPath().getInt("config.reloads.applied")).isEqualTo(1);
        assertThat(r.jsonPath().getString("config.loadedAt")).isNotBlank();

        assertThat(get("/api/a")).isEqualTo(200);
        assertThat(get("/api/a")).isEqualTo(200);
        assertThat(get("/api/a")).as("the api bucket kept its 2 remaining tokens").isEqualTo(429);
        for (int i = 0; i < 6; i++) {
            assertThat(get("/other/a")).as("the changed limit starts afresh").isEqualTo(200);
        }
        assertThat(get("/other/a")).isEqualTo(429);
        assertThat(reload().header("X-Seawall-Reload")).isEqualTo("unchanged");
    }

    @Test
    void aBrokenFileIsRefusedWithItsLineAndTheRunningConfigurationStays() throws Exception {
        Path file = start(config("5/1m", "3/1m"), "off");
        Files.writeString(file, config("5/1m", "3/xyz"));
        Response r = reload();
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.jsonPath().getString("detail")).isEqualTo("seawall.yaml:11: policies[1].rate-limits[0].limit:"
                + " \"3/xyz\" is not a rate (expected N/duration, like 100/1m)");
        assertThat(r.asString()).doesNotContain("Exception").doesNotContain("at dev.");
        for (int i = 0; i < 3; i++) {
            assertThat(get("/other/a")).isEqualTo(200);
        }
        assertThat(get("/other/a")).isEqualTo(429);
        Response status = given().baseUri(server.uri()).header("Authorization", "Bearer " + TOKEN)
                .when().get("/seawall/status");
        assertThat(status.jsonPath().getString("config.lastError")).contains("3/xyz");
        assertThat(status.jsonPath().getInt("config.reloads.refused")).isEqualTo(1);
    }

    @Test
    void theReloadActionIsProtected() throws Exception {
        start(config("5/1m", "3/1m"), "off");
        Response r = given().baseUri(server.uri()).when().post("/seawall/status?action=reload");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(given().baseUri(server.uri()).header("Authorization", "Bearer wrong-token-0123456789")
                .when().post("/seawall/status?action=reload").statusCode()).isEqualTo(401);
    }

    @Test
    void aWatchedFileIsReloadedWhenItChanges() throws Exception {
        Path file = start(config("5/1m", "1/1m"), "200ms");
        assertThat(get("/other/a")).isEqualTo(200);
        assertThat(get("/other/a")).isEqualTo(429);
        Files.writeString(file, config("5/1m", "4/1m") + "# edited\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/other/b") == 200);
        Response status = given().baseUri(server.uri()).header("Authorization", "Bearer " + TOKEN)
                .when().get("/seawall/status");
        assertThat(status.jsonPath().getBoolean("config.watching")).isTrue();
        assertThat(status.jsonPath().getInt("config.reloads.applied")).isEqualTo(1);
    }

    @Test
    void requestsDuringReloadsAreAllAnsweredByOneConfigurationOrTheOther() throws Exception {
        Path file = start(config("100000/1m", "3/1m"), "off");
        String a = config("100000/1m", "3/1m");
        String b = config("100000/1m", "4/1m");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicBoolean stop = new AtomicBoolean();
        Set<Integer> statuses = ConcurrentHashMap.newKeySet();
        AtomicInteger sent = new AtomicInteger();
        try {
            Future<?>[] clients = new Future<?>[4];
            for (int t = 0; t < clients.length; t++) {
                clients[t] = pool.submit(() -> {
                    while (!stop.get()) {
                        statuses.add(get(sent.incrementAndGet() % 2 == 0 ? "/api/x" : "/other/x"));
                    }
                });
            }
            for (int i = 0; i < 20; i++) {
                Files.writeString(file, i % 2 == 0 ? b : a);
                assertThat(reload().statusCode()).isEqualTo(200);
            }
            stop.set(true);
            for (Future<?> f : clients) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(sent.get()).isGreaterThan(20);
        assertThat(statuses).isSubsetOf(200, 429);
    }
}
