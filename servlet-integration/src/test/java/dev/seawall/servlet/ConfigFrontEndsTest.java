package dev.seawall.servlet;

import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.testing.CapturedStderr;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Init-params and the programmatic builder are front ends of the same config rules as the YAML file. */
class ConfigFrontEndsTest {

    /** A filter's configuration outside a container: init-params only. */
    private static FilterConfig params(String filterName, Map<String, String> params) {
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return filterName;
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
    }

    @Test
    void theBreakerFilterRefusesAWindowTheYamlRefuses() {
        // the init-params used to accept window=500ms, which seawall.yaml refuses, and round 1500ms to 1s
        assertThatThrownBy(() -> new CircuitBreakerFilter().init(params("cb", Map.of("window", "500ms"))))
                .isInstanceOf(ServletException.class)
                .hasMessage("cb: init-param window: a time window must be at least 1s");
        assertThatThrownBy(() -> new CircuitBreakerFilter().init(params("cb", Map.of("window", "1500ms"))))
                .isInstanceOf(ServletException.class)
                .hasMessage("cb: init-param window: \"1500ms\" is not a whole number of seconds (a time window counts"
                        + " whole seconds, like 60s)");
        assertThatThrownBy(() -> new CircuitBreakerFilter().init(params("cb", Map.of("failure-rate", "101"))))
                .hasMessage("cb: init-param failure-rate: 101 is outside 1-100");
        CircuitBreakerFilter ok = new CircuitBreakerFilter();
        try {
            init(ok, Map.of("window", "60s", "mode", "shadow"));
            assertThat(ok.stage().shadow()).isTrue();
        } finally {
            ok.destroy();
        }
    }

