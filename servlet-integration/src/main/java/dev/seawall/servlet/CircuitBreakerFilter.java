package dev.seawall.servlet;

import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.ConfigValues;
import dev.seawall.core.config.PolicyFactory;
import dev.seawall.core.config.StatusRange;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The circuit breaker as a standalone filter for {@code web.xml}. While open, the application behind it is
 * not called: the answer is 503 problem+json with {@code Retry-After} = the remaining open time.
 *
 * <p>Init-params (unknown ones are errors), with the meaning and defaults of the YAML keys: {@code failure-rate}
 * (50), {@code minimum-calls} (20), {@code window} (100 calls, or a duration), {@code open-for} (30s),
 * {@code half-open-calls} (5), {@code slow-call}, {@code failure-statuses} (comma-separated, default 500-599),
 * {@code mode} (enforce | shadow), {@code name}, {@code methods}, {@code policy} (default
 * {@code circuit-breaker}); or {@code config} plus {@code policy}.
 *
 * <p>Thread-safe once initialised.
 */
public class CircuitBreakerFilter extends StandaloneFilter<BreakerStage> {

    private static final Set<String> PARAMS = Set.of("config", "policy", "failure-rate", "minimum-calls", "window",
            "open-for", "half-open-calls", "slow-call", "failure-statuses", "mode", "name", "methods");


    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String filterName = filterConfig.getFilterName() == null ? "CircuitBreakerFilter" : filterConfig.getFilterName();
        InitParams p = new InitParams(filterName, filterConfig, PARAMS);
        PolicyFactory.Context context = InitParams.context(filterConfig);
        try {
            String policyName;
            CircuitBreakerConfig settings;
            String source;
            if (p.has("config")) {
                InitParams.YamlPolicy yaml = p.yamlPolicy(filterConfig.getServletContext(), "a circuit-breaker",
                        pc -> pc.circuitBreaker() != null, List.of("failure-rate", "minimum-calls", "window", "open-for",
                                "half-open-calls", "slow-call", "failure-statuses", "mode", "name"));
                policyName = yaml.policy().name();
                settings = yaml.policy().circuitBreaker();
                source = yaml.config().source();
            } else {
                policyName = p.has("policy") ? p.get("policy") : "circuit-breaker";
                settings = fromParams(p);
                source = "init-param";
            }
            install(filterName, policyName, p.methods(),
                    PolicyFactory.breakerStage(source, policyName, settings, context, new PolicyFactory.Breakers()));
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    private static CircuitBreakerConfig fromParams(InitParams p) throws ServletException {
        int failureRate = p.has("failure-rate") ? (int) p.number("failure-rate", 1, 100) : 50;
        int minimumCalls = p.has("minimum-calls") ? (int) p.number("minimum-calls", 1, 1_000_000) : 20;
        Integer windowCalls = 100;
        Duration windowTime = null;
        if (p.has("window")) {
            if (p.get("window").matches("\\d+")) {
                windowCalls = (int) p.number("window", 1, 1_000_000);
            } else {
                windowCalls = null;
                windowTime = p.duration("window", null);
            }
        }
        List<StatusRange> statuses = new ArrayList<>();
        if (p.has("failure-statuses")) {
            for (String part : p.get("failure-statuses").split(",")) {
                try {
                    statuses.add(ConfigValues.parseStatusRange(part));
                } catch (IllegalArgumentException e) {
                    throw p.bad("failure-statuses", e.getMessage());
                }
            }
        } else {
            statuses.add(new StatusRange(500, 599));
        }
        String mode = p.has("mode") ? p.get("mode") : "enforce";
        if (!mode.equals("enforce") && !mode.equals("shadow")) {
            throw p.bad("mode", ConfigValues.quote(mode) + " is not enforce or shadow");
        }
        return new CircuitBreakerConfig(0, p.get("name"), failureRate, minimumCalls, windowCalls, windowTime,
                p.duration("open-for", Duration.ofSeconds(30)),
                p.has("half-open-calls") ? (int) p.number("half-open-calls", 1, 10_000) : 5,
                p.duration("slow-call", null), statuses, mode);
    }

    /** @return the stage in use (null before init), for status pages and tests */
    @Override
    public BreakerStage stage() {
        return super.stage();
    }
}
