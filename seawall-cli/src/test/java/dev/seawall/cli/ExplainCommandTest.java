package dev.seawall.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** explain: the engine's choice, the patterns it beat, the stages in order and the limits for the headers. */
class ExplainCommandTest {

    static final String CONFIG = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 100/1m
                  - by: api-key
                    limit: 10/1s
                    plans: { gold: 100/1s }
                    plan-of: { k1: gold }
              - name: orders
                paths: [/api/orders/*]
                methods: [GET]
                timeout: { after: 2s }
                circuit-breaker: { failure-rate: 50 }
              - name: posts
                paths: [/api/orders/7]
                methods: [POST]
                throttle: { max-concurrent: 4 }
              - name: ordered
                paths: [/slow/*]
                order: [timeout, circuit-breaker]
                timeout: { after: 1s }
                circuit-breaker: { failure-rate: 50 }
            """;

    @TempDir
    Path dir;
    String file;

    @BeforeEach
    void write() throws IOException {
        file = Files.writeString(dir.resolve("seawall.yaml"), CONFIG).toString();
    }

    @Test
    void theMostSpecificPatternWinsAndTheBroaderPolicyIsShownBeaten() {
        CliRun r = CliRun.run("explain", file, "GET", "/api/orders/7");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("Policy: orders (line 11)")
                .contains("Why: the longest matching prefix, /api/orders/*")
                .contains("/api/orders/7 (policy posts): matches the path but does not cover GET")
                .contains("/api/* (policy api): less specific: its stages do not run for this request");
        // the stages in the chain's order: the default order puts the breaker outside the timeout
        assertThat(r.out()).contains("1. circuit-breaker: failure-rate=50 minimum-calls=20 ")
                .contains("open-for=30s").contains("2. timeout: after=2s status=503\n")
                .doesNotContain("=null");
    }

    @Test
    void anExactPatternForTheMethodWins() {
        CliRun r = CliRun.run("explain", file, "post", "/api/orders/7?page=2");
        assertThat(r.out()).contains("(the query string is ignored").contains("Request: POST /api/orders/7")
                .contains("Policy: posts").contains("Why: exact match of /api/orders/7")
                .contains("1. throttle: max-concurrent=4 queue=0 ");
    }

    @Test
    void anExplicitOrderIsTheOrderShownWithTheEnginesWarning() {
        CliRun r = CliRun.run("explain", file, "GET", "/slow/x");
        assertThat(r.out()).containsSubsequence("1. timeout:", "2. circuit-breaker:").contains("warning: ");
    }

    @Test
    void theLimitsAndKeysForTheHeadersAreShown() {
        CliRun with = CliRun.run("explain", file, "GET", "/api/x", "-H", "X-API-Key: k1");
        assertThat(with.out()).contains("Policy: api")
                .contains("by ip, [100/1m]; keyed by the client address")
                .contains("by api-key, [10/1s]; keyed by header X-API-Key: present, plan gold [100/1s]")
                .doesNotContain("k1"); // a key is a credential: never printed
        CliRun without = CliRun.run("explain", file, "GET", "/api/x");
        assertThat(without.out()).contains("keyed by header X-API-Key: absent, so on-missing skip applies");
    }

    @Test
    void noPolicyIsAnAnswerNotAnError() {
        CliRun r = CliRun.run("explain", file, "GET", "/elsewhere");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("Policy: none (the request passes untouched)");
    }

    @Test
    void badArgumentsAndFilesAreRefused() throws IOException {
        assertThat(CliRun.run("explain", file, "GET", "api").status()).isEqualTo(SeawallCli.USAGE);
        assertThat(CliRun.run("explain", file, "G E T", "/api").status()).isEqualTo(SeawallCli.USAGE);
        assertThat(CliRun.run("explain", file, "GET", "/api", "-H", "no colon").status())
                .isEqualTo(SeawallCli.USAGE);
        assertThat(CliRun.run("explain", file, "GET").status()).isEqualTo(SeawallCli.USAGE);
        CliRun missing = CliRun.run("explain", dir.resolve("nope.yaml").toString(), "GET", "/api");
        assertThat(missing.status()).isEqualTo(SeawallCli.USAGE);
        assertThat(missing.out()).contains("nope.yaml: no such file");
        String bad = Files.writeString(dir.resolve("bad.yaml"), "policies:\n  - name: x\n    paths: [/x/*]\n"
                + "    timeout: soon\n").toString();
        CliRun invalid = CliRun.run("explain", bad, "GET", "/x/1");
        assertThat(invalid.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(invalid.out()).contains("\"soon\" is not a duration").contains("bad.yaml: invalid (1 problem)");
    }

    @Test
    void everyKindOfPatternIsRankedAsTheEngineRanksIt() throws IOException {
        String f = Files.writeString(dir.resolve("kinds.yaml"), """
                policies:
                  - name: all
                    paths: [/]
                    timeout: { after: 5s }
                  - name: json
                    paths: ["*.json"]
                    timeout: { after: 4s }
                  - name: api
                    paths: [/api/*]
                    timeout: { after: 3s }
                """).toString();
        CliRun ext = CliRun.run("explain", f, "GET", "/x/report.json");
        assertThat(ext.out()).contains("Policy: json").contains("Why: no exact or prefix pattern matches; extension"
                + " *.json").contains("  / (policy all): less specific");
        CliRun prefix = CliRun.run("explain", f, "GET", "/api/report.json");
        assertThat(prefix.out()).contains("Policy: api").containsSubsequence("*.json (policy json): less specific",
                "/ (policy all): less specific");
        CliRun def = CliRun.run("explain", f, "DELETE", "/else");
        assertThat(def.out()).contains("Policy: all").contains("Why: no other pattern matches; default /");
    }

    @Test
    void jsonOutputIsOneObjectForTools() {
        CliRun r = CliRun.run("explain", "--format", "json", file, "GET", "/api/orders/7?x=1");
        assertThat(r.status()).isZero();
        assertThat(r.out().lines()).hasSize(1);
        assertThat(r.out().trim()).startsWith("{\"method\":\"GET\",\"path\":\"/api/orders/7\",\"notes\":[],"
                        + "\"policy\":\"orders\",\"pattern\":\"/api/orders/*\",\"matched\":\"prefix\",\"others\":[")
                .contains("{\"pattern\":\"/api/orders/7\",\"policy\":\"posts\",\"why\":\"method-not-covered\"}")
                .contains("{\"pattern\":\"/api/*\",\"policy\":\"api\",\"why\":\"less-specific\"}")
                .contains("\"stages\":[{\"stage\":\"circuit-breaker\",\"settings\":\"failure-rate=50 ")
                .endsWith("\"exempt\":\"no\",\"limits\":[]}");
        CliRun none = CliRun.run("explain", "--format", "json", file, "GET", "/elsewhere");
        assertThat(none.out().trim()).isEqualTo("{\"method\":\"GET\",\"path\":\"/elsewhere\",\"notes\":[],"
                + "\"policy\":null,\"pattern\":null,\"matched\":null,\"others\":[],\"stages\":[],\"warnings\":[],"
                + "\"exempt\":\"no\",\"limits\":[]}");
    }

    static final String CALLERS = """
            trusted-proxies: [10.0.0.0/8]
            policies:
              - name: api
                paths: [/api/*]
                exempt: { networks: [192.0.2.0/24], roles: [ops], paths: [/api/health] }
                rate-limits:
                  - by: ip
                    limit: 100/1m
                  - by: user
                    limit: 10/1s
                    on-missing: reject
            """;

    @Test
    void theCallerDecidesExemptionsAndKeysAsTheEngineWould() throws IOException {
        String f = Files.writeString(dir.resolve("callers.yaml"), CALLERS).toString();
        CliRun unknown = CliRun.run("explain", f, "GET", "/api/x");
        assertThat(unknown.out()).contains("Exempt: unknown: its networks need --client-ip")
                .contains("give --client-ip to see which")
                .contains("keyed by the authenticated user: none (give --user), so on-missing reject applies");
        CliRun path = CliRun.run("explain", f, "GET", "/api/health");
        assertThat(path.out()).contains("Exempt: yes, by path");
        CliRun role = CliRun.run("explain", f, "GET", "/api/x", "--user", "ann", "--role", "ops");
        assertThat(role.out()).contains("Exempt: yes, by role").contains("keyed by the authenticated user: present");
        // behind a trusted proxy the client is the address the proxy forwarded; from elsewhere the header is ignored
        CliRun proxied = CliRun.run("explain", f, "GET", "/api/x", "--client-ip", "10.1.2.3", "-H",
                "X-Forwarded-For: 192.0.2.9");
        assertThat(proxied.out()).contains("Exempt: yes, by network")
                .contains("keyed by client 192.0.2.9 (behind trusted proxy 10.1.2.3)");
        CliRun spoofed = CliRun.run("explain", f, "GET", "/api/x", "--client-ip", "203.0.113.7", "-H",
                "X-Forwarded-For: 192.0.2.9");
        assertThat(spoofed.out()).contains("Exempt: no").contains("keyed by client 203.0.113.7\n");
        CliRun v6 = CliRun.run("explain", f, "GET", "/api/x", "--client-ip", "2001:db8:1:2:3:4:5:6", "--format",
                "json");
        assertThat(v6.out()).contains("\"exempt\":\"no\"").contains("keyed by client 2001:db8:1:2::/64");
    }

    @Test
    void aCallerThatIsNotALiteralOrRolesWithoutAUserAreRefused() {
        for (String bad : new String[] {"localhost", "example.com", "1.2.3", "1.2.3.4.5x", "", "::g"}) {
            assertThat(CliRun.run("explain", file, "GET", "/api/x", "--client-ip", bad).status()).as(bad)
                    .isEqualTo(SeawallCli.USAGE);
        }
        assertThat(CliRun.run("explain", file, "GET", "/api/x", "--role", "ops").status())
                .isEqualTo(SeawallCli.USAGE);
        assertThat(CliRun.run("explain", file, "GET", "/api/x", "--user", "").status())
                .isEqualTo(SeawallCli.USAGE);
    }
}
