package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input on a real servlet container, over raw sockets: spoofed and malformed forwarding headers, header
 * injection, thousands of hops and header lines, IPv6 spellings of one address, odd bytes in API keys and tenant ids,
 * and path tricks. Never a 5xx, never a key the attacker chose, and a request always meets the policy of the path the
 * container routes it to.
 */
class HostileInputEndToEndTest {

    private static TestServer direct;
    private static TestServer proxied;
    private static int counter;

    /** Reports where the container routed the request, so the test can compare it with Seawall's policy. */
    static final class RoutedServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String routed = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
            resp.setHeader("X-Routed", routed.replaceAll("[^A-Za-z0-9/._;%-]", "?"));
            resp.setContentType("text/plain");
            resp.getWriter().write("ok");
        }
    }

    private static String yaml(String trusted) {
        return """
                trusted-proxies: %s
                policies:
                  - name: admin
                    paths: [/admin/*]
                    rate-limits:
                      - {by: ip, name: admin-ip, limit: 100000/1h}
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - {by: ip, name: api-ip, limit: 100000/1h}
                  - name: strict
                    paths: [/strict/*]
                    rate-limits:
                      - {by: ip, name: strict-ip, limit: 3/1h}
                  - name: keys
                    paths: [/keys/*]
                    rate-limits:
                      - {by: api-key, limit: 3/1h, on-missing: reject}
                  - name: tenants
                    paths: [/tenants/*]
                    rate-limits:
                      - {by: tenant, limit: 3/1h, on-missing: reject}
                """.formatted(trusted);
    }

    @BeforeAll
    static void start() throws Exception {
        direct = TestServer.programmatic(SeawallFilter.builder().yaml("seawall.yaml", yaml("[]"))
                .meterRegistry(new SimpleMeterRegistry()).build(), new RoutedServlet(), 50);
        proxied = TestServer.programmatic(SeawallFilter.builder().yaml("seawall.yaml", yaml("[127.0.0.1]"))
                .meterRegistry(new SimpleMeterRegistry()).build(), new RoutedServlet(), 50);
    }

    @AfterAll
    static void stop() throws Exception {
        direct.close();
        proxied.close();
    }

    private static String fresh() {
        counter++;
        return "198.51.100." + (counter % 250 + 1);
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerNeverChooseTheKey() throws Exception {
        // the peer (127.0.0.1) is not trusted here: whatever it claims, it has one bucket on /strict
        String path = "/strict/" + UUID.randomUUID();
        int admitted = 0;
        for (int i = 0; i < 12; i++) {
            RawHttp.Answer a = RawHttp.get(direct.port(), path, "X-Forwarded-For: 203.0.113." + i,
                    "Forwarded: for=\"[2001:db8::" + i + "]\"", "X-Real-IP: 203.0.113." + i);
            assertThat(a.status()).isIn(200, 429);
            if (a.status() == 200) {
                admitted++;
            }
        }
        assertThat(admitted).isLessThanOrEqualTo(3);
    }

    @Test
    void clientWrittenHopsBeforeTheTrustedProxysEntryNeverChooseTheKey() throws Exception {
        String client = fresh();
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            RawHttp.Answer a = RawHttp.get(proxied.port(), "/strict/x",
                    "X-Forwarded-For: 10.0.0." + i + ", 203.0.113." + i + ", " + client);
            assertThat(a.status()).isIn(200, 429);
            admitted += a.status() == 200 ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(3);
    }

    @Test
    void injectedControlBytesAndOversizedHeadersAreRefusedWithoutA5xx() throws Exception {
        List<String[]> hostile = new ArrayList<>();
        hostile.add(new String[] {"X-Forwarded-For: 1.2.3.4\rX-Injected: yes"});
        hostile.add(new String[] {"X-Forwarded-For: 1.2.3.4\u0000, 5.6.7.8"});
        hostile.add(new String[] {"X-Forwarded-For: " + "1.1.1.1, ".repeat(2_000) + fresh()});
        hostile.add(new String[] {"X-API-Key: " + "k".repeat(20_000)});
        hostile.add(new String[] {"X-Forwarded-For: \u00ff\u00fe\u00fd"});
        hostile.add(new String[] {"X-Forwarded-For: unknown, _hidden, [::1]:x, 999.999.999.999"});
        hostile.add(new String[] {"Forwarded: for=\"\\\"\"; by=;;; for=", "X-Forwarded-For: ,,,,"});
        for (String[] headers : hostile) {
            for (String path : new String[] {"/strict/x", "/keys/x", "/tenants/x", "/api/x"}) {
                RawHttp.Answer a = RawHttp.get(proxied.port(), path, headers);
                assertThat(a.status()).as(path + " " + headers[0].substring(0, Math.min(60, headers[0].length())))
                        .isBetween(200, 499);
            }
        }
    }

    @Test
    void thousandsOfDuplicateForwardingLinesAreBoundedAndTheLastHopDecides() throws Exception {
        String client = fresh();
        int admitted = 0;
        for (int round = 0; round < 6; round++) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                lines.add("X-Forwarded-For: 10.9." + round + "." + (i % 250));
            }
            lines.add("X-Forwarded-For: " + client);
            RawHttp.Answer a = RawHttp.get(proxied.port(), "/strict/x", lines.toArray(String[]::new));
            // the container may refuse 301 header lines itself (Tomcat allows 100, Undertow 200) before any filter
            assertThat(a.status()).isIn(200, 429, TestServer.headerLimitStatus());
            if (a.status() == TestServer.headerLimitStatus()) {
                assertThat(Objects.toString(a.header("Content-Type"), "")).as("the container's refusal")
                        .doesNotStartWith("application/problem");
            }
            admitted += a.status() == 200 ? 1 : 0;
        }
        assertThat(admitted).isLessThanOrEqualTo(3);
    }

    @Test
    void ipv6SpellingsOfOneAddressShareOneBucket() throws Exception {
        String[] spellings = {"X-Forwarded-For: 2001:db8:77::1", "X-Forwarded-For: 2001:0db8:0077:0000:0000:0000:0000:0001",
            "X-Forwarded-For: 2001:DB8:77:0:0:0:0:1", "Forwarded: for=\"[2001:db8:77::1]:443\"",
            "X-Forwarded-For: 2001:db8:77::1%eth0", "X-Forwarded-For: 2001:db8:77::2"};
        int admitted = 0;
        for (String s : spellings) {
            RawHttp.Answer a = RawHttp.get(proxied.port(), "/strict/x", s);
            assertThat(a.status()).as(s).isIn(200, 429);
            admitted += a.status() == 200 ? 1 : 0;
        }
        // one /64: every spelling (and ::2, same subscriber) is one client with 3 per hour
        assertThat(admitted).isEqualTo(3);
    }

    @Test
    void oddBytesInApiKeysAndTenantsAreClientErrorsNeverServerErrors() throws Exception {
        String[] keys = {"X-API-Key: \u00ff\u00fe\u0080", "X-API-Key: a b c", "X-API-Key: \u0001\u0002",
            "X-API-Key: " + "z".repeat(5_000), "X-API-Key: ", "X-API-Key: ' OR 1=1 --", "X-API-Key: ../../etc/passwd"};
        for (String k : keys) {
            RawHttp.Answer a = RawHttp.get(proxied.port(), "/keys/x", k);
            assertThat(a.status()).as(k.substring(0, Math.min(40, k.length()))).isIn(200, 400, 401, 429, 431);
            String type = a.header("Content-Type");
            if (type != null && type.startsWith("application/problem+json")) {
                assertThat(a.header("Cache-Control")).isEqualTo("no-store"); // Seawall's own refusal
            } else if (a.status() >= 400) {
                assertThat(a.status()).as("the container's own refusal of a malformed header").isIn(400, 431);
            }
        }
        String[] tenants = {"X-Tenant-ID: \u00ff\u00fe", "X-Tenant-ID: ../etc", "X-Tenant-ID: a/b", "X-Tenant-ID: "
            + "t".repeat(1_000), "X-Tenant-ID: acme\u0000corp", "X-Tenant-ID: <script>"};
        for (String t : tenants) {
            RawHttp.Answer a = RawHttp.get(proxied.port(), "/tenants/x", t);
            assertThat(a.status()).as(t.substring(0, Math.min(40, t.length()))).isIn(400, 431);
            assertThat(a.body()).doesNotContain("<script>").doesNotContain("Exception");
        }
    }

    @Test
    void aPathIsLimitedByThePolicyOfWhereTheContainerRoutesItNeverAnEncodedBypass() throws Exception {
        String[] targets = {"/admin/x", "/api/../admin/x", "//admin/x", "/%61dmin/x", "/admin;jsessionid=1/x",
            "/api/..%2fadmin/x", "/api/%2e%2e/admin/x", "/api/%2E%2E/admin/x", "/ADMIN/x", "/admin/./x",
            "/api/x/../../admin/x", "/admin%2fx", "/./admin/x", "/api;/../admin/x", "/admin/x?to=/api/z",
            "/%2561dmin/x", "/api/..;/admin/x", "/admin/%2e%2e/api/x", "/api/x%00/../../admin/x", "/admin\\x",
            "/api/.%2e/admin/x", "/admin//x", "/api/%c0%ae%c0%ae/admin/x"};
        int routedToAdmin = 0;
        for (String t : targets) {
            RawHttp.Answer a = RawHttp.get(direct.port(), t);
            assertThat(a.status()).as(t).isBetween(200, 499);
            if (a.status() != 200) {
                continue; // the container refused it: nothing reached the application
            }
            // where the container routed it, as a framework behind the servlet may see it: Undertow hands an encoded
            // slash on undecoded ("/admin%2fx"), which Jersey would route to /admin/x
            String routed = a.header("X-Routed").replace("%2f", "/").replace("%2F", "/");
            String policy = a.header("RateLimit-Policy");
            if (routed.equals("/admin") || routed.startsWith("/admin/")) {
                routedToAdmin++;
                assertThat(policy).as(t + " routed to " + routed).startsWith("\"admin-ip\";");
            } else if (routed.equals("/api") || routed.startsWith("/api/")) {
                assertThat(policy).as(t + " routed to " + routed).startsWith("\"api-ip\";");
            } else {
                assertThat(policy).as(t + " routed to " + routed).isNull();
            }
        }
        assertThat(routedToAdmin).as("several tricks do reach /admin, and all met its policy").isGreaterThan(3);
    }
}
