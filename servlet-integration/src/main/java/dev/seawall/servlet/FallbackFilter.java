package dev.seawall.servlet;

import dev.seawall.core.config.FallbackConfig;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.PolicyFactory;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Secure fallback responses as a standalone filter for {@code web.xml}. Place it outside a
 * {@link CircuitBreakerFilter} and a {@link TimeoutFilter}: it answers their refusals and timeouts, and the
 * application's exceptions and 5xx responses, with the newest last-good copy ({@code X-Data-Source: cache})
 * or the static response ({@code X-Data-Source: fallback}); normal responses carry {@code X-Data-Source: live}.
 * An exception's message never reaches the client.
 *
 * <p>Init-params (unknown ones are errors), as the YAML keys: {@code status}, {@code content-type},
 * {@code body}, {@code handler}, {@code stale-cache}, {@code cache-entries}, {@code cache-size}, {@code on}
 * (comma-separated), {@code fail-closed}, {@code buffer}, {@code methods}, {@code policy} (default
 * {@code fallback}); or {@code config} plus {@code policy}.
 *
 * <p>Thread-safe once initialised.
 */
public class FallbackFilter extends StandaloneFilter<FallbackStage> {

    private static final Set<String> PARAMS = Set.of("config", "policy", "status", "content-type", "body", "handler",
            "stale-cache", "cache-entries", "cache-size", "cache-no-store", "on", "fail-closed", "buffer", "methods");

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String filterName = filterConfig.getFilterName() == null ? "FallbackFilter" : filterConfig.getFilterName();
        InitParams p = new InitParams(filterName, filterConfig, PARAMS);
        PolicyFactory.Context context = InitParams.context(filterConfig);
        try {
            if (p.has("config")) {
                InitParams.YamlPolicy yaml = p.yamlPolicy(filterConfig.getServletContext(), "a fallback",
                        pc -> pc.fallback() != null, List.of("status", "content-type", "body", "handler",
                                "stale-cache", "cache-entries", "cache-size", "cache-no-store", "on", "fail-closed", "buffer"));
                PolicyConfig pc = yaml.policy();
                install(filterName, pc.name(), p.methods(), PolicyFactory.fallbackStage(
                        PolicyFactory.Where.policy(yaml.config(), pc.name()), pc.name(), pc.fallback(), pc.failClosed(), List.of(), context), pc.failClosed(), pc.bufferBytes());
                return;
            }
            String policyName = p.has("policy") ? p.get("policy") : "fallback";
            FallbackConfig.Builder b = FallbackConfig.builder();
            p.forwardInt("status", b::status);
            p.forward("content-type", b::contentType);
            p.forward("body", b::body);
            p.forward("handler", b::handler);
            p.forward("stale-cache", v -> b.staleCache(p.duration("stale-cache", null)));
            p.forwardInt("cache-entries", b::cacheEntries);
            if (p.has("cache-no-store")) {
                b.cacheNoStore(p.bool("cache-no-store"));
            }
            p.forward("cache-size", v -> {
                try {
                    b.cacheBytes(ConfigValues.parseSize(v, FallbackConfig.MAX_CACHE_BYTES));
                } catch (InvalidSettingException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw p.bad("cache-size", e.getMessage());
                }
            });
            p.forward("on", v -> {
                Set<FallbackTrigger> on = EnumSet.noneOf(FallbackTrigger.class);
                for (String part : v.split(",")) {
                    FallbackTrigger t = FallbackTrigger.fromConfigName(part.trim());
                    if (t == null) {
                        throw p.bad("on", ConfigValues.quote(part.trim()) + " is not a failure a fallback answers"
                                + " (expected circuit-open, timeout, error or throttled)");
                    }
                    on.add(t);
                }
                b.on(on);
            });
            boolean failClosed = p.bool("fail-closed");
            FallbackConfig f = p.build(b::build);
            install(filterName, policyName, p.methods(),
                    PolicyFactory.fallbackStage(PolicyFactory.Where.of("init-param"), policyName, f, failClosed, List.of(), context),
                    failClosed, p.buffer());
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    /** @return the stage in use (null before init), for status pages and tests */
    @Override
    public FallbackStage stage() {
        return super.stage();
    }
}
