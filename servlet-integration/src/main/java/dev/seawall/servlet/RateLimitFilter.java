package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.ConfigValues;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.PolicyFactory;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitHeaders;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 *       file's global settings).</li>
 * </ul>
 * Stacked Seawall filters cooperate: when an inner one rejects, outer ones refund their tokens, and their
 * {@code RateLimit} headers are joined into one list, so the wire is the same as one {@link SeawallFilter}.
 *
 * <p>Thread-safe once initialised.
 */
public class RateLimitFilter implements Filter {

    private static final Set<String> PARAMS = Set.of("config", "policy", "by", "limit", "name", "header",
            "on-missing", "max-keys", "attribute", "source", "segment", "trusted-proxies", "ipv6-prefix", "headers",
            "methods");

    private final PolicyRunner runner = new PolicyRunner(this);
    private volatile Seawall engine;
    private volatile RateLimitStage stage;

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String filterName = filterConfig.getFilterName() == null ? "RateLimitFilter" : filterConfig.getFilterName();
        Params p = new Params(filterName, filterConfig);
        MeterRegistry registry = filterConfig.getServletContext() != null
                && filterConfig.getServletContext().getAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE)
                instanceof MeterRegistry r ? r : Metrics.globalRegistry;
        PolicyFactory.Context context = new PolicyFactory.Context(NanoClock.system(), registry, null);
        try {
            RateLimitStage built;
            String policyName;
            Set<String> methods = p.methods();
            if (p.has("config")) {
                ConfigLocator.Located located = ConfigLocator.locate(p.get("config"), filterConfig.getServletContext());
                SeawallConfig config = ConfigLoader.parse(located.sourceName(), located.text());
                policyName = p.get("policy");
                if (policyName == null) {
                    throw new ServletException(filterName + ": init-param policy is required with config");
                }
                PolicyConfig pc = config.policy(policyName);
                if (pc == null || pc.rateLimits().isEmpty()) {
                    throw new ServletException(filterName + ": " + located.sourceName() + " has no policy \""
                            + policyName + "\" with rate-limits");
                }
                for (String only : List.of("by", "limit", "name", "header", "on-missing", "max-keys", "attribute",
                        "source", "segment", "trusted-proxies", "ipv6-prefix", "headers")) {
                    if (p.has(only)) {
                        throw new ServletException(filterName + ": init-param " + only + " conflicts with config;"
                                + " set it in " + located.sourceName());
                    }
                }
                built = PolicyFactory.rateLimitStage(config.source(), policyName, pc.line(), pc.rateLimits(),
                        TrustedProxies.of(config.trustedProxies()), config.ipv6Prefix(), config.rateLimitHeaders(),
                        context);
            } else {
                policyName = p.has("policy") ? p.get("policy") : "rate-limit";
                built = PolicyFactory.rateLimitStage("init-param", policyName, 0, List.of(p.limit()),
                        p.trustedProxies(), p.ipv6Prefix(), p.headers(), context);
            }
            this.stage = built;
            Policy policy = new Policy(policyName, List.of("/*"), methods, ChainBuilder.create().add(built).build());
            this.engine = Seawall.builder().source(filterName).policy(policy).build();
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        runner.doFilter(engine, request, response, chain);
    }

    /** @return the stage in use (null before init), for status pages and tests */
    public RateLimitStage stage() {
        return stage;
    }

    @Override
    public void destroy() {
        engine = null;
    }

    /** Reads and checks init-params; every error names the filter and the parameter. */
    private static final class Params {
        private final String filter;
        private final FilterConfig config;

        Params(String filter, FilterConfig config) throws ServletException {
            this.filter = filter;
            this.config = config;
            for (String n : Collections.list(config.getInitParameterNames())) {
                if (!PARAMS.contains(n)) {
                    throw new ServletException(filter + ": unknown init-param " + n + " (known: "
                            + new java.util.TreeSet<>(PARAMS) + ")");
                }
            }
        }

        boolean has(String name) {
            String v = config.getInitParameter(name);
            return v != null && !v.isBlank();
        }

        String get(String name) {
            String v = config.getInitParameter(name);
            return v == null ? null : v.trim();
        }

        ServletException bad(String name, String problem) {
            return new ServletException(filter + ": init-param " + name + ": " + problem);
        }

        String required(String name) throws ServletException {
            if (!has(name)) {
                throw bad(name, "is required");
            }
            return get(name);
        }

        Set<String> methods() throws ServletException {
            Set<String> out = new LinkedHashSet<>();
            if (has("methods")) {
                for (String m : get("methods").split(",")) {
                    String t = m.trim().toUpperCase(Locale.ROOT);
                    if (!t.matches("[A-Z0-9!#$%&'*+.^_`|~-]{1,32}")) {
                        throw bad("methods", ConfigValues.quote(m) + " is not an HTTP method");
                    }
                    out.add(t);
                }
            }
            return out;
        }

        RateLimitConfig limit() throws ServletException {
            String byText = required("by");
            KeyKind by = KeyKind.fromConfigName(byText);
            if (by == null) {
                throw bad("by", ConfigValues.quote(byText) + " is not a key kind (expected ip, user, api-key or tenant)");
            }
            List<Rate> rates;
            try {
                rates = ConfigValues.parseRates(required("limit"));
            } catch (IllegalArgumentException e) {
                throw bad("limit", e.getMessage());
            }
            String name = has("name") ? get("name") : by.configName();
            OnMissing onMissing = OnMissing.SKIP;
            if (has("on-missing")) {
                if (by == KeyKind.IP) {
                    throw bad("on-missing", "does not apply to by=ip");
                }
                onMissing = OnMissing.fromConfigName(get("on-missing"));
                if (onMissing == null) {
                    throw bad("on-missing", ConfigValues.quote(get("on-missing")) + " is not skip, shared or reject");
                }
            }
            long maxKeys = has("max-keys") ? number("max-keys", 1, 10_000_000) : 100_000;
            if (has("header") && by != KeyKind.API_KEY && by != KeyKind.TENANT) {
                throw bad("header", "applies only to by=api-key or by=tenant");
            }
            if (has("attribute") && by != KeyKind.USER) {
                throw bad("attribute", "applies only to by=user");
            }
            TenantSource source = by == KeyKind.TENANT ? TenantSource.HEADER : null;
            if (has("source")) {
                if (by != KeyKind.TENANT) {
                    throw bad("source", "applies only to by=tenant");
                }
                source = TenantSource.fromConfigName(get("source"));
                if (source == null) {
                    throw bad("source", ConfigValues.quote(get("source")) + " is not header, subdomain or path-segment");
                }
            }
            int segment = -1;
            if (source == TenantSource.PATH_SEGMENT) {
                segment = (int) number("segment", 0, 64);
            } else if (has("segment")) {
                throw bad("segment", "applies only to source=path-segment");
            }
            return new RateLimitConfig(name, 0, by, get("header"), rates, onMissing, maxKeys, get("attribute"), source,
                    segment, Map.of(), Map.of());
        }

        TrustedProxies trustedProxies() throws ServletException {
            if (!has("trusted-proxies")) {
                return TrustedProxies.none();
            }
            List<String> entries = new ArrayList<>();
            for (String e : get("trusted-proxies").split(",")) {
                entries.add(e.trim());
            }
            try {
                return TrustedProxies.of(entries);
            } catch (IllegalArgumentException e) {
                throw bad("trusted-proxies", e.getMessage());
            }
        }

        int ipv6Prefix() throws ServletException {
            return has("ipv6-prefix") ? (int) number("ipv6-prefix", 1, 128) : 64;
        }

        RateLimitHeaders headers() throws ServletException {
            if (!has("headers")) {
                return RateLimitHeaders.IETF;
            }
            RateLimitHeaders h = RateLimitHeaders.fromConfigName(get("headers"));
            if (h == null) {
                throw bad("headers", ConfigValues.quote(get("headers")) + " is not ietf, legacy, both or none");
            }
            return h;
        }

        long number(String name, long min, long max) throws ServletException {
            String v = required(name);
            if (!v.matches("\\d{1,12}")) {
                throw bad(name, ConfigValues.quote(v) + " is not a whole number");
            }
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw bad(name, n + " is outside " + min + "-" + max);
            }
            return n;
        }
    }
}
