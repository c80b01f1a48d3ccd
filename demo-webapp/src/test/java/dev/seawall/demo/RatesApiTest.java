package dev.seawall.demo;

import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's JAX-RS side as a newcomer meets it: the Jersey application web.xml registers at {@code /api/v2/*},
 * its limits declared by annotations on {@link ExchangeRates} and enforced by {@code SeawallFeature}.
 */
class RatesApiTest {

    private static DemoServer demo;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoServer.start(0, "a-token-for-this-test-only");
    }

    @AfterAll
    static void stop() throws Exception {
        demo.close();
    }

    @Test
    void theRateTableIsLimitedByItsAnnotationToTenPerMinutePerIp() {
        for (int i = 0; i < 10; i++) {
            Response ok = given().baseUri(demo.uri()).get("/api/v2/rates");
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.jsonPath().getString("rates.USD")).isEqualTo("1.0842");
            assertThat(ok.header("RateLimit-Policy")).contains("\"rates-per-ip\";q=10;w=60");
        }
        Response refused = given().baseUri(demo.uri()).get("/api/v2/rates");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(refused.header("Cache-Control")).isEqualTo("no-store");
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
        assertThat(refused.jsonPath().getString("type")).endsWith("/quota-exceeded");
        assertThat(refused.jsonPath().getString("policy")).isEqualTo("exchangerates.rates");
    }

    @Test
    void aSlowUpstreamIsAnsweredAtTheDeadlineByTheFallback() {
        Response live = given().baseUri(demo.uri()).get("/api/v2/rates/usd");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.header("X-Data-Source")).isEqualTo("live");
        assertThat(live.jsonPath().getString("rate")).isEqualTo("1.0842");

        // gold's upstream takes 3 s; the 800 ms timeout answers with the fallback (no earlier copy for this caller)
        Response gold = given().baseUri(demo.uri()).get("/api/v2/rates/XAU");
        assertThat(gold.statusCode()).isEqualTo(200);
        assertThat(gold.header("X-Data-Source")).isEqualTo("fallback");
        assertThat(gold.jsonPath().getBoolean("unavailable")).isTrue();
        assertThat(gold.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void anUnknownCurrencyIsTheApplicationsOwn404NotAFallback() {
        Response r = given().baseUri(demo.uri()).get("/api/v2/rates/XYZ");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.header("X-Data-Source")).isEqualTo("live");
    }

    @Test
    void conversionsRunAsynchronouslyTwoAtATimeAndTheRestWaitTheirTurn() throws Exception {
        List<CompletableFuture<Response>> burst = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            burst.add(CompletableFuture.supplyAsync(() -> given().baseUri(demo.uri())
                    .queryParam("from", "EUR").queryParam("to", "USD").queryParam("amount", "100")
                    .get("/api/v2/convert")));
        }
        for (CompletableFuture<Response> c : burst) {
            Response r = c.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as("two inside, four queued well within max-wait").isEqualTo(200);
            assertThat(r.asString()).contains("\"result\":108.4200");
        }
        Response bad = given().baseUri(demo.uri()).queryParam("from", "EUR").get("/api/v2/convert");
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    @Test
    void theAnnotationPoliciesMetersAreScrapedWithTheYamlOnes() {
        Response metrics = given().baseUri(demo.uri()).get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.asString())
                .contains("policy=\"exchangerates.rates\"")
                .contains("seawall_throttle_in_flight{policy=\"exchangerates.convert\"")
                .contains("policy=\"login\"");
    }

    @Test
    void theStatusListsTheAnnotationPoliciesAfterTheYamlOnes() {
        given().baseUri(demo.uri()).get("/api/v2/rates"); // Jersey deploys the application on first use at the latest
        io.restassured.response.Response status = given().baseUri(demo.uri())
                .header("Authorization", "Bearer a-token-for-this-test-only").get("/seawall/status");
        assertThat(status.statusCode()).isEqualTo(200);
        java.util.List<String> origins = status.jsonPath().getList("policies.origin");
        java.util.List<String> names = status.jsonPath().getList("policies.name");
        assertThat(names).contains("login", "payments");
        assertThat(origins).contains("annotations");
        java.util.List<java.util.Map<String, Object>> annotated = status.jsonPath()
                .getList("policies.findAll { it.origin == 'annotations' }");
        assertThat(annotated).isNotEmpty().allSatisfy(p -> assertThat((java.util.List<?>) p.get("stages")).isNotEmpty());
        assertThat(status.asString()).contains("\"kind\":\"throttle\"").contains("\"kind\":\"timeout\"");
    }
}
