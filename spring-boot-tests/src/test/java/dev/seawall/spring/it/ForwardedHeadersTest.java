package dev.seawall.spring.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under every {@code server.forward-headers-strategy}, a client that rotates {@code X-Forwarded-For} never chooses its
 * own bucket: with no trusted proxies configured, its three requests from 127.0.0.1 share one per-IP 2/1m bucket.
 * ({@code native}: Tomcat's RemoteIpValve trusts 127.0.0.1 as an internal proxy and rewrites the address;
 * {@code framework}: Spring's ForwardedHeaderFilter rewrites it for anyone.)
 */
class ForwardedHeadersTest {

    @ParameterizedTest
    @ValueSource(strings = {"none", "native", "framework"})
    void aClientRotatingXForwardedForNeverGetsAFreshBucket(String strategy) throws Exception {
        try (RunningApp app = RunningApp.start("spring.config.name=forwarded",
                "server.forward-headers-strategy=" + strategy)) {
            int[] statuses = new int[3];
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = app.send(app.request("/api/me")
                        .header("Authorization", RunningApp.basic("alice"))
                        .header("X-Forwarded-For", "203.0.113." + (10 + i)).GET().build());
                statuses[i] = r.statusCode();
            }
            assertThat(statuses).as("strategy %s", strategy).containsExactly(200, 200, 429);
        }
    }
}
