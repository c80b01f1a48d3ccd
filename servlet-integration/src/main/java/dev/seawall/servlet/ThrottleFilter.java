package dev.seawall.servlet;

import dev.seawall.core.chain.Exemption;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.config.ThrottleConfig;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.throttle.ThrottleStage;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The throttle as a standalone filter for {@code web.xml}: a concurrency limit with a bounded wait queue
 * for the requests its filter-mapping sends it. Map it async-supported, for the {@code REQUEST} and
 * {@code ASYNC} dispatchers (queued requests are suspended and resumed by an ASYNC dispatch).
 *
 * <p>Init-params (unknown ones are errors): {@code max-concurrent} (required), {@code queue} (default 0),
 * {@code max-wait} (default 1s), {@code priority-header} (a header whose value is high, normal or low),
 * {@code max-concurrent-per-key} and {@code per-key} (ip | user | api-key | tenant) for fair share,
 * {@code mode} (enforce | shadow), {@code trusted-proxies}, {@code ipv6-prefix}, {@code methods}, {@code policy}
 * (name in problem bodies and metrics, default {@code throttle}); or {@code config} plus {@code policy} to take one
 * YAML policy's throttle, which requests that policy's {@code exempt} block or the file's top-level one matches
 * skip (counted by {@code seawall.requests.exempt}); with init-params alone nothing is exempt.
 *
 * <p>Thread-safe once initialised.
 */
public class ThrottleFilter extends StandaloneFilter<ThrottleStage> {

    private static final Set<String> PARAMS = Set.of("config", "policy", "max-concurrent", "queue", "max-wait",
            "priority-header", "max-concurrent-per-key", "per-key", "trusted-proxies", "ipv6-prefix", "methods", "mode");


    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String filterName = filterConfig.getFilterName() == null ? "ThrottleFilter" : filterConfig.getFilterName();
        InitParams p = new InitParams(filterName, filterConfig, PARAMS);
        PolicyFactory.Context context = InitParams.context(filterConfig);
        try {
            String policyName;
            ThrottleStage built;
            Exemption exemption = null;
            if (p.has("config")) {
                InitParams.YamlPolicy yaml = p.yamlPolicy(filterConfig.getServletContext(), "a throttle",
                        pc -> pc.throttle() != null, List.of("max-concurrent", "queue", "max-wait",
                                "priority-header", "max-concurrent-per-key", "per-key", "trusted-proxies", "ipv6-prefix",
                                "mode"));
                SeawallConfig config = yaml.config();
                PolicyConfig pc = yaml.policy();
                policyName = pc.name();
                built = PolicyFactory.throttleStage(PolicyFactory.Where.policy(config, policyName), policyName,
                        pc.throttle(),
                        TrustedProxies.of(config.trustedProxies()), config.ipv6Prefix(), context);
                exemption = PolicyFactory.exemption(config, pc);
            } else {
                policyName = p.has("policy") ? p.get("policy") : "throttle";
                ThrottleConfig.Builder b = ThrottleConfig.builder();
                p.required("max-concurrent");
                p.forwardInt("max-concurrent", b::maxConcurrent);
                p.forwardInt("queue", b::queue);
                p.forward("max-wait", v -> b.maxWait(p.duration("max-wait", null)));
                p.forward("priority-header", v -> {
                    try {
                        b.priority(new ThrottleConfig.Priority(v, Map.of(), Map.of()));
                    } catch (InvalidSettingException e) {
                        throw p.bad("priority-header", e.problem());
                    }
                });
                p.forwardInt("max-concurrent-per-key", b::maxConcurrentPerKey);
                p.forward("mode", b::mode);
                p.forward("per-key", v -> {
                    KeyKind perKey = KeyKind.fromConfigName(v);
                    if (perKey == null) {
                        throw p.bad("per-key", ConfigValues.quote(v)
                                + " is not a key kind (expected ip, user, api-key or tenant)");
                    }
                    b.perKey(perKey);
                });
                built = PolicyFactory.throttleStage(PolicyFactory.Where.of("init-param"), policyName, p.build(b::build),
                        p.trustedProxies(), p.ipv6Prefix(), context);
            }
            install(filterName, policyName, p.methods(), built, exemption, context.meterRegistry());
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    /** @return the stage in use (null before init), for status pages and tests */
    @Override
    public ThrottleStage stage() {
        return super.stage();
    }
}
