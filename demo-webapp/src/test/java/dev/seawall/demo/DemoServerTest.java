package dev.seawall.demo;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The demo as a newcomer meets it: started for real, its web.xml and seawall.yaml in force. */
class DemoServerTest {

    private static DemoServer demo;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        demo = DemoServer.start(0);
    }

    @AfterAll
    static void stop() throws Exception {
        demo.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return CLIENT.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create(demo.uri() + path));
    }

    @Test
    void helloPassesWithoutRateLimitHeaders() throws Exception {
        HttpResponse<String> r = send(at("/hello"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("RateLimit")).isEmpty();
    }

    @Test
    void loginIsLimitedToFivePerMinutePerIp() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(send(at("/login").POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> r = send(at("/login").POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void catalogNeedsAKeyAndHonoursPlans() throws Exception {
        assertThat(send(at("/api/catalog")).statusCode()).isEqualTo(401);
        HttpResponse<String> pro = send(at("/api/catalog").header("X-API-Key", "demo-pro-key"));
        assertThat(pro.statusCode()).isEqualTo(200);
        assertThat(pro.headers().firstValue("RateLimit-Policy")).hasValue(
                "\"ip\";q=120;w=60, \"api-key\";q=100;w=60, \"api-key-2\";q=20;w=1");
    }

    @Test
    void aFailingCatalogServesEachCallerItsOwnLastGoodCopyAndNeverTheFailure() throws Exception {
        HttpResponse<String> live = send(at("/api/catalog?page=7").header("X-API-Key", "demo-pro-key"));
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.headers().firstValue("X-Data-Source")).hasValue("live");
        HttpResponse<String> cached = send(at("/api/catalog?page=7").header("X-API-Key", "demo-pro-key")
                .header("X-Demo-Fail", "1"));
        assertThat(cached.statusCode()).isEqualTo(200);
        assertThat(cached.headers().firstValue("X-Data-Source")).hasValue("cache");
        assertThat(cached.headers().firstValue("Age")).isPresent();
        assertThat(cached.body()).isEqualTo(live.body());
        HttpResponse<String> other = send(at("/api/catalog?page=7").header("X-API-Key", "demo-free-key")
                .header("X-Demo-Fail", "1"));
        assertThat(other.headers().firstValue("X-Data-Source")).hasValue("fallback");
        assertThat(other.body()).isEqualTo("{\"items\":[],\"degraded\":true}").doesNotContain("jdbc");
    }

    @Test
    void ordersNeedAUserAndAValidTenant() throws Exception {
        String alice = "Basic " + Base64.getEncoder().encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8));
        assertThat(send(at("/api/orders").header("X-Tenant-ID", "acme")).statusCode()).isEqualTo(401);
        assertThat(send(at("/api/orders").header("Authorization", alice).header("X-Tenant-ID", "acme")).statusCode())
                .isEqualTo(200);
        assertThat(send(at("/api/orders").header("Authorization", alice).header("X-Tenant-ID", "../etc")).statusCode())
                .isEqualTo(400);
    }

    @Test
    void aRetriedOrderRunsOnceAndIsReplayed() throws Exception {
        String bob = "Basic " + Base64.getEncoder().encodeToString("bob:bob-pw".getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder order = at("/api/orders").header("Authorization", bob).header("X-Tenant-ID", "acme")
                .header("Idempotency-Key", "\"demo-order-1\"").POST(HttpRequest.BodyPublishers.ofString("{}"));
        HttpResponse<String> first = send(order);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        HttpResponse<String> retry = send(order);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.body()).isEqualTo(first.body());
    }

    @Test
    void metricsExposeSeawallMetersInPrometheusFormat() throws Exception {
        // meters are registered at start-up, so they are there before any traffic (and the login budget is untouched)
        HttpResponse<String> r = send(at("/metrics"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("seawall_ratelimit_decisions_total{").contains("policy=\"login\"")
                .contains("seawall_throttle_in_flight{").contains("seawall_breaker_state{");
    }

    @Test
    void statusNeedsTheTokenAndThenShowsEveryPolicy() throws Exception {
        HttpResponse<String> anonymous = send(at("/seawall/status"));
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(send(at("/seawall/status").header("Authorization", "Bearer wrong-token-of-some-length"))
                .statusCode()).isEqualTo(401);
        HttpResponse<String> r = send(at("/seawall/status").header("Authorization", "Bearer " + demo.statusToken()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.body()).startsWith("{\"source\":\"seawall.yaml\"")
                .contains("\"name\":\"login\"").contains("\"kind\":\"throttle\"")
                .contains("\"breaker\":\"payment-provider\"").contains("\"state\":\"CLOSED\"");
    }

    @Test
    void anOperatorCanForceTheBreakerOpenAndCloseItOnlyWithTheToken() throws Exception {
        String uri = "/seawall/status?breaker=payment-provider&action=";
        assertThat(send(at(uri + "open").POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(401);
        HttpResponse<String> opened = send(at(uri + "open").header("Authorization", "Bearer " + demo.statusToken())
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(opened.statusCode()).isEqualTo(200);
        assertThat(opened.body()).contains("\"state\":\"FORCED_OPEN\"");
        // while open, the application is not called; the payments fallback says "pending", never "accepted"
        HttpResponse<String> refused = send(at("/api/payments"));
        assertThat(refused.statusCode()).isEqualTo(202);
        assertThat(refused.headers().firstValue("X-Data-Source")).hasValue("fallback");
        assertThat(refused.body()).isEqualTo("{\"payment\":\"pending\",\"retry\":true}");
        HttpResponse<String> closed = send(at(uri + "close").header("Authorization", "Bearer " + demo.statusToken())
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(closed.body()).contains("\"state\":\"CLOSED\"");
        assertThat(send(at("/seawall/status?breaker=nope&action=open").header("Authorization", "Bearer "
                + demo.statusToken()).POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(400);
    }

    @Test
    void theStatusPageIsServedFromTheJar() throws Exception {
        HttpResponse<String> page = send(at("/seawall/"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Seawall status</title>").contains("status.js");
        assertThat(send(at("/seawall/status.js")).body()).contains("fetch('status'");
        assertThat(send(at("/seawall/status.css")).statusCode()).isEqualTo(200);
    }

    @Test
    void theStatusPageOffersProviderScenariosLatencyChartsAndTimeoutAndFallbackRows() throws Exception {
        assertThat(send(at("/seawall/")).body()).contains("id=\"scenario-fail60\"").contains("id=\"scenario-reset\"")
                .doesNotContain("http://", "https://"); // everything from this server: no CDN
        assertThat(send(at("/seawall/status.js")).body())
                .contains("optionalJson('latency')").contains("'admin/provider?'").contains("failure=0.6")
                .contains("mode=auto").contains("s.answered").contains("s.overran").contains("s.servedFromCache")
                .contains("s.servedFallback").contains("s.cachedCopies").contains("setInterval(poll, 2000)");
    }

    @Test
    void theStatusPageDrawsFromTheServersHistoryOffersTheStaleCopyScenarioAndShowsTheTokenInUse() throws Exception {
        assertThat(send(at("/seawall/")).body()).contains("id=\"scenario-catalog-down\"").contains("id=\"stale-result\"")
                .contains("id=\"token\"").contains("id=\"token-show\"");
        assertThat(send(at("/seawall/status.js")).body())
                .contains("optionalJson('history')").contains("'admin/catalog?down='").contains("r.headers.get('X-Data-Source')")
                .contains("dataset.ticks").contains("document.getElementById('token').value = t");
    }

    @Test
    void theTrafficGeneratorExercisesEveryPolicy() throws Exception {
        try (DemoServer own = DemoServer.start(0, "a-token-for-this-test-only")) {
            DemoTraffic traffic = new DemoTraffic(own.uri());
            traffic.start();
            try {
                HttpRequest status = HttpRequest.newBuilder(URI.create(own.uri() + "/seawall/status"))
                        .header("Authorization", "Bearer a-token-for-this-test-only").timeout(Duration.ofSeconds(10)).build();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    String body = CLIENT.send(status, HttpResponse.BodyHandlers.ofString()).body();
                    // login refused at least once, catalog and orders admitted, the throttle busy at some point
                    return body.matches("(?s).*\"name\":\"login\".*?\"rejected\":[1-9].*")
                            && body.matches("(?s).*\"name\":\"orders\".*?\"admitted\":[1-9].*");
                });
            } finally {
                traffic.stop();
            }
        }
    }

    @Test
    void portComesFromTheFlagOrTheEnvironmentAndIsValidated() {
        assertThat(DemoServer.port(new String[] {"--port", "9090"})).isEqualTo(9090);
        assertThat(DemoServer.port(new String[] {"--port=0"})).isZero();
        assertThatThrownBy(() -> DemoServer.port(new String[] {"--port", "http"}))
                .hasMessageContaining("is not a port");
    }
}
