package dev.seawall.jaxrs;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.event.RecordingListener;
import dev.seawall.core.event.Refusal;
import dev.seawall.core.event.SeawallListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Listeners given to the feature hear its YAML policies and its annotation policies, over a real socket. */
class ListenerRegistrationTest {

    @Path("/")
    @Produces(MediaType.TEXT_PLAIN)
    public static class Resources {
        @GET
        @Path("yaml")
        public String yaml() {
            return "yaml";
        }

        @GET
        @Path("annotated")
        @RateLimit(limit = "1/1m")
        public String annotated() {
            return "annotated";
        }
    }

    @TempDir
    java.nio.file.Path dir;

    private HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdownNow();
        }
    }

    private int get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @Test
    void yamlAndAnnotationRefusalsReachTheFeaturesListenersAndAThrowingOneBreaksNothing() throws Exception {
        java.nio.file.Path yaml = dir.resolve("seawall.yaml");
        Files.writeString(yaml, """
                policies:
                  - name: from-yaml
                    paths: [/yaml]
                    rate-limits:
                      - by: ip
                        limit: 1/1m
                """);
        SeawallListener broken = new SeawallListener() {
            @Override
            public void onRefusal(Refusal event) {
                throw new IllegalStateException("listener bug");
            }
        };
        RecordingListener events = new RecordingListener();
        ResourceConfig app = new ResourceConfig(Resources.class).register(new SeawallFeature(yaml.toString())
                .watch(null).meterRegistry(meters).listener(broken).listener(events));
        server = GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:0/"), app);
        String base = "http://127.0.0.1:" + server.getListeners().iterator().next().getPort();

        assertThat(get(base + "/yaml")).isEqualTo(200);
        assertThat(get(base + "/yaml")).isEqualTo(429);
        assertThat(get(base + "/annotated")).isEqualTo(200);
        assertThat(get(base + "/annotated")).isEqualTo(429);

        assertThat(events.of(Refusal.class)).hasSize(2).allSatisfy(r -> {
            assertThat(r.stage()).isEqualTo(StageKind.RATE_LIMIT);
            assertThat(r.status()).isEqualTo(429);
        });
        assertThat(events.of(Refusal.class).get(0).policy()).isEqualTo("from-yaml");
        assertThat(events.of(Refusal.class).get(1).policy()).isNotEqualTo("from-yaml");
        assertThat(meters.find("seawall.listener.failures").counters())
                .isNotEmpty().allSatisfy(c -> assertThat(c.getId().getTag("listener")).isNotBlank());
        assertThat(meters.find("seawall.listener.failures").counters().stream().mapToDouble(c -> c.count()).sum())
                .isEqualTo(2.0);
    }
}
