package dev.seawall.servlet;

import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.StatusRange;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.PolicyFactory;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

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
            PolicyFactory.Where source;
            if (p.has("config")) {
                InitParams.YamlPolicy yaml = p.yamlPolicy(filterConfig.getServletContext(), "a circuit-breaker",
                        pc -> pc.circuitBreaker() != null, List.of("failure-rate", "minimum-calls", "window", "open-for",
                                "half-open-calls", "slow-call", "failure-statuses", "mode", "name"));
                policyName = yaml.policy().name();
                settings = yaml.policy().circuitBreaker();
                source = PolicyFactory.Where.policy(yaml.config(), policyName);
            } else {
                policyName = p.has("policy") ? p.get("policy") : "circuit-breaker";
                settings = fromParams(p);
                source = PolicyFactory.Where.of("init-param");
            }
            install(filterName, policyName, p.methods(),
                    PolicyFactory.breakerStage(source, policyName, settings, context, new PolicyFactory.Breakers()));
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    /** Forwards the init-params present to the one builder that holds the breaker's defaults and rules. */
    private static CircuitBreakerConfig fromParams(InitParams p) throws ServletException {
        CircuitBreakerConfig.Builder b = CircuitBreakerConfig.builder();
        p.forward("name", b::name);
        p.forwardInt("failure-rate", b::failureRate);
        p.forwardInt("minimum-calls", b::minimumCalls);
        p.forward("window", v -> {
            if (v.matches("\\d+")) {
                p.forwardInt("window", b::windowCalls);
            } else {
                b.windowTime(p.duration("window", null));
            }
        });
        p.forward("open-for", v -> b.openFor(p.duration("open-for", null)));
        p.forwardInt("half-open-calls", b::halfOpenCalls);
        p.forward("slow-call", v -> b.slowCall(p.duration("slow-call", null)));
        p.forward("failure-statuses", v -> {
            List<StatusRange> statuses = new ArrayList<>();
            for (String part : v.split(",")) {
                try {
                    statuses.add(ConfigValues.parseStatusRange(part));
                } catch (IllegalArgumentException e) {
                    throw p.bad("failure-statuses", e.getMessage());
                }
            }
            b.failureStatuses(statuses);
        });
        p.forward("mode", b::mode);
        return p.build(b::build);
    }

    /** @return the stage in use (null before init), for status pages and tests */
    @Override
    public BreakerStage stage() {
        return super.stage();
    }
}
