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

    /** What a server's observation support does: one observation in scope from the first filter to the response. */
    @jakarta.annotation.Priority(100)
    public static class ServerObservation implements jakarta.ws.rs.container.ContainerRequestFilter,
            jakarta.ws.rs.container.ContainerResponseFilter {
        private final io.micrometer.observation.ObservationRegistry registry;

        ServerObservation(io.micrometer.observation.ObservationRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void filter(jakarta.ws.rs.container.ContainerRequestContext request) {
            io.micrometer.observation.Observation o = io.micrometer.observation.Observation.start("server", registry);
            request.setProperty("observation", o);
            request.setProperty("scope", o.openScope());
        }

        @Override
        public void filter(jakarta.ws.rs.container.ContainerRequestContext request,
                           jakarta.ws.rs.container.ContainerResponseContext response) {
            ((io.micrometer.observation.Observation.Scope) request.getProperty("scope")).close();
            ((io.micrometer.observation.Observation) request.getProperty("observation")).stop();
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
    void theFeaturesObservationRegistryGetsTheDecisionsOfAnnotationPolicies() throws Exception {
        io.micrometer.observation.ObservationRegistry observations = io.micrometer.observation.ObservationRegistry
                .create();
        java.util.List<io.micrometer.observation.Observation.Context> stopped =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        observations.observationConfig().observationHandler(
                new io.micrometer.observation.ObservationHandler<io.micrometer.observation.Observation.Context>() {
                    @Override
                    public void onStop(io.micrometer.observation.Observation.Context context) {
                        stopped.add(context);
                    }

                    @Override
                    public boolean supportsContext(io.micrometer.observation.Observation.Context context) {
                        return true;
                    }
                });
        ResourceConfig app = new ResourceConfig(Resources.class).register(new ServerObservation(observations))
                .register(new SeawallFeature().meterRegistry(meters).observationRegistry(observations));
        server = GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:0/"), app);
        String base = "http://127.0.0.1:" + server.getListeners().iterator().next().getPort();

        assertThat(get(base + "/annotated")).isEqualTo(200);
        assertThat(get(base + "/annotated")).isEqualTo(429);

        org.awaitility.Awaitility.await().until(() -> stopped.size() == 2);
        assertThat(stopped).extracting(c -> c.getHighCardinalityKeyValue("seawall.outcome").getValue())
                .containsExactlyInAnyOrder("allowed", "rate-limited");
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
