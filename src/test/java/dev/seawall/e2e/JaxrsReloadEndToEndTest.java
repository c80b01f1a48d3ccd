package dev.seawall.e2e;

import dev.seawall.core.LiveSeawall;
import dev.seawall.jaxrs.RateLimit;
import dev.seawall.jaxrs.SeawallFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The JAX-RS feature reloads its YAML file like the servlet filter; annotation stages keep their state. */
class JaxrsReloadEndToEndTest {

    @Path("/")
    public static class Resources {
        @GET
        @Path("yaml")
        public String yaml() {
            return "yaml";
        }

        @GET
        @Path("annotated")
        @RateLimit(limit = "3/1h")
        public String annotated() {
            return "annotated";
        }
    }

    private static String config(String limit) {
        return """
                policies:
                  - name: jersey-yaml
                    paths: [/api/yaml]
                    rate-limits:
                      - {by: ip, limit: %s}
                """.formatted(limit);
    }

    private static int get(TestServer s, String path) {
        return given().baseUri(s.uri()).when().get("/api" + path).statusCode();
    }

    @Test
    void aWatchedFileReplacesTheYamlPoliciesAndAnnotationStagesKeepTheirState(@TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("seawall.yaml");
        Files.writeString(file, config("2/1h"));
        SeawallFeature feature = new SeawallFeature(file.toString()).meterRegistry(new SimpleMeterRegistry())
                .watch(Duration.ofMillis(200));
        try (TestServer s = TestServer.jersey(new ResourceConfig(Resources.class).register(feature), List.of(), 40)) {
            assertThat(get(s, "/yaml")).isEqualTo(200);
            assertThat(get(s, "/yaml")).isEqualTo(200);
            assertThat(get(s, "/yaml")).isEqualTo(429);
            assertThat(get(s, "/annotated")).isEqualTo(200);
            assertThat(get(s, "/annotated")).isEqualTo(200);

            Files.writeString(file, config("4/1h"));
            await().atMost(Duration.ofSeconds(20)).until(() -> feature.live().status().applied() == 1);
            for (int i = 0; i < 4; i++) {
                assertThat(get(s, "/yaml")).as("the new limit, a fresh bucket").isEqualTo(200);
            }
            assertThat(get(s, "/yaml")).isEqualTo(429);
            assertThat(get(s, "/annotated")).as("the annotation's bucket kept its one token").isEqualTo(200);
            assertThat(get(s, "/annotated")).isEqualTo(429);

            Files.writeString(file, config("4/oops"));
            LiveSeawall.Result refused = feature.live().reload();
            assertThat(refused.outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
            assertThat(refused.message()).startsWith("seawall.yaml:5: policies[0].rate-limits[0].limit:");
            assertThat(get(s, "/yaml")).as("the running configuration stays").isEqualTo(429);
        }
    }
}
