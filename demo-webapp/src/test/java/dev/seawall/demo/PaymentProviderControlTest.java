package dev.seawall.demo;

import io.restassured.builder.RequestSpecBuilder;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The run-time control of the demo's payment provider ({@code /seawall/admin/provider}) and the latency data
 * behind the status page ({@code /seawall/latency}), against a real demo server of its own. The provider's
 * script clock is pinned to second 45 of a minute (its healthy phase), so "reset to the script" is
 * deterministic whatever the wall clock says.
 */
class PaymentProviderControlTest {

    private static final String TOKEN = "provider-control-test-token";
    private static final String PROVIDER = "/seawall/admin/provider";
    /** 00:00:45 on 1 January 1970: the script's healthy phase (seconds 30-59). */
    private static final long HEALTHY_SECOND = 45_000L;

    private static DemoServer demo;
    private static RequestSpecification spec;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoServer.start(0, TOKEN, () -> HEALTHY_SECOND);
        spec = new RequestSpecBuilder().setBaseUri(demo.uri()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        demo.close();
    }

    @BeforeEach
    void backToTheScriptWithAClosedBreaker() {
        admin().queryParam("mode", "auto").post(PROVIDER).then().statusCode(200);
        admin().post("/seawall/status?breaker=payment-provider&action=close").then().statusCode(200);
    }

    private static RequestSpecification anonymous() {
        return given().spec(spec);
    }

    private static RequestSpecification admin() {
        return given().spec(spec).header("Authorization", "Bearer " + TOKEN);
    }

    private static Response payment() {
        return anonymous().get("/api/payments");
    }

    private static Map<String, Object> stage(String policy, String kind) {
        JsonPath status = admin().get("/seawall/status").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> stages = status.getList("policies.find { it.name == '" + policy + "' }.stages");
        return stages.stream().filter(s -> kind.equals(s.get("kind"))).findFirst().orElseThrow();
    }

    private static String breakerState() {
        return (String) stage("payments", "circuit-breaker").get("state");
    }

