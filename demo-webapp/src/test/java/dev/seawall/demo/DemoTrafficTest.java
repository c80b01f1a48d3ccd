package dev.seawall.demo;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The synthetic traffic against a real demo server: driven round by round (no background thread, no sleeps), it must
 * make every policy of the status page show its protections — refusals of every rate limit, the throttles' 503s, the
 * adaptive limit's shedding, the breaker opening and probing half-open with its fallbacks, timeouts answered at the
 * deadline, stale copies, idempotent replays, exemptions and the shadow limit's would-reject — and the server-side
 * history must hold them.
 * The payment provider's script clock is pinned to its hanging phase, so its calls are answered at the deadline and
 * the breaker opens whatever the wall clock says.
 */
class DemoTrafficTest {

    private static final String TOKEN = "demo-traffic-test-token-0123";
    /** 00:00:25 on 1 January 1970: the script's hanging phase (seconds 20-29). */
    private static final AtomicLong SCRIPT_CLOCK = new AtomicLong(25_000L);

    private static DemoServer demo;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoServer.start(0, TOKEN, SCRIPT_CLOCK::get);
    }

    @AfterAll
    static void stop() throws Exception {
        demo.close();
    }

    private static JsonPath get(String path) {
        Response r = given().baseUri(demo.uri()).header("Authorization", "Bearer " + TOKEN).get(path);
        assertThat(r.statusCode()).isEqualTo(200);
        return r.jsonPath();
    }

    private static Map<String, Object> policy(JsonPath status, String name) {
        return status.getMap("policies.find { it.name == '" + name + "' }");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stage(JsonPath status, String policy, String kind) {
        List<Map<String, Object>> stages = (List<Map<String, Object>>) policy(status, policy).get("stages");
        return stages.stream().filter(s -> kind.equals(s.get("kind"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static long limit(JsonPath status, String policy, String limit, String field) {
        List<Map<String, Object>> limits = (List<Map<String, Object>>) stage(status, policy, "rate-limits").get("limits");
        return limits.stream().filter(l -> limit.equals(l.get("name"))).map(l -> ((Number) l.get(field)).longValue())
                .findFirst().orElseThrow();
    }

    private static long number(Map<String, Object> map, String field) {
        return ((Number) map.get(field)).longValue();
    }

    @SuppressWarnings("unchecked")
    private static long nested(Map<String, Object> map, String member, String field) {
        return ((Number) ((Map<String, Object>) map.get(member)).get(field)).longValue();
    }

    /** Every protection the traffic must make visible, by name, so a failure says which one is missing. */
    private static Map<String, Predicate<JsonPath>> expectations() {
        Map<String, Predicate<JsonPath>> e = new java.util.LinkedHashMap<>();
        e.put("login: the stuffer refused", s -> limit(s, "login", "ip", "rejected") > 0);
        e.put("login: real users admitted past the stuffer's five", s -> limit(s, "login", "ip", "admitted") > 5);
        e.put("catalog: the free plan refused", s -> limit(s, "catalog", "api-key", "rejected") > 0);
        e.put("catalog: calls without a key", s -> limit(s, "catalog", "api-key", "missing") > 0);
        e.put("catalog: a stale copy served", s -> number(stage(s, "catalog", "fallback"), "servedFromCache") > 0);
        e.put("catalog: the static answer served", s -> number(stage(s, "catalog", "fallback"), "servedFallback") > 0);
        e.put("orders: a user refused", s -> limit(s, "orders", "user", "rejected") > 0);
        e.put("orders: an invalid tenant", s -> limit(s, "orders", "tenant", "invalid") > 0);
        e.put("orders: an idempotent replay", s -> nested(policy(s, "orders"), "idempotency", "replayed") > 0);
        e.put("reports: exempt by path", s -> nested(policy(s, "reports"), "exempt", "path") > 0);
        e.put("reports: exempt by network", s -> nested(policy(s, "reports"), "exempt", "network") > 0);
        e.put("reports: the queue used", s -> number(stage(s, "reports", "throttle"), "queued") > 0
                || number(stage(s, "reports", "throttle"), "inFlight") > 0);
        e.put("search: the adaptive limit refused or shed", s -> {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> classes =
                    (Map<String, Map<String, Object>>) stage(s, "search", "throttle").get("criticality");
            return classes.values().stream().mapToLong(c -> number(c, "refused")).sum() > 0;
        });
        e.put("payments: timeouts answered", s -> number(stage(s, "payments", "timeout"), "answered") > 0);
        e.put("payments: fallbacks served", s -> number(stage(s, "payments", "fallback"), "servedFallback") > 0);
        e.put("api-default: admitted", s -> limit(s, "api-default", "ip", "admitted") > 0);
        e.put("api-default: the shadow limit would refuse", s -> limit(s, "api-default", "ip-planned", "wouldReject") > 0);
        e.put("exchangerates.rates: the annotation limit refused",
                s -> limit(s, "exchangerates.rates", "rates-per-ip", "rejected") > 0);
        e.put("exchangerates.rate: the deadline answered",
                s -> number(stage(s, "exchangerates.rate", "timeout"), "answered") > 0);
        e.put("exchangerates.rate: the fallback served",
                s -> number(stage(s, "exchangerates.rate", "fallback"), "servedFallback") > 0);
        return e;
    }

    @Test
    void theTrafficMakesEveryPolicyShowItsProtectionsAndTheHistoryKeepsThem() throws Exception {
        DemoTraffic traffic = new DemoTraffic(demo.uri());
        Map<String, Predicate<JsonPath>> expected = expectations();
        List<String> missing = new ArrayList<>(expected.keySet());
        // one round per poll: the traffic is driven by the test, the server answers in its own time
        await().atMost(Duration.ofSeconds(120)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    traffic.round();
                    JsonPath status = get("/seawall/status");
                    missing.removeIf(name -> expected.get(name).test(status));
                    assertThat(missing).as("protections not yet shown after %d rounds", traffic.rounds()).isEmpty();
                });
        JsonPath status = get("/seawall/status");
        assertThat(stage(status, "payments", "circuit-breaker").get("state")).isIn("OPEN", "HALF_OPEN");
        assertThat((Boolean) stage(status, "search", "throttle").get("adaptive")).isTrue();

        // the throttles' 503s and the breaker's states are in the meters the history samples once a second; the
        // breaker stays open 10 s, then lets two probes through (half-open), which the hanging provider fails
        // a half-open window lasts about as long as the probes hang (a second or two): the status page, read every
        // poll, or the history's once-a-second sample may be the one that sees it
        java.util.concurrent.atomic.AtomicBoolean sawHalfOpen = new java.util.concurrent.atomic.AtomicBoolean();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            traffic.round();
            if ("HALF_OPEN".equals(stage(get("/seawall/status"), "payments", "circuit-breaker").get("state"))) {
                sawHalfOpen.set(true);
            }
            JsonPath history = get("/seawall/history");
            assertThat(history.getLong("endMillis")).isPositive();
            assertThat(sum(history, "rates.'reports/throttle/refused'")).as("reports: 503s").isPositive();
            assertThat(sum(history, "rates.'exchangerates.convert/throttle/refused'")).as("convert: 503s").isPositive();
            assertThat(sum(history, "rates.'breaker/payment-provider/not-permitted'")).as("breaker open").isPositive();
            assertThat(sum(history, "rates.'catalog/fallback/cache'")).as("stale copies").isPositive();
            assertThat(sum(history, "gauges.'reports/throttle/queued'")).as("reports queued").isPositive();
            List<Integer> states = history.getList("states.'breaker/payment-provider/state'", Integer.class);
            assertThat(states).anyMatch(bits -> bits != null && (bits & RateHistory.OPEN) != 0);
            if (states.stream().anyMatch(bits -> bits != null && (bits & RateHistory.HALF_OPEN) != 0)) {
                sawHalfOpen.set(true);
            }
            assertThat(sawHalfOpen).as("the breaker probed half-open").isTrue();
        });
    }

    private static double sum(JsonPath history, String path) {
        List<Float> values = history.getList(path, Float.class);
        assertThat(values).as(path).isNotNull().hasSize(RateHistory.SLOTS);
        return values.stream().filter(v -> v != null).mapToDouble(Float::doubleValue).sum();
    }
}
