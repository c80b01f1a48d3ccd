package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Programmatic registration, untrusted peers, legacy headers, stacked filters and start-up errors. */
class RegistrationEndToEndTest {

    private static final String PROGRAMMATIC = """
            headers:
              rate-limit: both
            policies:
              - name: api
                paths: [/api/*]
                methods: [GET, HEAD]
                rate-limits:
                  - by: ip
                    limit: 2/1m
              - name: writes
                paths: [/api/*]
                methods: [POST]
                rate-limits:
                  - by: ip
                    limit: 1/1m
            """;

    @Test
    void programmaticFilterIgnoresForwardedForFromAnUntrustedPeer() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SeawallFilter filter = SeawallFilter.builder().yaml("programmatic.yaml", PROGRAMMATIC)
                .meterRegistry(meters).build();
        try (TestServer server = TestServer.programmatic(filter)) {
            for (int i = 0; i < 2; i++) {
                Response ok = given().baseUri(server.uri()).header("X-Forwarded-For", "203.0.113." + i)
                        .when().get("/api/a");
                assertThat(ok.statusCode()).isEqualTo(200);
                // both: IETF and legacy headers
                assertThat(ok.header("RateLimit-Policy")).isEqualTo("\"ip\";q=2;w=60");
                assertThat(ok.header("X-RateLimit-Limit")).isEqualTo("2");
                assertThat(ok.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(1 - i));
                assertThat(ok.header("X-RateLimit-Reset")).matches("\\d+");
            }
            // a new X-Forwarded-For each time changes nothing: 127.0.0.1 is not a trusted proxy here
            Response r = given().baseUri(server.uri()).header("X-Forwarded-For", "203.0.113.77").when().get("/api/a");
            RateLimitEndToEndTest.assertProblem(r, 429, "/quota-exceeded");
            assertThat(r.jsonPath().getString("policy")).isEqualTo("api");

            // the POST-only policy of the same pattern has its own bucket
            assertThat(given().baseUri(server.uri()).when().post("/api/a").statusCode()).isEqualTo(200);
            Response post = given().baseUri(server.uri()).when().post("/api/a");
            assertThat(post.statusCode()).isEqualTo(429);
            assertThat(post.jsonPath().getString("policy")).isEqualTo("writes");

            // meters: decisions by policy, limit and outcome; no client identity in any tag
            assertThat(meters.get("seawall.ratelimit.decisions").tag("policy", "api").tag("outcome", "admitted")
                    .functionCounter().count()).isEqualTo(2.0);
            assertThat(meters.get("seawall.ratelimit.decisions").tag("policy", "api").tag("outcome", "rejected")
                    .functionCounter().count()).isEqualTo(1.0);
            assertThat(meters.get("seawall.ratelimit.tracked.keys").tag("policy", "api").gauge().value())
                    .isEqualTo(1.0);
            meters.getMeters().forEach(m -> m.getId().getTags().forEach(t ->
                    assertThat(t.getValue()).doesNotContain("127.0.0.1").doesNotContain("203.0.113")));
        }
    }

    @Test
    void userLimitWorksWithProgrammaticRegistrationAndContainerAuthentication() throws Exception {
        String yaml = """
                policies:
                  - name: me
                    paths: [/user/*]
                    rate-limits:
                      - by: user
                        limit: [1/1s, 3/1m]
                        on-missing: reject
                """;
        try (TestServer server = TestServer.programmatic(SeawallFilter.builder().yaml("users.yaml", yaml).build())) {
            Response ok = given().baseUri(server.uri()).auth().preemptive().basic("bob", "bob-pw").when().get("/user/x");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).isEqualTo("\"user\";q=1;w=1, \"user-2\";q=3;w=60");
            assertThat(ok.header("RateLimit")).matches("\"user\";r=0;t=\\d+");
            Response r = given().baseUri(server.uri()).auth().preemptive().basic("bob", "bob-pw").when().get("/user/x");
            RateLimitEndToEndTest.assertProblem(r, 429, "/quota-exceeded");
            assertThat(r.header("Retry-After")).isEqualTo("1");
        }
    }

    /** Status, problem members and rate-limit headers of one response, with timing-dependent parts masked. */
    private static String wire(Response r) {
        String rateLimit = r.header("RateLimit") == null ? "-" : r.header("RateLimit").replaceAll("t=\\d+", "t=*");
        String body = r.contentType().startsWith("application/problem+json")
                ? r.jsonPath().getString("type") + "|" + r.jsonPath().getString("policy") + "|"
                + r.jsonPath().getString("limit") + "|" + r.header("Cache-Control")
                : "app";
        return r.statusCode() + " " + r.header("RateLimit-Policy") + " " + rateLimit + " " + body;
    }

    @Test
    void stackedRateLimitFiltersBehaveLikeOneSeawallFilter() throws Exception {
        try (TestServer single = TestServer.webapp("webapps/webxml");
             TestServer stacked = TestServer.webapp("webapps/stacked")) {
            String client = "192.0.2." + (int) (Math.random() * 200 + 1);
            List<String> a = new ArrayList<>();
            List<String> b = new ArrayList<>();
            String key = "k-" + UUID.randomUUID();
            for (int i = 0; i < 8; i++) {
                String k = i < 6 ? key : key + i; // key exhausted after 2, then fresh keys on a refunded ip budget
                a.add(wire(given().baseUri(single.uri()).header("X-Forwarded-For", client).header("X-API-Key", k)
                        .when().get("/combined/x")));
                b.add(wire(given().baseUri(stacked.uri()).header("X-Forwarded-For", client).header("X-API-Key", k)
                        .when().get("/combined/x")));
            }
            assertThat(b).containsExactlyElementsOf(a);
            assertThat(a.get(2)).startsWith("429");
            assertThat(a.get(6)).startsWith("200");

            // a RateLimitFilter taking its limits from the YAML policy by-key
            List<String> c = new ArrayList<>();
            List<String> d = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                c.add(wire(given().baseUri(single.uri()).header("X-API-Key", key).when().get("/key/y")));
                d.add(wire(given().baseUri(stacked.uri()).header("X-API-Key", key).when().get("/key/y")));
            }
            assertThat(d).containsExactlyElementsOf(c);
            assertThat(c.get(2)).startsWith("429");
        }
    }

    @Test
    @ContainerIndependent
    void invalidConfigurationFailsStartUpNamingFileLineAndKey() {
        String yaml = """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 10/xyz
                """;
        SeawallFilter filter = SeawallFilter.builder().yaml("seawall.yaml", yaml).build();
        assertThatThrownBy(() -> filter.init(null))
                .isInstanceOf(ServletException.class)
                .hasMessage("seawall.yaml:6: policies[0].rate-limits[0].limit: \"10/xyz\" is not a rate"
                        + " (expected N/duration, like 100/1m)");
    }

    @Test
    @ContainerIndependent
    void aFallbackHandlerThatCannotBeUsedFailsStartUpNamingTheClass() {
        String yaml = """
                policies:
                  - name: reports
                    paths: [/reports/*]
                    timeout: 5s
                    fallback:
                      handler: %s
                """;
        assertThatThrownBy(() -> SeawallFilter.builder().yaml("seawall.yaml", yaml.formatted("com.example.Missing"))
                .build().init(null))
                .isInstanceOf(ServletException.class)
                .hasMessage("seawall.yaml:5: policy reports, fallback.handler: class com.example.Missing is not found"
                        + " on the application's class path");
        assertThatThrownBy(() -> SeawallFilter.builder().yaml("seawall.yaml", yaml.formatted("java.lang.String"))
                .build().init(null))
                .isInstanceOf(ServletException.class)
                .hasMessage("seawall.yaml:5: policy reports, fallback.handler: class java.lang.String does not"
                        + " implement dev.seawall.core.fallback.FallbackHandler");
    }

    @Test
    @ContainerIndependent
    void missingConfigurationFailsStartUpWithAClearMessage() {
        assertThatThrownBy(() -> new SeawallFilter().init(null))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("no configuration found");
    }
}
