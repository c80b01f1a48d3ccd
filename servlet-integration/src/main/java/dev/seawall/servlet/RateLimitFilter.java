package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exemption;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitHeaders;
import dev.seawall.core.ratelimit.RateLimitStage;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One rate limit as a standalone filter, for stacking in {@code web.xml} by filter-mapping order. The
 * filter-mapping decides which requests it sees; the limit applies to all of them.
 *
 * <p>Init-params (unknown ones are errors):
 * <ul>
 *   <li>{@code by} (ip | api-key | user | tenant) and {@code limit} ({@code 100/1m} or {@code 10/1s, 300/1m}),
 *       required unless {@code config} is given;</li>
 *   <li>optional {@code name}, {@code header}, {@code on-missing}, {@code max-keys}, {@code attribute},
 *       {@code source}, {@code segment}, with the meaning of the YAML keys of a rate limit;</li>
 *   <li>{@code policy}: the policy name in problem bodies, headers and metrics (default {@code rate-limit});</li>
 *   <li>{@code trusted-proxies} (comma-separated), {@code ipv6-prefix}, {@code headers} (ietf | legacy | both |
 *       none): the YAML's global settings;</li>
 *   <li>or {@code config} plus {@code policy}: take every rate limit of that policy of a YAML file (and the
 *       file's global settings). Requests that policy's {@code exempt} block or the file's top-level one matches
 *       skip the limits and are counted by {@code seawall.requests.exempt}; with init-params alone nothing is
 *       exempt.</li>
 * </ul>
 * Stacked Seawall filters cooperate: when an inner one rejects, outer ones refund their tokens, and their
 * {@code RateLimit} headers are joined into one list, so the wire is the same as one {@link SeawallFilter}.
 *
 * <p>Thread-safe once initialised.
 */
public class RateLimitFilter extends StandaloneFilter<RateLimitStage> {

    private static final Set<String> PARAMS = Set.of("config", "policy", "by", "limit", "name", "header",
            "on-missing", "max-keys", "attribute", "source", "segment", "trusted-proxies", "ipv6-prefix", "headers",
            "methods", "mode", "cost");


    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String filterName = filterConfig.getFilterName() == null ? "RateLimitFilter" : filterConfig.getFilterName();
        InitParams p = new InitParams(filterName, filterConfig, PARAMS);
        PolicyFactory.Context context = InitParams.context(filterConfig);
        try {
            RateLimitStage built;
            Exemption exemption = null;
            String policyName;
            Set<String> methods = p.methods();
            if (p.has("config")) {
                InitParams.YamlPolicy yaml = p.yamlPolicy(filterConfig.getServletContext(), "rate-limits",
                        pc -> !pc.rateLimits().isEmpty(), List.of("by", "limit", "name", "header", "on-missing",
                                "max-keys", "attribute", "source", "segment", "trusted-proxies", "ipv6-prefix", "headers",
                                "mode", "cost"));
                SeawallConfig config = yaml.config();
                PolicyConfig pc = yaml.policy();
                policyName = pc.name();
                built = PolicyFactory.rateLimitStage(PolicyFactory.Where.policy(config, policyName), policyName,
                        pc.rateLimits(),
                        TrustedProxies.of(config.trustedProxies()), config.ipv6Prefix(), config.rateLimitHeaders(),
                        context);
                exemption = PolicyFactory.exemption(config, pc);
            } else {
                policyName = p.has("policy") ? p.get("policy") : "rate-limit";
                built = PolicyFactory.rateLimitStage(PolicyFactory.Where.of("init-param"), policyName, List.of(limit(p)),
                        p.trustedProxies(), p.ipv6Prefix(), headers(p), context);
            }
            install(filterName, policyName, methods, built, exemption, context.meterRegistry());
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    /** @return the rate limit the init-params describe, built by the YAML's builder */
    static RateLimitConfig limit(InitParams p) throws ServletException {
        String byText = p.required("by");
        KeyKind by = KeyKind.fromConfigName(byText);
        if (by == null) {
            throw p.bad("by", ConfigValues.quote(byText) + " is not a key kind (expected ip, user, api-key or tenant)");
        }
        List<Rate> rates;
        try {
            rates = ConfigValues.parseRates(p.required("limit"));
        } catch (IllegalArgumentException e) {
            throw p.bad("limit", e.getMessage());
        }
        RateLimitConfig.Builder b = RateLimitConfig.builder(by).rates(rates);
        p.forward("name", b::name);
        p.forward("header", b::header);
        p.forward("on-missing", v -> {
            if (by == KeyKind.IP) {
                b.onMissing(OnMissing.SKIP); // refused for by=ip, whatever the value
            }
            OnMissing onMissing = OnMissing.fromConfigName(v);
            if (onMissing == null) {
                throw p.bad("on-missing", ConfigValues.quote(v) + " is not a choice (expected skip, shared or reject)");
            }
            b.onMissing(onMissing);
        });
        p.forward("max-keys", v -> p.forwardInt("max-keys", b::maxKeys));
        p.forward("attribute", b::attribute);
        p.forward("source", v -> {
            if (by != KeyKind.TENANT) {
                b.source(TenantSource.HEADER); // refused for any other by, whatever the value
            }
            TenantSource source = TenantSource.fromConfigName(v);
            if (source == null) {
                throw p.bad("source", ConfigValues.quote(v)
                        + " is not a tenant source (expected header, subdomain or path-segment)");
            }
            b.source(source);
        });
        p.forwardInt("segment", b::segment);
        p.forward("mode", b::mode);
        p.forward("cost", v -> cost(p, v, b));
        return p.build(b::build);
    }

    /**
     * {@code cost}: a whole number (what every request spends), or the YAML mapping's entries separated by commas,
     * {@code POST: 5, default: 1, attribute: app.cost}; each forwarded to the builder like the YAML's.
     */
    private static void cost(InitParams p, String v, RateLimitConfig.Builder b) throws ServletException {
        if (v.indexOf(':') < 0) {
            b.costDefault(whole(p, "cost", v));
            return;
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String part : v.split(",", -1)) {
            int colon = part.indexOf(':');
            if (colon < 0) {
                throw p.bad("cost", ConfigValues.quote(part.trim()) + " is not an entry (expected METHOD: tokens,"
                        + " default: tokens or attribute: name, separated by commas)");
            }
            String key = part.substring(0, colon).trim();
            String value = part.substring(colon + 1).trim();
            if (!seen.add(key.toUpperCase(java.util.Locale.ROOT))) {
                throw p.bad("cost", ConfigValues.quote(key) + " is given twice");
            }
            switch (key) {
                case "attribute" -> b.costAttribute(value);
                case "default" -> b.costDefault(whole(p, "cost.default", value));
                default -> b.cost(key, whole(p, "cost." + key, value));
            }
        }
    }

    private static long whole(InitParams p, String name, String text) throws ServletException {
        try {
            return ConfigValues.parseWholeNumber(text);
        } catch (IllegalArgumentException e) {
            throw p.bad(name, e.getMessage());
        }
    }

    private static RateLimitHeaders headers(InitParams p) throws ServletException {
        if (!p.has("headers")) {
            return RateLimitHeaders.IETF;
        }
        RateLimitHeaders h = RateLimitHeaders.fromConfigName(p.get("headers"));
        if (h == null) {
            throw p.bad("headers", ConfigValues.quote(p.get("headers")) + " is not ietf, legacy, both or none");
        }
        return h;
    }

    /** @return the stage in use (null before init), for status pages and tests */
    @Override
    public RateLimitStage stage() {
        return super.stage();
    }
}