    private static void init(CircuitBreakerFilter f, Map<String, String> p) {
        try {
            f.init(params("cb", p));
        } catch (ServletException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    @Test
    void theOtherStandaloneFiltersUseTheBuildersRules() throws Exception {
        assertThatThrownBy(() -> new TimeoutFilter().init(params("t", Map.of("after", "1s", "status", "418"))))
                .hasMessage("t: init-param status: 418 is not a timeout status (expected 503, or 504 for a gateway)");
        assertThatThrownBy(() -> new ThrottleFilter().init(params("th", Map.of("max-concurrent", "4",
                "max-concurrent-per-key", "5")))).hasMessage("th: init-param max-concurrent-per-key: 5 is outside 1-4");
        assertThatThrownBy(() -> new ThrottleFilter().init(params("th", Map.of("max-concurrent", "99999999999"))))
                .hasMessage("th: init-param max-concurrent: 99999999999 is outside 1-100000");
        assertThatThrownBy(() -> new ThrottleFilter().init(params("th", Map.of("max-concurrent", "4",
                "mode", "dry-run")))).hasMessage("th: init-param mode: \"dry-run\" is not a mode (expected enforce or shadow)");
        ThrottleFilter shadow = new ThrottleFilter();
        shadow.init(params("th", Map.of("max-concurrent", "4", "mode", "shadow")));
        assertThat(shadow.stage().shadow()).isTrue();
        assertThatThrownBy(() -> new RateLimitFilter().init(params("rl", Map.of("by", "ip", "limit", "1/s",
                "header", "X-Key")))).hasMessage("rl: init-param header: applies only to by: api-key or by: tenant");
        assertThatThrownBy(() -> new RateLimitFilter().init(params("rl", Map.of("by", "ip", "limit", "1/s",
                "mode", "dry-run")))).hasMessage("rl: init-param mode: \"dry-run\" is not a mode (expected enforce or"
                + " shadow)");
        assertThatThrownBy(() -> new FallbackFilter().init(params("fb", Map.of("cache-entries", "5", "status", "503"))))
                .hasMessage("fb: init-param cache-entries: applies only with stale-cache");
        assertThatThrownBy(() -> new FallbackFilter().init(params("fb", Map.of("cache-no-store", "true",
                "status", "503")))).hasMessage("fb: init-param cache-no-store: applies only with stale-cache");
        assertThatThrownBy(() -> new FallbackFilter().init(params("fb", Map.of("cache-no-store", "maybe",
                "stale-cache", "1m")))).hasMessage("fb: init-param cache-no-store: \"maybe\" is not true or false");
        assertThatThrownBy(() -> new FallbackFilter().init(params("fb", Map.of())))
                .hasMessage("fb: has nothing to answer with (add body, status, handler or stale-cache)");
    }

    @Test
    void aRateLimitFiltersCostIsTheYamlCost() throws Exception {
        RateLimitConfig plain = RateLimitFilter.limit(new InitParams("rl", params("rl", Map.of("by", "ip",
                "limit", "100/1m", "cost", "3")), Set.of("by", "limit", "cost")));
        assertThat(plain.cost().methodCost("GET")).isEqualTo(3);
        RateLimitConfig mapped = RateLimitFilter.limit(new InitParams("rl", params("rl", Map.of("by", "ip",
                "limit", "100/1m", "cost", "POST: 5, default: 2, attribute: app.cost")), Set.of("by", "limit", "cost")));
        RateLimitConfig yaml = ConfigLoader.parse("seawall.yaml", "policies:\n  - name: p\n    paths: [/*]\n"
                + "    rate-limits:\n      - by: ip\n        limit: 100/1m\n"
                + "        cost: {POST: 5, default: 2, attribute: app.cost}\n").policies().get(0).rateLimits().get(0);
        assertThat(mapped.cost()).isEqualTo(yaml.cost());
        assertThat(mapped.cost().methodCost("POST")).isEqualTo(5);
        for (String[] bad : new String[][] {
            {"0", "rl: init-param cost.default: 0 is outside 1-1000000"},
            {"many", "rl: init-param cost: \"many\" is not a whole number"},
            {"POST: 5, GET", "rl: init-param cost: \"GET\" is not an entry (expected METHOD: tokens, default: tokens"
                    + " or attribute: name, separated by commas)"},
            {"POST: 5, post: 6", "rl: init-param cost: \"post\" is given twice"},
            {"POST: 500", "rl: init-param cost: a request costing 500 tokens could never pass:"},
            {"PO ST: 5", "rl: init-param cost: \"PO ST\" is not an HTTP method"},
            {"attribute: ", "rl: init-param cost.attribute: must be a request attribute name"},
        }) {
            assertThatThrownBy(() -> RateLimitFilter.limit(new InitParams("rl", params("rl", Map.of("by", "ip",
                    "limit", "100/1m", "cost", bad[0])), Set.of("by", "limit", "cost")))).as(bad[0])
                    .isInstanceOf(ServletException.class).hasMessageStartingWith(bad[1]);
        }
    }

    @Test
    void buildValidatesAConfigFileAtOnce(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "policies:\n  - name: api\n    paths: [/api/*]\n    timeout: soon\n");
        assertThatThrownBy(() -> SeawallFilter.builder().config(bad.toString()).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("bad.yaml:4: policies[0].timeout: \"soon\" is not a duration (expected a whole number and"
                        + " a unit ms, s, m, h or d, like 250ms or 30s)");
        assertThatThrownBy(() -> SeawallFilter.builder().config("classpath:locator/invalid.yaml").build())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("invalid.yaml:4: policies[0].timeout:");
        // a context resource is only known at init
        assertThat(SeawallFilter.builder().config("/WEB-INF/seawall.yaml").build()).isNotNull();
        assertThat(SeawallFilter.builder().config(dir.resolve("not-yet.yaml").toString()).build()).isNotNull();
    }

    @Test
    void aValidFileLoadsAndTheLogCountsPoliciesInGoodEnglish(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "policies:\n  - name: api\n    paths: [/api/*]\n    timeout: 10s\n");
        SeawallFilter filter = SeawallFilter.builder().config(good.toString())
                .watch(java.time.Duration.ofSeconds(10)).build();
        String log;
        try (CapturedStderr err = new CapturedStderr()) {
            filter.init(null);
            log = err.text();
        } finally {
            filter.destroy();
        }
        assertThat(log).contains("Seawall: 1 policy loaded from good.yaml").doesNotContain("1 policies")
                .contains("for changes every 10s").doesNotContain("PT10S");
    }

    @Test
    void aMissingFileIsReportedWithItsAbsolutePathAndTheWorkingDirectory() {
        Path cwd = Path.of("").toAbsolutePath();
        assertThatThrownBy(() -> ConfigLocator.locate("conf/nope.yaml", null))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("conf/nope.yaml")
                .hasMessageContaining(cwd.resolve("conf/nope.yaml").normalize().toString())
                .hasMessageContaining("working directory " + cwd);
    }
}
