package dev.seawall.e2e;

import dev.seawall.redis.EmbeddedRedis;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Safe rollouts on a real container: a rate limit in shadow mode refuses nothing while counting what it would
 * refuse; exempt networks (behind the trusted proxy), paths and roles are never limited; a request costing several
 * tokens spends them all, by method and from a request attribute an application filter sets. The client connects
 * from 127.0.0.1, which the configuration trusts as a proxy, so {@code X-Forwarded-For} picks the client.
 */
class ShadowExemptCostEndToEndTest {

    private static final String YAML = """
            trusted-proxies: [127.0.0.1]
            exempt:
              networks: [10.20.0.0/16, "2001:db8:e::/48"]
            policies:
              - name: shadow
                paths: [/shadow/*]
                rate-limits:
                  - by: ip
                    limit: 2/1m
                    mode: shadow
              - name: mixed
                paths: [/mixed/*]
                rate-limits:
                  - by: ip
                    name: trial
                    limit: 1/1m
                    mode: shadow
                  - by: ip
                    limit: 3/1m
              - name: guarded
                paths: [/guarded/*]
                rate-limits:
                  - by: ip
                    limit: 2/1m
                throttle: {max-concurrent: 8}
                exempt:
                  paths: [/guarded/health]
              - name: users
                paths: [/user/*]
                rate-limits:
                  - by: ip
                    limit: 1/1m
                exempt:
                  roles: [user]
              - name: costly
                paths: [/costly/*]
                rate-limits:
                  - by: ip
                    limit: 10/1m
                    cost: {POST: 4, attribute: app.cost}
            """;

