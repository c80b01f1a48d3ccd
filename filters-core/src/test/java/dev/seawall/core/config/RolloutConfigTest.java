package dev.seawall.core.config;

import dev.seawall.core.ratelimit.RequestCost;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The keys of safe rollouts: a rate limit's {@code mode} and {@code cost}, and {@code exempt} blocks. */
class RolloutConfigTest {

    private static SeawallConfig parse(String yaml) {
        return ConfigLoader.parse("seawall.yaml", yaml);
    }

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(yaml));
        assertThat(e).as("a config error").isNotNull();
        return e.problems().stream().map(Object::toString).toList();
    }

    @Test
    void modeAndCostAreReadIntoTheLimit() {
        SeawallConfig c = parse("""
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 100/1m
                        mode: shadow
                        cost: {POST: 5, put: 3, default: 2, attribute: seawall.cost}
                      - by: user
                        name: u
                        limit: 10/1s
                        cost: 4
                """);
        RateLimitConfig ip = c.policies().get(0).rateLimits().get(0);
        assertThat(ip.shadow()).isTrue();
        assertThat(ip.cost()).isEqualTo(new RequestCost(Map.of("POST", 5L, "PUT", 3L), 2, "seawall.cost"));
        RateLimitConfig u = c.policies().get(0).rateLimits().get(1);
        assertThat(u.mode()).isEqualTo("enforce");
        assertThat(u.cost()).isEqualTo(new RequestCost(Map.of(), 4, null));
    }

    @Test
    void badModesAndCostsAreErrorsNamingTheirKey() {
        assertThat(problems("""
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 10/1m
                        mode: dry-run
                        cost: {POST: 0, "GET POST": 2, attribute: "", default: lots}
                """)).containsExactly(
                "seawall.yaml:7: policies[0].rate-limits[0].mode: \"dry-run\" is not a mode (expected enforce or shadow)",
                "seawall.yaml:8: policies[0].rate-limits[0].cost.POST: 0 is outside 1-1000000",
                "seawall.yaml:8: policies[0].rate-limits[0].cost: \"GET POST\" is not an HTTP method (expected a"
                        + " method, default or attribute)",
                "seawall.yaml:8: policies[0].rate-limits[0].cost.attribute: must be a request attribute name (1-200"
                        + " printable ASCII characters)",
                "seawall.yaml:8: policies[0].rate-limits[0].cost.default: \"lots\" is not a whole number");
    }

    @Test
    void aMethodCostNoBucketCanHoldIsAnError() {
        assertThat(problems("""
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: api-key
                        limit: 100/1m
                        plans: {free: 3/1m}
                        cost: {POST: 5}
                """)).containsExactly("seawall.yaml:8: policies[0].rate-limits[0].cost: a request costing 5 tokens"
                + " could never pass: plans.free holds 3 when full");
    }

    @Test
    void exemptBlocksAreReadPerPolicyAndAtTheTopAndMerged() {
        SeawallConfig c = parse("""
                exempt:
                  networks: [10.0.0.0/8]
                policies:
                  - name: api
                    paths: [/api/*]
                    throttle: {max-concurrent: 4}
                    exempt:
                      networks: ["2001:db8::/32"]
                      paths: [/api/health]
                      roles: [operator]
                """);
        assertThat(c.exempt()).isEqualTo(new ExemptConfig(List.of("10.0.0.0/8"), List.of(), List.of()));
        PolicyConfig p = c.policies().get(0);
        assertThat(c.exemptFor(p)).isEqualTo(new ExemptConfig(List.of("2001:db8::/32", "10.0.0.0/8"),
                List.of("/api/health"), List.of("operator")));
    }

    @Test
    void hostileExemptEntriesAreErrorsNamingTheEntry() {
        List<String> p = problems("""
                exempt:
                  networks: [10.0.0.0/33]
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits: [{by: ip, limit: 1/1s}]
                    exempt:
                      networks: ["::1/129", not-an-ip, "fe80::1%eth0"]
                      paths: [health, /a/*/b]
                      roles: [" ops", ""]
                      hosts: [x]
                """);
        assertThat(p).containsExactly(
                "seawall.yaml:2: exempt.networks[0]: \"10.0.0.0/33\" has a prefix length outside 0-32",
                "seawall.yaml:8: policies[0].exempt.networks[0]: \"::1/129\" has a prefix length outside 0-128",
                "seawall.yaml:8: policies[0].exempt.networks[1]: \"not-an-ip\" is not an IP address or CIDR block",
                "seawall.yaml:8: policies[0].exempt.networks[2]: \"fe80::1%eth0\" is not an IP address or CIDR block",
                "seawall.yaml:9: policies[0].exempt.paths[0]: \"health\" is not a servlet url-pattern (expected"
                        + " /exact, /prefix/*, *.ext or /)",
                "seawall.yaml:9: policies[0].exempt.paths[1]: \"/a/*/b\" is not a servlet url-pattern (expected"
                        + " /exact, /prefix/*, *.ext or /)",
                "seawall.yaml:10: policies[0].exempt.roles[1]: \"\" is not a role name (1-200 printable characters)",
                "seawall.yaml:11: policies[0].exempt.hosts: unknown key");
    }

    @Test
    void anEmptyExemptBlockOrOneOnAPolicyWithNothingToSkipIsAnError() {
        assertThat(problems("""
                policies:
                  - name: api
                    paths: [/api/*]
                    timeout: 2s
                    exempt: {paths: [/api/health]}
                  - name: b
                    paths: [/b/*]
                    throttle: {max-concurrent: 2}
                    exempt: {}
                """)).containsExactly(
                "seawall.yaml:5: policies[0].exempt: exempts requests from rate limits and the throttle, and this"
                        + " policy has neither",
                "seawall.yaml:9: policies[1].exempt: must list networks, paths or roles (omit exempt for none)");
    }

    @Test
    void theBuilderRefusesWhatTheFileWould() {
        assertThatThrownBy(() -> ExemptConfig.builder().role("ops\u0000")).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("roles");
        assertThatThrownBy(() -> ExemptConfig.builder().network(null)).isInstanceOf(InvalidSettingException.class);
        assertThatThrownBy(() -> ExemptConfig.builder().path("/a b")).isInstanceOf(InvalidSettingException.class);
        ExemptConfig.Builder full = ExemptConfig.builder();
        for (int i = 0; i < ExemptConfig.MAX_ENTRIES; i++) {
            full.path("/p" + i);
        }
        assertThatThrownBy(() -> full.path("/one-more")).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("more than 1000");
        assertThatThrownBy(() -> RateLimitConfig.builder(dev.seawall.core.key.KeyKind.IP).mode("SHADOW"))
                .isInstanceOf(InvalidSettingException.class);
        assertThatThrownBy(() -> RateLimitConfig.builder(dev.seawall.core.key.KeyKind.IP).cost("POST", -1))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("cost.POST");
    }
}
