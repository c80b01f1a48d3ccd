package dev.seawall.e2e;

import dev.seawall.servlet.CircuitBreakerFilter;
import dev.seawall.servlet.FallbackFilter;
import dev.seawall.servlet.SeawallFilter;
import dev.seawall.servlet.TimeoutFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Secure fallbacks on a real servlet container: last-good copies per caller, static answers, no secret ever shown. */
class FallbackEndToEndTest {

    private static final String STATIC = "{\"items\":[],\"degraded\":true}";

    private static SeawallFilter filter(String yaml) {
        return SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry()).yaml("fallback.yaml", yaml).build();
    }

    private static RequestSpecification as(TestServer server, String apiKey) {
        RequestSpecification r = given().baseUri(server.uri());
        return apiKey == null ? r : r.header("X-API-Key", apiKey);
    }

    private static void assertFallback(Response r) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.header("X-Data-Source")).isEqualTo("fallback");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.asString()).isEqualTo(STATIC);
    }

    private static final String STALE_POLICY = """
            policies:
              - name: catalog
                paths: [/data/*, /private/*, /cookie/*, /public/*, /user/*]
                fallback:
                  status: 200
                  body: '{"items":[],"degraded":true}'
                  stale-cache: 10m
            """;

    @Test
    void aLastGoodCopyIsServedToTheSameCallerOnlyWithCacheHeaders() throws Exception {
        FlakyServlet app = new FlakyServlet();
        try (TestServer server = TestServer.programmatic(filter(STALE_POLICY), app, 20)) {
            Response live = as(server, "k1").get("/data/a?page=1");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.header("X-Data-Source")).isEqualTo("live");
            String body = live.asString();
            assertThat(body).isEqualTo("data 1 for k1");
            Response publicLive = as(server, "k1").get("/public/p");
            assertThat(publicLive.header("X-Data-Source")).isEqualTo("live");
            as(server, "k1").get("/private/p");
            as(server, "k1").get("/cookie/c");
            Response alice = given().baseUri(server.uri()).auth().preemptive().basic("alice", "alice-pw").get("/user/me");
            assertThat(alice.asString()).endsWith("for alice");

            app.failing.set(true);
            Response cached = as(server, "k1").get("/data/a?page=1");
            assertThat(cached.statusCode()).isEqualTo(200);
            assertThat(cached.header("X-Data-Source")).isEqualTo("cache");
            assertThat(Long.parseLong(cached.header("Age"))).isBetween(0L, 600L);
            assertThat(cached.asString()).isEqualTo(body);
            assertThat(cached.header("ETag")).isEqualTo(live.header("ETag"));
            assertThat(cached.contentType()).isEqualTo("text/plain;charset=utf-8");

            // another caller, no caller, another query: never k1's copy
            assertFallback(as(server, "k2").get("/data/a?page=1"));
            assertFallback(as(server, null).get("/data/a?page=1"));
            assertFallback(as(server, "k1").get("/data/a?page=2"));
            assertFallback(given().baseUri(server.uri()).auth().preemptive().basic("bob", "bob-pw").get("/user/me"));
            Response aliceAgain = given().baseUri(server.uri()).auth().preemptive().basic("alice", "alice-pw")
                    .get("/user/me");
            if (TestServer.container() == dev.seawall.e2e.container.ContainerKind.JETTY) {
                assertThat(aliceAgain.header("X-Data-Source")).isEqualTo("cache");
                assertThat(aliceAgain.asString()).endsWith("for alice");
            } else {
                // Tomcat's authenticator (disableProxyCaching) and Undertow (disableCachingForSecuredPages) mark every
                // response under a security constraint uncacheable by default ("private", or "no-store"): Seawall
                // honours that and keeps no copy (docs/operations/containers.md says how to turn the containers' default off)
                assertThat(alice.header("Cache-Control")).as("%s's default on secured pages", TestServer.container())
                        .containsAnyOf("private", "no-store");
                assertFallback(aliceAgain);
            }
            // never stored: private and cookie-setting responses
            assertFallback(as(server, "k1").get("/private/p"));
            assertFallback(as(server, "k1").get("/cookie/c"));
            // Cache-Control: public is shared by everyone
            Response shared = as(server, "k2").get("/public/p");
            assertThat(shared.header("X-Data-Source")).isEqualTo("cache");
            assertThat(shared.asString()).isEqualTo(publicLive.asString());
            // POST is never served from the cache
            Response post = as(server, "k1").post("/data/a?page=1");
            assertFallback(post);
        }
    }

    @Test
    void whileTheBreakerIsOpenTheCopyIsServedWithoutCallingTheApplication() throws Exception {
        FlakyServlet app = new FlakyServlet();
        SeawallFilter f = filter("""
                policies:
                  - name: catalog
                    paths: [/data/*, /error/*]
                    circuit-breaker: {failure-rate: 50, minimum-calls: 2, window: 4, open-for: 60s}
                    fallback:
                      stale-cache: 10m
                """);
        try (TestServer server = TestServer.programmatic(f, app, 20)) {
            String body = as(server, "k1").get("/data/a").asString();
            Response failed = as(server, "k1").get("/error/1");
            // no static response configured and no copy for /error: the application's own 500 passes
            assertThat(failed.statusCode()).isEqualTo(500);
            as(server, "k1").get("/error/2");
            int calls = app.calls.get();
            Response r = as(server, "k1").get("/data/a");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.header("X-Data-Source")).isEqualTo("cache");
            assertThat(r.asString()).isEqualTo(body);
            assertThat(app.calls.get()).as("the breaker is open: the application is not called").isEqualTo(calls);
            // nothing cached for this caller: Seawall's own 503, not a substitute
            RateLimitEndToEndTest.assertProblem(as(server, "k2").get("/data/a"), 503, "/service-unavailable");
        }
    }

    @Test
    void noResponseEverCarriesAnExceptionMessageOrTheApplicationsErrorBody() throws Exception {
        FlakyServlet app = new FlakyServlet();
        app.failing.set(true);
        SeawallFilter f = filter("""
                policies:
                  - name: with-fallback
                    paths: [/data/*, /error/*]
                    fallback: {status: 200, body: '{"items":[],"degraded":true}'}
                  - name: timeout-only
                    paths: [/polite/*, /private/*]
                    timeout: 300ms
                  - name: login
                    paths: [/cookie/*]
                    timeout: 5s
                    fail-closed: true
                """);
        try (TestServer server = TestServer.programmatic(f, app, 20)) {
            List<Response> all = new ArrayList<>();
            Response fb = as(server, "k1").get("/data/x");
            assertFallback(fb);
            all.add(fb);
            Response err = as(server, "k1").get("/error/x");
            assertFallback(err);
            all.add(err);
            Response timedOut = as(server, "k1").get("/polite/x");
            RateLimitEndToEndTest.assertProblem(timedOut, 503, "/timeout");
            all.add(timedOut);
            Response thrown = as(server, "k1").get("/private/x");
            RateLimitEndToEndTest.assertProblem(thrown, 500, "/internal-error");
            assertThat(thrown.jsonPath().getString("request-id")).matches("[0-9a-f]{16}");
            all.add(thrown);
            Response closed = as(server, "k1").get("/cookie/x");
            RateLimitEndToEndTest.assertProblem(closed, 503, "/service-unavailable");
            assertThat(closed.header("Set-Cookie")).as("nothing of the failed response survives").isNull();
            all.add(closed);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.freed.get() == 1);
            for (Response r : all) {
                assertThat(r.asString()).doesNotContain(FlakyServlet.SECRET).doesNotContain("IllegalStateException")
                        .doesNotContain("at dev.");
                r.headers().forEach(h -> assertThat(h.getValue()).doesNotContain(FlakyServlet.SECRET));
            }
        }
    }

    /** One scenario, recorded as what a client sees, to compare registrations. */
    private static List<String> scenario(TestServer server, FlakyServlet app) {
        List<String> seen = new ArrayList<>();
        java.util.function.Consumer<Response> note = r -> seen.add(r.statusCode() + " " + r.header("X-Data-Source")
                + " " + r.contentType() + " " + r.header("Retry-After") + " "
                + r.asString().replaceAll("\"request-id\":\"[0-9a-f]+\"", "").replaceAll("\"policy\":\"[a-z-]+\"", ""));
        note.accept(as(server, "k1").get("/data/a"));
        app.failing.set(true);
        note.accept(as(server, "k1").get("/data/a"));
        note.accept(as(server, "k2").get("/data/a"));
        note.accept(as(server, "k2").get("/error/1"));
        // the breaker is open now (3 failures of 4): the copy, or the static answer, without the application
        int calls = app.calls.get();
        note.accept(as(server, "k1").get("/data/a"));
        note.accept(as(server, "k3").get("/data/a"));
        seen.add("application called while open: " + (app.calls.get() - calls));
        app.failing.set(false);
        return seen;
    }

    private static final String SCENARIO_YAML = """
            policies:
              - name: payments
                paths: [/*]
                fallback: {status: 200, body: '{"items":[],"degraded":true}', stale-cache: 10m}
                circuit-breaker: {failure-rate: 50, minimum-calls: 4, window: 4, open-for: 60s}
                timeout: 2s
            """;

    @Test
    void stackedStandaloneFiltersBehaveExactlyLikeOneSeawallFilterPolicy() throws Exception {
        FlakyServlet one = new FlakyServlet();
        List<String> viaSeawallFilter;
        try (TestServer server = TestServer.programmatic(filter(SCENARIO_YAML), one, 20)) {
            viaSeawallFilter = scenario(server, one);
        }
        FlakyServlet two = new FlakyServlet();
        List<Map.Entry<Filter, Map<String, String>>> stack = List.of(
                Map.entry(new FallbackFilter(), Map.of("policy", "payments", "status", "200",
                        "body", STATIC, "stale-cache", "10m")),
                Map.entry(new CircuitBreakerFilter(), Map.of("policy", "payments", "failure-rate", "50",
                        "minimum-calls", "4", "window", "4", "open-for", "60s")),
                Map.entry(new TimeoutFilter(), Map.of("policy", "payments", "after", "2s")));
        List<String> viaStack;
        try (TestServer server = TestServer.stacked(stack, two, true, 20)) {
            viaStack = scenario(server, two);
        }
        assertThat(viaStack).containsExactlyElementsOf(viaSeawallFilter);
        assertThat(viaSeawallFilter.get(1)).startsWith("200 cache");
        assertThat(viaSeawallFilter.get(2)).startsWith("200 fallback");
        assertThat(viaSeawallFilter.get(4)).startsWith("200 cache");
        assertThat(viaSeawallFilter.get(6)).isEqualTo("application called while open: 0");
    }

    @Test
    void aTimeoutIsAnsweredByTheFallbackAtTheDeadlineInBothRegistrations() throws Exception {
        for (boolean stacked : new boolean[] {false, true}) {
            FlakyServlet app = new FlakyServlet();
            TestServer server = stacked
                    ? TestServer.stacked(List.of(
                            Map.entry(new FallbackFilter(), Map.of("status", "200", "body", STATIC)),
                            Map.entry(new TimeoutFilter(), Map.of("after", "300ms"))), app, true, 20)
                    : TestServer.programmatic(filter("""
                            policies:
                              - name: slow
                                paths: [/*]
                                fallback: {status: 200, body: '{"items":[],"degraded":true}'}
                                timeout: 300ms
                            """), app, 20);
            try (server) {
                Response r = as(server, "k1").get("/stubborn/1");
                assertThat(app.returned.get()).as("answered while the handler still runs").isZero();
                assertFallback(r);
                app.release.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> app.returned.get() == 1);
            }
        }
    }
}
