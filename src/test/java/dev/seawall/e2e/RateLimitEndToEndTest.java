package dev.seawall.e2e;

import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SeawallFilter registered in a real {@code WEB-INF/web.xml} on a real servlet container, configured by
 * {@code /WEB-INF/seawall.yaml}; the client connects from 127.0.0.1, which that file trusts as a proxy, so
 * {@code X-Forwarded-For} chooses distinct clients per test.
 */
class RateLimitEndToEndTest {

    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.webapp("webapps/webxml");
        RestAssured.baseURI = server.uri();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A client address of the documentation range, distinct per call. */
    private static String freshClient() {
        int n = (int) (Math.random() * 250) + 1;
        int m = (int) (Math.random() * 250) + 1;
        return "198.51." + n + "." + m;
    }

    private static Response get(String path, String client) {
        return given().baseUri(server.uri()).header("X-Forwarded-For", client).when().get(path);
    }

    static void assertProblem(Response r, int status, String typeSuffix) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.jsonPath().getString("type")).endsWith(typeSuffix);
        assertThat(r.jsonPath().getInt("status")).isEqualTo(status);
        assertThat(r.jsonPath().getString("title")).isNotBlank();
        assertThat(r.asString()).doesNotContain("Exception").doesNotContain("at dev.").doesNotContain("java.");
    }

    @Test
    void rejectsFourthRequestPerMinuteFromOneIpWithProblemJsonAndHeaders() {
        String client = freshClient();
        for (int i = 0; i < 3; i++) {
            Response ok = get("/ip/items", client);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).isEqualTo("\"ip\";q=3;w=60");
            assertThat(ok.header("RateLimit")).matches("\"ip\";r=" + (2 - i) + ";t=\\d+");
        }
        Response r = get("/ip/items", client);
        assertProblem(r, 429, "/quota-exceeded");
        assertThat(r.jsonPath().getString("policy")).isEqualTo("by-ip");
        assertThat(r.jsonPath().getString("limit")).isEqualTo("ip");
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 60L);
        assertThat(r.header("RateLimit-Policy")).isEqualTo("\"ip\";q=3;w=60");
        assertThat(r.header("RateLimit")).matches("\"ip\";r=0;t=\\d+");
    }

    @Test
    void eachForwardedClientHasItsOwnBucketBehindATrustedProxy() {
        String a = freshClient();
        for (int i = 0; i < 3; i++) {
            assertThat(get("/ip/x", a).statusCode()).isEqualTo(200);
        }
        assertThat(get("/ip/x", a).statusCode()).isEqualTo(429);
        assertThat(get("/ip/x", freshClient()).statusCode()).isEqualTo(200);
    }

    @Test
    void addressesPrependedByTheClientCannotChooseItsKey() {
        String real = freshClient();
        for (int i = 0; i < 3; i++) {
            // the client writes a new fake leftmost entry each time; the proxy appends the real address
            assertThat(get("/ip/y", "203.0.113." + i + ", " + real).statusCode()).isEqualTo(200);
        }
        assertThat(get("/ip/y", "203.0.113.99, " + real).statusCode()).isEqualTo(429);
    }

    @Test
    void garbageInForwardedForNeverCrashesAndNeverYieldsAFreshKey() {
        String[] hostile = {"", "   ", ",,,,", "not-an-ip", "1.2.3.4.5", "999.1.1.1", "0x7f.0.0.1", "[::1",
                "unknown", "_hidden", "a".repeat(6000), "1.1.1.1, " + "2.2.2.2, ".repeat(2000) + "x"};
        for (String h : hostile) {
            Response r = get("/ip/garbage", h);
            // the container itself refuses headers over its limit (8 KB on Jetty and Tomcat) before any filter runs
            String label = h.length() > 40 ? h.substring(0, 40) : h;
            assertThat(r.statusCode()).as(label).isIn(200, 429, TestServer.headerLimitStatus());
            if (r.statusCode() == TestServer.headerLimitStatus()) {
                assertThat(r.contentType()).as(label + ": the container's refusal")
                        .doesNotStartWith("application/problem");
            }
        }
        // all of those fall back to the trusted proxy itself (127.0.0.1): one shared bucket, now exhausted
        assertThat(get("/ip/garbage", "not-an-ip").statusCode()).isEqualTo(429);
    }

    @Test
    void apiKeyLimitIsPerKeyAndAMissingKeyIs401() {
        Response missing = given().when().get("/key/items");
        assertProblem(missing, 401, "/identity-required");
        assertThat(missing.header("WWW-Authenticate")).contains("X-API-Key");

        String key = "key-" + UUID.randomUUID();
        for (int i = 0; i < 2; i++) {
            Response ok = given().header("X-API-Key", key).when().get("/key/items");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).isEqualTo("\"api-key\";q=2;w=60");
        }
        Response r = given().header("X-API-Key", key).when().get("/key/items");
        assertProblem(r, 429, "/quota-exceeded");
        assertThat(r.asString()).doesNotContain(key);
        assertThat(r.headers().toString()).doesNotContain(key);
        assertThat(given().header("X-API-Key", "other-" + key).when().get("/key/items").statusCode()).isEqualTo(200);
    }

    @Test
    void malformedApiKeyIs400() {
        Response r = given().header("X-API-Key", "x".repeat(600)).when().get("/key/items");
        assertProblem(r, 400, "/invalid-identity");
    }

    @Test
    void userLimitFollowsTheAuthenticatedPrincipalNotAHeader() {
        assertThat(given().when().get("/user/me").statusCode()).isEqualTo(401); // the container's BASIC challenge
        for (int i = 0; i < 2; i++) {
            Response ok = given().auth().preemptive().basic("alice", "alice-pw")
                    .header("X-User", "mallory-" + i).when().get("/user/me");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.jsonPath().getString("user")).isEqualTo("alice");
        }
        Response r = given().auth().preemptive().basic("alice", "alice-pw").when().get("/user/me");
        assertProblem(r, 429, "/quota-exceeded");
        assertThat(r.jsonPath().getString("limit")).isEqualTo("user");
        assertThat(given().auth().preemptive().basic("bob", "bob-pw").when().get("/user/me").statusCode())
                .isEqualTo(200);
    }

    @Test
    void tenantLimitIsPerTenantAndAnInvalidTenantIs400() {
        String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 2; i++) {
            assertThat(given().header("X-Tenant-ID", tenant).when().get("/tenant/orders").statusCode()).isEqualTo(200);
        }
        assertProblem(given().header("X-Tenant-ID", tenant).when().get("/tenant/orders"), 429, "/quota-exceeded");
        assertThat(given().header("X-Tenant-ID", tenant + "-b").when().get("/tenant/orders").statusCode())
                .isEqualTo(200);
        for (String bad : new String[] {"../admin", "acme corp", "ａｃｍｅ", "-acme", "a".repeat(65), "ac\tme"}) {
            assertProblem(given().header("X-Tenant-ID", bad).when().get("/tenant/orders"), 400, "/invalid-identity");
        }
        // without a tenant the limit is skipped (on-missing: skip by default)
        assertThat(given().when().get("/tenant/orders").statusCode()).isEqualTo(200);
    }

    @Test
    void aRequestRejectedByItsApiKeyLimitCostsNothingOnItsIpLimit() {
        String client = freshClient();
        String key = "k-" + UUID.randomUUID();
        for (int i = 0; i < 2; i++) {
            assertThat(given().header("X-Forwarded-For", client).header("X-API-Key", key).when()
                    .get("/combined/x").statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 5; i++) {
            Response r = given().header("X-Forwarded-For", client).header("X-API-Key", key).when().get("/combined/x");
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.jsonPath().getString("limit")).isEqualTo("api-key");
        }
        // ip limit is 5/min: 2 served, 5 refunded, so 3 more requests with a fresh key still pass
        for (int i = 0; i < 3; i++) {
            Response r = given().header("X-Forwarded-For", client).header("X-API-Key", key + "-" + i).when()
                    .get("/combined/x");
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
        }
        assertThat(given().header("X-Forwarded-For", client).header("X-API-Key", key + "-z").when()
                .get("/combined/x").statusCode()).isEqualTo(429);
    }

    @Test
    void requestsOutsideEveryPolicyPassWithoutRateLimitHeaders() {
        Response r = given().when().get("/hello");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.header("RateLimit")).isNull();
        assertThat(r.header("RateLimit-Policy")).isNull();
    }

    @Test
    void pathTricksAreMatchedAsTheContainerRoutesThem() {
        String client = freshClient();
        for (int i = 0; i < 3; i++) {
            assertThat(get("/ip/a", client).statusCode()).isEqualTo(200);
        }
        // each of these is routed by the container to /ip/a, so each must meet the exhausted limit
        for (String p : new String[] {"/ip/./a", "/x/../ip/a", "/ip/a;jsessionid=123", "/ip/%61"}) {
            Response r = get(p, client);
            assertThat(r.statusCode()).as(p).isIn(429, 400);
        }
    }
}
