package dev.seawall.demo;

import io.restassured.builder.RequestSpecBuilder;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stale-copy scenario ({@code /seawall/admin/catalog}) and the rate history ({@code /seawall/history}) behind the
 * status page, against a real demo server of its own: the documented requests, as an operator would type them.
 */
class CatalogScenarioTest {

    private static final String TOKEN = "catalog-scenario-test-token";
    private static final String ADMIN = "/seawall/admin/catalog";

    private static DemoServer demo;
    private static RequestSpecification spec;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoServer.start(0, TOKEN);
        spec = new RequestSpecBuilder().setBaseUri(demo.uri()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        demo.close();
    }

    @AfterEach
    void databaseUp() {
        admin().queryParam("down", "false").post(ADMIN).then().statusCode(200);
    }

    private static RequestSpecification admin() {
        return given().spec(spec).header("Authorization", "Bearer " + TOKEN);
    }

    private static Response catalog(String path) {
        return given().spec(spec).header("X-API-Key", "demo-pro-key").get(path);
    }

    @Test
    void withTheDatabaseDownTheCallerGetsItsLastGoodCopyAndACallerWithoutOneTheStaticAnswer() {
        Response live = catalog("/api/catalog?scenario=1");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.header("X-Data-Source")).isEqualTo("live");

        JsonPath down = admin().queryParam("down", "true").post(ADMIN).then().statusCode(200).extract().jsonPath();
        assertThat(down.getBoolean("down")).isTrue();

        Response stale = catalog("/api/catalog?scenario=1");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.header("X-Data-Source")).isEqualTo("cache");
        assertThat(stale.header("Age")).isNotNull();
        assertThat(stale.body().asString()).isEqualTo(live.body().asString());

        Response fresh = catalog("/api/catalog?scenario=never-read");
        assertThat(fresh.header("X-Data-Source")).isEqualTo("fallback");
        assertThat(fresh.body().asString()).isEqualTo("{\"items\":[],\"degraded\":true}").doesNotContain("jdbc");
        assertThat(admin().get(ADMIN).jsonPath().getLong("failed")).isGreaterThanOrEqualTo(2);

        admin().queryParam("down", "false").post(ADMIN).then().statusCode(200);
        assertThat(catalog("/api/catalog?scenario=1").header("X-Data-Source")).isEqualTo("live");
    }

    @Test
    void theScenarioNeedsTheTokenAndAnswersOthersWithAProblem() {
        for (Response r : List.of(given().spec(spec).get(ADMIN), given().spec(spec).queryParam("down", "true").post(ADMIN),
                given().spec(spec).header("Authorization", "Bearer not-the-token-of-this-demo").queryParam("down", "true")
                        .post(ADMIN))) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        }
        assertThat(admin().get(ADMIN).jsonPath().getBoolean("down")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "down=yes", "down=TRUE", "down=true&down=false", "down=true&colour=red", "up=true",
            "down=%3Cscript%3E"})
    void badParametersAnswer400AndChangeNothing(String query) {
        Response r = admin().urlEncodingEnabled(false).post(ADMIN + (query.isEmpty() ? "" : "?" + query));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.body().asString()).doesNotContain("Exception", "java.", "yes", "colour", "<script>");
        assertThat(admin().get(ADMIN).jsonPath().getBoolean("down")).isFalse();
    }

    @Test
    void theHistoryNeedsTheTokenAndLabelsItsSlotsWithTheWallClock() {
        assertThat(given().spec(spec).get("/seawall/history").statusCode()).isEqualTo(401);
        // the sampler reads the meters once a second: a catalog request per poll, until the history shows them
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(500)).untilAsserted(() -> {
            catalog("/api/catalog");
            Response r = admin().get("/seawall/history");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
            JsonPath h = r.jsonPath();
            assertThat(h.getInt("slotSeconds")).isEqualTo(5);
            assertThat(h.getInt("slots")).isEqualTo(60);
            long now = System.currentTimeMillis();
            assertThat(h.getLong("endMillis")).isBetween(now - 60_000, now + 60_000);
            List<Float> admitted = h.getList("rates.'catalog/limit/ip/admitted'", Float.class);
            assertThat(admitted).as(() -> given().spec(spec).get("/metrics").body().asString().lines()
                    .filter(l -> l.contains("catalog")).toList().toString()).hasSize(60).anyMatch(v -> v != null && v > 0);
            assertThat(h.getList("gauges.'reports/throttle/limit'", Float.class)).contains(2.0f);
            assertThat(h.getList("states.'breaker/payment-provider/state'", Integer.class)).contains(RateHistory.CLOSED);
        });
        JsonPath latency = admin().get("/seawall/latency").jsonPath();
        assertThat(latency.getLong("endMillis")).isPositive();
    }
}