    private static final AtomicInteger CLIENTS = new AtomicInteger();
    private static SimpleMeterRegistry meters;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        meters = new SimpleMeterRegistry();
        SeawallFilter seawall = SeawallFilter.builder().yaml("seawall.yaml", YAML).meterRegistry(meters).build();
        server = TestServer.stacked(List.of(Map.entry(new CostFilter(), Map.of()), Map.entry(seawall, Map.of())),
                new EchoServlet(), true, 200);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The application's own filter in front of Seawall: it prices a request by setting {@code app.cost}. */
    static final class CostFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String cost = ((HttpServletRequest) request).getHeader("X-Test-Cost");
            if (cost != null) {
                request.setAttribute("app.cost", cost.equals("big") ? (Object) 50 : Integer.valueOf(cost));
            }
            chain.doFilter(request, response);
        }
    }

    /** A client of the documentation range, distinct per call within the run. */
    private static String freshClient() {
        int n = CLIENTS.incrementAndGet();
        return "198.51." + (n / 250 + 1) + "." + (n % 250 + 1);
    }

    private static RequestSpecification from(String client) {
        return given().baseUri(server.uri()).header("X-Forwarded-For", client);
    }

    private static double decisions(String policy, String limit, String outcome) {
        return meters.get("seawall.ratelimit.decisions").tags("policy", policy, "limit", limit, "outcome", outcome)
                .functionCounter().count();
    }

    private static double exempt(String policy, String reason) {
        return meters.get("seawall.requests.exempt").tags("policy", policy, "reason", reason).functionCounter().count();
    }

    @Test
    void aShadowLimitNeverRefusesAndCountsWhatItWouldHaveRefused() {
        double before = decisions("shadow", "ip", "would-reject");
        String client = freshClient();
        for (int i = 0; i < 6; i++) {
            Response r = from(client).get("/shadow/items");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.header("RateLimit")).as("nothing is said about a limit that is not enforced").isNull();
            assertThat(r.header("RateLimit-Policy")).isNull();
            assertThat(r.header("Retry-After")).isNull();
        }
        assertThat(decisions("shadow", "ip", "would-reject") - before).isEqualTo(4);
    }

    @Test
    void aShadowLimitBesideAnEnforcedOneLeavesTheEnforcedOneInCharge() {
        double before = decisions("mixed", "trial", "would-reject");
        String client = freshClient();
        for (int i = 0; i < 3; i++) {
            Response ok = from(client).get("/mixed/items");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).isEqualTo("\"ip\";q=3;w=60");
        }
        Response refused = from(client).get("/mixed/items");
        RateLimitEndToEndTest.assertProblem(refused, 429, "/quota-exceeded");
        assertThat(refused.jsonPath().getString("limit")).isEqualTo("ip");
        assertThat(decisions("mixed", "trial", "would-reject") - before).isEqualTo(3);
    }

    @Test
    void anExemptNetworkBehindTheTrustedProxyIsNeverLimitedAndAForgedOneIs() {
        double before = exempt("guarded", "network");
        for (int i = 0; i < 6; i++) {
            assertThat(from("10.20.3.4").get("/guarded/items").statusCode()).isEqualTo(200);
            assertThat(from("2001:db8:e::7").get("/guarded/items").statusCode()).isEqualTo(200);
        }
        assertThat(exempt("guarded", "network") - before).isEqualTo(12);
        String outsider = freshClient();
        // the client wrote the exempt address itself; the trusted proxy appended the real one
        for (int i = 0; i < 2; i++) {
            assertThat(from("10.20.3.4, " + outsider).get("/guarded/items").statusCode()).isEqualTo(200);
        }
        assertThat(from("10.20.3.4, " + outsider).get("/guarded/items").statusCode()).isEqualTo(429);
    }

    @Test
    void anExemptPathIsNeverLimitedWhileItsNeighboursAre() {
        String client = freshClient();
        double before = exempt("guarded", "path");
        for (int i = 0; i < 6; i++) {
            Response health = from(client).get("/guarded/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.header("RateLimit")).isNull();
        }
        assertThat(exempt("guarded", "path") - before).isEqualTo(6);
        assertThat(from(client).get("/guarded/items").statusCode()).isEqualTo(200);
        assertThat(from(client).get("/guarded/items").statusCode()).isEqualTo(200);
        assertThat(from(client).get("/guarded/items").statusCode()).isEqualTo(429);
    }

    @Test
    void anExemptRoleOfTheContainerIsNeverLimited() {
        String client = freshClient();
        double before = exempt("users", "role");
        for (int i = 0; i < 4; i++) {
            assertThat(from(client).auth().preemptive().basic("alice", "alice-pw").get("/user/me").statusCode())
                    .isEqualTo(200);
        }
        assertThat(exempt("users", "role") - before).isEqualTo(4);
    }

    @Test
    void aPostSpendsItsMethodCostAndTheHeadersCountInTokens() {
        String client = freshClient();
        assertThat(from(client).post("/costly/items").header("RateLimit")).startsWith("\"ip\";r=6;");
        assertThat(from(client).post("/costly/items").header("RateLimit")).startsWith("\"ip\";r=2;");
        Response refused = from(client).post("/costly/items");
        RateLimitEndToEndTest.assertProblem(refused, 429, "/quota-exceeded");
        assertThat(Long.parseLong(refused.header("Retry-After"))).as("two tokens short, one every 6 s")
                .isBetween(11L, 13L);
        assertThat(refused.header("RateLimit")).startsWith("\"ip\";r=2;");
        assertThat(from(client).get("/costly/items").header("RateLimit")).as("a GET costs one")
                .startsWith("\"ip\";r=1;");
    }

    @Test
    void theApplicationPricesARequestThroughARequestAttribute() {
        String client = freshClient();
        assertThat(from(client).header("X-Test-Cost", "7").get("/costly/items").header("RateLimit"))
                .startsWith("\"ip\";r=3;");
        Response tooBig = from(freshClient()).header("X-Test-Cost", "big").get("/costly/items");
        RateLimitEndToEndTest.assertProblem(tooBig, 429, "/quota-exceeded");
        assertThat(tooBig.header("Retry-After")).as("waiting cannot help").isNull();
        assertThat(tooBig.jsonPath().getString("detail")).contains("costs more tokens than the rate limit 'ip'");
    }

    @Test
    void withTheRedisStoreShadowSpendsNothingItLacksAndACostTakesEveryToken() throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            SeawallFilter filter = SeawallFilter.builder().yaml("seawall.yaml", """
                    trusted-proxies: [127.0.0.1]
                    store:
                      type: redis
                      uri: %s
                      key-salt: e2e-rollout-salt-0123456789
                      timeout: 2s
                      on-failure: deny
                    policies:
                      - name: shared
                        paths: [/shared/*]
                        rate-limits:
                          - by: ip
                            name: trial
                            limit: 2/1h
                            mode: shadow
                          - by: ip
                            limit: 10/1h
                            cost: {POST: 4}
                    """.formatted(redis.uri())).meterRegistry(registry).build();
            TestServer node = TestServer.programmatic(filter);
            try {
                String client = freshClient();
                RequestSpecification spec = given().baseUri(node.uri()).header("X-Forwarded-For", client);
                assertThat(spec.post("/shared/x").header("RateLimit")).startsWith("\"ip\";r=6;");
                assertThat(spec.post("/shared/x").header("RateLimit")).startsWith("\"ip\";r=2;");
                Response refused = spec.post("/shared/x");
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(refused.header("RateLimit")).startsWith("\"ip\";r=2;");
                assertThat(spec.get("/shared/x").statusCode()).isEqualTo(200);
                assertThat(spec.get("/shared/x").statusCode()).isEqualTo(200);
                assertThat(registry.get("seawall.ratelimit.decisions")
                        .tags("policy", "shared", "limit", "trial", "outcome", "would-reject").functionCounter()
                        .count()).as("the shadow limit's 2 tokens went to the first two requests").isEqualTo(3);
                assertThat(registry.get("seawall.store.calls").tag("outcome", "ok").counter().count()).isPositive();
            } finally {
                node.close();
            }
        }
    }
}