    @Test
    void theControlNeedsTheStatusTokenAndAnswersOthersWithAProblem() {
        for (Response r : List.of(anonymous().get(PROVIDER), anonymous().queryParam("failure", "1").post(PROVIDER),
                anonymous().header("Authorization", "Bearer not-the-token-of-this-demo").queryParam("failure", "1")
                        .post(PROVIDER))) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
            assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
            assertThat(r.jsonPath().getInt("status")).isEqualTo(401);
        }
        assertThat(demo.provider().settings().mode()).isEqualTo(PaymentProvider.Mode.AUTO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "failure=1.5", "failure=abc", "failure=-0.1", "failure=NaN", "failure=1e0",
            "failure=0x1", "failure=.", "latency=300", "latency=-1ms", "latency=31s", "latency=1h", "latency=1.5s",
            "latency=1234567ms", "mode=sometimes", "mode=auto&failure=0.5", "colour=red", "failure=0.5&failure=0.6",
            "failure=0.000000000000000000000000000000001"})
    void badValuesAnswer400ProblemAndChangeNothing(String query) {
        Response r = admin().urlEncodingEnabled(false).post(PROVIDER + (query.isEmpty() ? "" : "?" + query));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.jsonPath().getString("type")).endsWith("/bad-request");
        // our own words only: no exception text, no class name, not the client's value
        assertThat(r.body().asString()).doesNotContain("Exception", "java.", "abc", "sometimes", "colour", "0x1");
        assertThat(demo.provider().settings().mode()).isEqualTo(PaymentProvider.Mode.AUTO);
    }

    @Test
    void aBadFormBodyIsRefusedLikeABadQuery() {
        Response r = admin().formParam("failure", "2").post(PROVIDER);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void getShowsTheScriptUntilOverriddenAndTheOverrideUntilReset() {
        JsonPath auto = admin().get(PROVIDER).then().statusCode(200).header("Cache-Control", "no-store")
                .extract().jsonPath();
        assertThat(auto.getString("mode")).isEqualTo("auto");
        assertThat(auto.getString("phase")).isEqualTo("healthy");

        JsonPath manual = admin().formParam("failure", "0.25").formParam("latency", "20ms").post(PROVIDER)
                .then().statusCode(200).extract().jsonPath();
        assertThat(manual.getString("mode")).isEqualTo("manual");
        assertThat(manual.getDouble("failure")).isEqualTo(0.25);
        assertThat(manual.getLong("latencyMillis")).isEqualTo(20);

        // one parameter alone keeps the other's manual value
        JsonPath latencyOnly = admin().queryParam("latency", "0").post(PROVIDER).then().statusCode(200)
                .extract().jsonPath();
        assertThat(latencyOnly.getDouble("failure")).isEqualTo(0.25);
        assertThat(latencyOnly.getLong("latencyMillis")).isZero();
        assertThat(admin().get(PROVIDER).jsonPath().getString("mode")).isEqualTo("manual");

        JsonPath reset = admin().queryParam("mode", "auto").post(PROVIDER).then().statusCode(200).extract().jsonPath();
        assertThat(reset.getString("mode")).isEqualTo("auto");
        assertThat(demo.provider().settings()).isEqualTo(PaymentProvider.Settings.AUTO);
    }

    @Test
    void aProviderFailingEveryCallOpensTheBreakerGetsTheFallbackAndRecoversAfterReset() {
        assertThat(payment().then().statusCode(200).extract().header("X-Data-Source")).isEqualTo("live");
        admin().queryParam("failure", "1").queryParam("latency", "0ms").post(PROVIDER).then().statusCode(200);

        // every failure is answered by the static fallback: "pending", never "accepted", never the 502
        for (int i = 0; i < 5; i++) {
            Response r = payment();
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(r.header("X-Data-Source")).isEqualTo("fallback");
            assertThat(r.body().asString()).isEqualTo("{\"payment\":\"pending\",\"retry\":true}");
            assertThat(r.headers().toString()).doesNotContain("simulated", "ProviderFailure");
        }
        // 5 failures of 5 calls: over the 50 % of the breaker's 5-call minimum
        await().atMost(Duration.ofSeconds(10)).until(() -> breakerState().equals("OPEN"));
        assertThat(((Number) stage("payments", "fallback").get("servedFallback")).longValue()).isGreaterThanOrEqualTo(5);

        // while open, the provider is left alone and clients still get the fallback
        long calls = demo.provider().calls();
        for (int i = 0; i < 3; i++) {
            assertThat(payment().then().statusCode(202).extract().header("X-Data-Source")).isEqualTo("fallback");
        }
        assertThat(demo.provider().calls()).isEqualTo(calls);

        // back to the (pinned, healthy) script: once open-for (10 s) has passed, half-open probes succeed
        admin().queryParam("mode", "auto").post(PROVIDER).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
            payment();
            return breakerState().equals("CLOSED");
        });
        Response live = payment();
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.header("X-Data-Source")).isEqualTo("live");
        assertThat(live.body().asString()).isEqualTo("{\"payment\":\"accepted\"}");
    }

    @Test
    void addedLatencyPastTheTimeoutIsAnsweredAtTheDeadlineWithTheFallback() {
        long answered = ((Number) stage("payments", "timeout").get("answered")).longValue();
        admin().queryParam("failure", "0").queryParam("latency", "1500ms").post(PROVIDER).then().statusCode(200);
        Response r = payment();
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.header("X-Data-Source")).isEqualTo("fallback");
        await().atMost(Duration.ofSeconds(10)).until(
                () -> ((Number) stage("payments", "timeout").get("answered")).longValue() == answered + 1);
    }

    @Test
    void latencyDataNeedsTheTokenAndShowsWhatClientsWaitedPerPolicy() {
        Response anonymousLatency = anonymous().get("/seawall/latency");
        assertThat(anonymousLatency.statusCode()).isEqualTo(401);
        assertThat(anonymousLatency.contentType()).startsWith("application/problem+json");
        assertThat(anonymousLatency.header("Cache-Control")).isEqualTo("no-store");

        admin().queryParam("failure", "0").queryParam("latency", "300ms").post(PROVIDER).then().statusCode(200);
        long before = callsOf("payments");
        payment().then().statusCode(200);
        payment().then().statusCode(200);
        anonymous().get("/hello").then().statusCode(200); // no policy: not timed

        JsonPath latency = admin().get("/seawall/latency").then().statusCode(200).header("Cache-Control", "no-store")
                .extract().jsonPath();
        assertThat(latency.getInt("slotSeconds")).isEqualTo(5);
        assertThat(latency.getInt("slots")).isEqualTo(60);
        // every configured policy, in configuration order, whether called or not
        assertThat(latency.getList("policies.policy", String.class))
                .containsExactly("login", "catalog", "orders", "reports", "search", "payments", "api-default");
        String payments = "policies.find { it.policy == 'payments' }";
        assertThat(latency.getLong(payments + ".calls")).isEqualTo(before + 2);
        assertThat(latency.getList(payments + ".count", Integer.class)).hasSize(60);
        assertThat(latency.getList(payments + ".max", Float.class)).hasSize(60)
                // the provider slept 300 ms before answering, so the client waited at least that long
                .anySatisfy(max -> assertThat(max).isNotNull().isGreaterThanOrEqualTo(300f));
        String catalog = "policies.find { it.policy == 'catalog' }";
        assertThat(latency.getLong(catalog + ".calls")).isZero();
        assertThat(latency.getList(catalog + ".p95")).hasSize(60).containsOnlyNulls();

        assertThat(anonymous().get("/metrics").body().asString())
                .contains("seawall_demo_latency_seconds_count{policy=\"payments\"}");
    }

    private static long callsOf(String policy) {
        return admin().get("/seawall/latency").jsonPath().getLong("policies.find { it.policy == '" + policy + "' }.calls");
    }
}
