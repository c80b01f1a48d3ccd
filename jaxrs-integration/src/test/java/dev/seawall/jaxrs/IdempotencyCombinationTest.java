package dev.seawall.jaxrs;

import dev.seawall.core.Seawall;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.policy.Policy;
import dev.seawall.jaxrs.InMemoryJersey.Answer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which idempotency a request gets when a YAML policy and {@link Idempotent} meet: the YAML policy's
 * {@code idempotency} replaces the annotation, the annotation applies under a YAML policy that configures none, and
 * behind a Seawall servlet filter the keys are skipped only when that filter held the request's key
 * ({@link MethodGuard#KEYS_HELD_ATTRIBUTE}), not merely because it applied the policy ({@link Policy#APPLIED_ATTRIBUTE}).
 */
class IdempotencyCombinationTest {

    static final AtomicInteger RUNS = new AtomicInteger();

    private ApplicationHandler app;

    @Path("/")
    @Produces(MediaType.TEXT_PLAIN)
    public static class Resources {
        @POST
        @Path("yaml-only")
        public String yamlOnly() {
            return "run " + RUNS.incrementAndGet();
        }

        @POST
        @Path("both")
        @Idempotent(header = "X-Annotation-Key")
        public String both() {
            return "run " + RUNS.incrementAndGet();
        }

        @POST
        @Path("annotated")
        @Idempotent(header = "X-Annotation-Key")
        public String annotated() {
            return "run " + RUNS.incrementAndGet();
        }
    }

    @BeforeEach
    void start() {
        RUNS.set(0);
        Seawall engine = Seawall.builder().yaml("seawall.yaml", """
                policies:
                  - name: keys
                    paths: [/yaml-only, /both]
                    idempotency:
                      header: X-Yaml-Key
                  - name: limits
                    paths: [/annotated]
                    rate-limits:
                      - by: ip
                        limit: 100/1m
                """).build();
        app = new ApplicationHandler(new ResourceConfig(Resources.class).register(new SeawallFeature(engine)
                .meterRegistry(new SimpleMeterRegistry()).remoteAddress(request -> "127.0.0.1")));
    }

    @AfterEach
    void stop() {
        app.onShutdown(null);
    }

    private Answer post(String path, Map<String, Object> properties, String... headers) throws Exception {
        return InMemoryJersey.send(app, path, null, new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8)),
                properties, headers).get(20, TimeUnit.SECONDS);
    }

    private static boolean replayed(Answer a) {
        return "true".equals(a.header(IdempotencyGuard.REPLAYED));
    }

    @Test
    void theYamlPolicysKeysProtectAResourceWithoutAnnotations() throws Exception {
        assertThat(post("/yaml-only", Map.of(), "X-Yaml-Key", "\"y\"").text()).isEqualTo("run 1");
        Answer again = post("/yaml-only", Map.of(), "X-Yaml-Key", "\"y\"");
        assertThat(again.text()).isEqualTo("run 1");
        assertThat(replayed(again)).isTrue();
    }

    @Test
    void theYamlPolicysIdempotencyReplacesTheAnnotation() throws Exception {
        assertThat(post("/both", Map.of(), "X-Yaml-Key", "\"b\"").text()).isEqualTo("run 1");
        assertThat(replayed(post("/both", Map.of(), "X-Yaml-Key", "\"b\""))).isTrue();
        assertThat(post("/both", Map.of(), "X-Annotation-Key", "\"b\"").text()).as("the annotation's header is not read")
                .isEqualTo("run 2");
        assertThat(post("/both", Map.of(), "X-Annotation-Key", "\"b\"").text()).isEqualTo("run 3");
    }

    @Test
    void theAnnotationAppliesUnderAYamlPolicyThatConfiguresNoKeysAlongsideItsStages() throws Exception {
        Answer first = post("/annotated", Map.of(), "X-Annotation-Key", "\"a\"");
        assertThat(first.text()).isEqualTo("run 1");
        assertThat(first.header("RateLimit-Policy")).as("the YAML policy's limit ran").contains("q=100");
        Answer again = post("/annotated", Map.of(), "X-Annotation-Key", "\"a\"");
        assertThat(replayed(again)).isTrue();
        assertThat(again.header("RateLimit-Policy")).as("a replay spends no token and carries none of its headers")
                .isNull();
    }

    @Test
    void behindAServletFilterThatHeldTheKeyItIsNotCheckedAgain() throws Exception {
        Map<String, Object> held = Map.of(Policy.APPLIED_ATTRIBUTE, "keys", MethodGuard.KEYS_HELD_ATTRIBUTE, true);
        assertThat(post("/yaml-only", held, "X-Yaml-Key", "\"f\"").text()).isEqualTo("run 1");
        assertThat(post("/yaml-only", held, "X-Yaml-Key", "\"f\"").text()).isEqualTo("run 2");
        assertThat(post("/both", held, "X-Annotation-Key", "\"f\"").text())
                .as("the annotation the YAML policy replaced stays replaced").isEqualTo("run 3");
        assertThat(post("/both", held, "X-Annotation-Key", "\"f\"").text()).isEqualTo("run 4");

        Map<String, Object> limitsHeld = Map.of(Policy.APPLIED_ATTRIBUTE, "limits",
                MethodGuard.KEYS_HELD_ATTRIBUTE, true);
        assertThat(post("/annotated", limitsHeld, "X-Annotation-Key", "\"g\"").text()).isEqualTo("run 5");
        assertThat(post("/annotated", limitsHeld, "X-Annotation-Key", "\"g\"").text())
                .as("a servlet filter held this request's key: never claimed twice").isEqualTo("run 6");
    }

    @Test
    void behindAServletFilterThatAppliedThePolicyWithoutHoldingTheKeyTheKeysAreCheckedHere() throws Exception {
        // a standalone filter in config + policy mode applies one stage of the policy and holds no key
        Map<String, Object> applied = Map.of(Policy.APPLIED_ATTRIBUTE, "keys");
        assertThat(post("/yaml-only", applied, "X-Yaml-Key", "\"f\"").text()).isEqualTo("run 1");
        Answer again = post("/yaml-only", applied, "X-Yaml-Key", "\"f\"");
        assertThat(replayed(again)).as("the YAML policy's keys").isTrue();
        assertThat(again.text()).isEqualTo("run 1");
        assertThat(post("/both", applied, "X-Yaml-Key", "\"b\"").text()).isEqualTo("run 2");
        assertThat(replayed(post("/both", applied, "X-Yaml-Key", "\"b\""))).isTrue();

        Map<String, Object> limitsApplied = Map.of(Policy.APPLIED_ATTRIBUTE, "limits");
        assertThat(post("/annotated", limitsApplied, "X-Annotation-Key", "\"g\"").text()).isEqualTo("run 3");
        Answer annotated = post("/annotated", limitsApplied, "X-Annotation-Key", "\"g\"");
        assertThat(replayed(annotated)).as("the annotation's keys").isTrue();
        assertThat(annotated.header("RateLimit-Policy")).as("the filter applied the limit: not applied again")
                .isNull();
        assertThat(RUNS).hasValue(3);
    }
}
