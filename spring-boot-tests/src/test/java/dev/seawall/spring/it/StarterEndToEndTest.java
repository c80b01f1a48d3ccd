package dev.seawall.spring.it;

import dev.seawall.spring.it.SampleApplication.Gates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The guarantees of the servlet filter, under Spring Boot with Spring MVC, Spring Security and Actuator, over real
 * sockets: the sample application configures Seawall only in {@code application.yml}. Each test has policies and
 * paths of its own, so they share one running application.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StarterEndToEndTest {

    private RunningApp app;

    @BeforeAll
    void start() {
        app = RunningApp.start();
    }

    @AfterAll
    void stop() {
        Gates.open();
        if (app != null) {
            app.close();
        }
    }

    private HttpResponse<String> postLogin(String user, String password) throws Exception {
        HttpRequest.Builder b = app.request("/login").POST(HttpRequest.BodyPublishers.noBody());
        if (user != null) {
            b.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return app.send(b.build());
    }

    @Test
    void perIpLimitOnLoginCountsTheRequestsSpringSecurityRejects() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(postLogin("alice", "wrong").statusCode()).as("Spring Security refuses bad password %d", i)
                    .isEqualTo(401);
        }
        HttpResponse<String> fourth = postLogin("alice", "pw");
        assertThat(fourth.statusCode()).as("the three refused logins used up the IP's 3/1m").isEqualTo(429);
        assertThat(fourth.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(fourth.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void perUserLimitIsKeyedBySpringSecuritysPrincipal() throws Exception {
        assertThat(app.get("/api/me", "alice").body()).isEqualTo("alice");
        assertThat(app.get("/api/me", "alice").statusCode()).isEqualTo(200);
        assertThat(app.get("/api/me", "alice").statusCode()).as("alice's own 2/1m is spent").isEqualTo(429);
        assertThat(app.get("/api/me", "bob").statusCode()).as("bob has a bucket of his own").isEqualTo(200);
        assertThat(app.get("/api/me", "bob").statusCode()).isEqualTo(200);
        assertThat(app.get("/api/me", "bob").statusCode()).isEqualTo(429);
    }

    @Test
    void aBlockingControllerIsAnsweredAtTheDeadline() throws Exception {
        Gates.close();
        try {
            HttpResponse<String> r = app.get("/api/pool/blocking", "alice");
            // the gate stays shut for 30 s: only the deadline (or its interrupt of the handler) can end this request
            assertThat(r.statusCode()).as("the timeout's answer").isEqualTo(503);
            assertThat(r.body()).contains("/problems/timeout");
        } finally {
            Gates.open();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Gates.running.get() == 0);
    }

    @Test
    void aCallableHoldsItsThrottleSlotUntilItReallyEnds() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> Gates.running.get() == 0);
        Gates.close();
        int startedBefore = Gates.started.get();
        try {
            List<CompletableFuture<HttpResponse<String>>> first = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                first.add(app.sendAsync(app.request("/api/pool/callable")
                        .header("Authorization", RunningApp.basic("alice")).build()));
            }
            for (CompletableFuture<HttpResponse<String>> f : first) {
                assertThat(f.get(20, TimeUnit.SECONDS).statusCode()).as("timed out at the deadline").isEqualTo(503);
            }
            assertThat(Gates.running.get()).as("both Callables still run after their deadline answers").isEqualTo(2);
            // max-concurrent: 2 is still taken by the running Callables: the next one waits, then is refused
            HttpResponse<String> third = app.get("/api/pool/callable", "bob");
            assertThat(third.statusCode()).isEqualTo(503);
            assertThat(third.headers().firstValue("Retry-After")).as("a throttle refusal").isPresent();
            assertThat(Gates.started.get() - startedBefore).as("no third handler ran under max-concurrent: 2")
                    .isEqualTo(2);
        } finally {
            Gates.open();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Gates.running.get() == 0);
        // the slots come back when the Callables end
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(app.get("/api/pool/callable", "bob").statusCode()).isEqualTo(200));
    }

    @Test
    void aResponseEntity500FromSpringMvcGetsTheFallback() throws Exception {
        HttpResponse<String> r = app.get("/api/report", "alice");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"report\":\"unavailable\",\"degraded\":true}");
        assertThat(r.headers().firstValue("X-Data-Source")).hasValue("fallback");
        assertThat(r.body()).doesNotContain("database");
    }

    @Test
    void aStaleCopyIsServedToItsOwnCallerOnlyUnderSpringSecurity() throws Exception {
        Gates.failing = false;
        try {
            HttpResponse<String> live = app.get("/api/profile", "alice");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.headers().firstValue("Cache-Control").orElse("")).as("Spring Security's header")
                    .contains("no-store");
            Gates.failing = true;
            HttpResponse<String> stale = app.get("/api/profile", "alice");
            assertThat(stale.statusCode()).isEqualTo(200);
            assertThat(stale.headers().firstValue("X-Data-Source")).hasValue("cache");
            assertThat(stale.body()).contains("\"owner\":\"alice\"");
            HttpResponse<String> other = app.get("/api/profile", "bob");
            assertThat(other.body()).as("never alice's copy for bob").doesNotContain("alice");
            assertThat(other.statusCode()).isEqualTo(500);
        } finally {
            Gates.failing = false;
        }
    }

    @Test
    void theBreakerOpensAndTheHealthContributorAndEndpointReportIt() throws Exception {
        Gates.failing = true;
        try {
            for (int i = 0; i < 4; i++) {
                assertThat(app.get("/api/payments", "alice").statusCode()).isEqualTo(502);
            }
            int calls = Gates.started.get();
            HttpResponse<String> refused = app.get("/api/payments", "alice");
            assertThat(refused.statusCode()).as("the open breaker answers").isEqualTo(503);
            assertThat(Gates.started.get()).as("without calling the controller").isEqualTo(calls);

            HttpResponse<String> health = app.get("/actuator/health", null);
            assertThat(health.body()).contains("\"seawall\"").contains("DEGRADED").contains("\"payments\":\"OPEN\"");

            HttpResponse<String> status = app.get("/actuator/seawall", "ops");
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.headers().firstValue("Content-Type").orElse("")).contains("json");
            assertThat(status.body()).startsWith("{\"").contains("\"payments\"").contains("OPEN");
            assertThat(app.get("/actuator/seawall", "alice").statusCode()).as("the app's own rules guard it")
                    .isEqualTo(403);

            // an operator closes it: a JSON POST passes Spring Security's CSRF check, a form post does not
            HttpResponse<String> form = app.send(app.request("/actuator/seawall")
                    .header("Authorization", RunningApp.basic("ops"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=close&breaker=payments")).build());
            assertThat(form.statusCode()).isEqualTo(403);
            HttpResponse<String> close = app.send(app.request("/actuator/seawall")
                    .header("Authorization", RunningApp.basic("ops"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"close\",\"breaker\":\"payments\"}"))
                    .build());
            assertThat(close.statusCode()).as(close.body()).isEqualTo(200);
            Gates.failing = false;
            assertThat(app.get("/api/payments", "alice").statusCode()).isEqualTo(200);
            assertThat(app.get("/actuator/health", null).body()).doesNotContain("DEGRADED");
        } finally {
            Gates.failing = false;
        }
    }

    @Test
    void theEndpointReloadsAndTheMetersReachPrometheus() throws Exception {
        HttpResponse<String> reload = app.send(app.request("/actuator/seawall")
                .header("Authorization", RunningApp.basic("ops"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"reload\"}")).build());
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(reload.body()).contains("\"reload\":\"unchanged\"");
        HttpResponse<String> prometheus = app.get("/actuator/prometheus", null);
        assertThat(prometheus.body()).contains("seawall_").contains("\"payments\"");
    }

    @Test
    void aJerseyResourceIsGuardedByTheSameFilter() throws Exception {
        assertThat(app.get("/jersey/hello", "alice").body()).isEqualTo("hello from jersey");
        assertThat(app.get("/jersey/hello", "alice").statusCode()).isEqualTo(200);
        assertThat(app.get("/jersey/hello", "alice").statusCode()).isEqualTo(429);
    }

    @Test
    void aSeawallFeatureInJerseyReportsToSpringsMeterRegistry() throws Exception {
        HttpResponse<String> r = app.get("/jersey/annotated", "alice");
        assertThat(r.body()).isEqualTo("annotated");
        assertThat(r.headers().firstValue("RateLimit-Policy")).as("the annotation's limit answered").isPresent();
        assertThat(app.get("/actuator/prometheus", null).body())
                .contains("seawall_ratelimit_decisions").contains("policy=\"annotated.hit\"");
    }
}
