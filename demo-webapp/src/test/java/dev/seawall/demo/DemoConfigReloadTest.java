package dev.seawall.demo;

import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The demo runs from an editable configuration file: edits are applied live, broken ones refused and shown. */
class DemoConfigReloadTest {

    private static final String TOKEN = "demo-reload-test-token-0123";

    @Test
    void anEditedLoginLimitIsAppliedAndABrokenEditIsRefusedWithItsLine(@TempDir Path dir) throws Exception {
        Path config = DemoServer.configFile(new String[] {"--config", dir.resolve("seawall.yaml").toString()});
        assertThat(Files.readString(config)).contains("name: login");
        try (DemoServer demo = DemoServer.start(0, TOKEN, System::currentTimeMillis, config)) {
            Response status = status(demo);
            assertThat(status.jsonPath().getBoolean("config.watching")).isTrue();
            assertThat(status.jsonPath().getString("config.source")).isEqualTo("seawall.yaml");

            String original = Files.readString(config);
            Files.writeString(config, original.replaceFirst("limit: 5/1m", "limit: 2/1m"));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> status(demo).jsonPath().getInt("config.reloads.applied") == 1);
            assertThat(login(demo)).isEqualTo(200);
            assertThat(login(demo)).isEqualTo(200);
            assertThat(login(demo)).as("the edited limit: 2 per minute").isEqualTo(429);

            Files.writeString(config, original.replaceFirst("limit: 5/1m", "limit: 5/xyz"));
            Response refused = given().baseUri(demo.uri()).header("Authorization", "Bearer " + TOKEN)
                    .post("/seawall/status?action=reload");
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(refused.jsonPath().getString("detail"))
                    .matches("seawall\\.yaml:\\d+: policies\\[0\\]\\.rate-limits\\[0\\]\\.limit: \"5/xyz\" is not a"
                            + " rate .*");
            assertThat(status(demo).jsonPath().getString("config.lastError")).contains("5/xyz");
            assertThat(login(demo)).as("the running configuration stays").isEqualTo(429);
        }
    }

    private static Response status(DemoServer demo) {
        return given().baseUri(demo.uri()).header("Authorization", "Bearer " + TOKEN).get("/seawall/status");
    }

    private static int login(DemoServer demo) {
        return given().baseUri(demo.uri()).when().post("/login").statusCode();
    }
}
