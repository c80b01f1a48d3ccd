package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.StatusRange;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.IdempotencyFactory;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.KeyResolvers;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.Policy;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Idempotency keys as a standalone filter for {@code web.xml}: a request of a protected method carrying an
 * {@code Idempotency-Key} runs once per caller and key; a repeat gets the first answer back (with
 * {@code Idempotent-Replayed: true}), a repeat while the first still runs gets 409 with {@code Retry-After}, and a key
 * reused for another request 422. Stacked with other Seawall filters it behaves as the {@code idempotency} block of one
 * {@link SeawallFilter} policy, provided it is the outermost of them (the first Seawall filter that protects a request
 * holds its key; the others run it as usual). Map it for the {@code REQUEST} and {@code ASYNC} dispatchers and mark it
 * {@code async-supported} when async applications, or a throttle behind it, are in its chain.
 *
 * <p>Init-params (unknown ones are errors), with the meaning and defaults of the YAML keys of {@code idempotency}:
 * {@code header} (Idempotency-Key), {@code methods} (comma-separated, default POST, PATCH: the methods protected),
 * {@code required} (true | false), {@code expire} (24h), {@code scope} (ip | user: without rate limits the filter knows
 * no API key or tenant; default ip), {@code max-body} (1MB), {@code max-response} (1MB), {@code lease} (60s),
 * {@code keep} (comma-separated statuses, ranges or classes, default 2xx, 4xx), {@code on-failure} (local | allow |
 * deny), {@code max-bytes} (64MB); {@code policy} (default {@code idempotency}: the name in problem bodies, keys and
 * meters); {@code trusted-proxies} (comma-separated) and {@code ipv6-prefix}: the YAML's global settings, which say
 * who the caller is. Or {@code config} plus {@code policy}: the {@code idempotency} block of that policy of a YAML file,
 * with its scope read where the policy's rate limits read it, and the file's global settings. Keys live in this JVM.
 *
 * <p>Thread-safe once initialised.
 */
public class IdempotencyFilter implements Filter {

    private static final Set<String> PARAMS = Set.of("config", "policy", "header", "methods", "required", "expire",
            "scope", "max-body", "max-response", "lease", "keep", "on-failure", "max-bytes", "trusted-proxies",
            "ipv6-prefix");
    private static final List<String> KEYS = List.of("header", "methods", "required", "expire", "scope", "max-body",
            "max-response", "lease", "keep", "on-failure", "max-bytes", "trusted-proxies", "ipv6-prefix");

    private final PolicyRunner runner = new PolicyRunner(this);
    private volatile Seawall engine;
    private volatile IdempotencyConfig config;

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String filterName = filterConfig.getFilterName() == null ? "IdempotencyFilter" : filterConfig.getFilterName();
        InitParams p = new InitParams(filterName, filterConfig, PARAMS);
        PolicyFactory.Context context = InitParams.context(filterConfig);
        try {
            IdempotencyGuard guard;
            String policyName;
            if (p.has("config")) {
                InitParams.YamlPolicy yaml = p.yamlPolicy(filterConfig.getServletContext(), "idempotency",
                        pc -> pc.idempotency() != null, KEYS);
                PolicyConfig pc = yaml.policy();
                policyName = pc.name();
                guard = IdempotencyFactory.guard(pc, TrustedProxies.of(yaml.config().trustedProxies()),
                        yaml.config().ipv6Prefix(), context.store(), context.clock());
            } else {
                policyName = p.has("policy") ? p.get("policy") : "idempotency";
                IdempotencyConfig c = settings(p);
                TrustedProxies trusted = p.trustedProxies();
                int prefix = p.ipv6Prefix();
                guard = new IdempotencyGuard(policyName, c, c.scope() == KeyKind.USER ? KeyResolvers.user(null) : null,
                        KeyResolvers.ip(trusted, prefix), null, null, context.clock());
            }
            IdempotencyConfig c = guard.config();
            Policy policy = CoreAccess.withIdempotency(new Policy(policyName, List.of("/*"), c.methods(),
                    ChainBuilder.create().label("policy " + policyName).allowEmpty().build()), guard);
            // the engine binds the key meters (seawall.idempotency.*) to the application's registry
            this.engine = Seawall.builder().source(filterName).clock(context.clock())
                    .meterRegistry(context.meterRegistry()).policy(policy).build();
            this.config = c;
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    private static IdempotencyConfig settings(InitParams p) throws ServletException {
        IdempotencyConfig.Builder b = IdempotencyConfig.builder();
        p.forward("header", b::header);
        p.forward("methods", v -> {
            List<String> methods = new ArrayList<>();
            for (String m : v.split(",")) {
                methods.add(m.trim());
            }
            b.methods(methods);
        });
        if (p.has("required")) {
            b.required(p.bool("required"));
        }
        p.forward("expire", v -> b.expire(p.duration("expire", null)));
        p.forward("scope", v -> {
            KeyKind kind = KeyKind.fromConfigName(v);
            if (kind != KeyKind.IP && kind != KeyKind.USER) {
                throw p.bad("scope", ConfigValues.quote(v) + " is not a scope of this filter (expected ip or user; an"
                        + " api-key or tenant scope needs config plus policy, whose rate limits say where the identity"
                        + " is read)");
            }
            b.scope(kind);
        });
        p.forward("max-body", v -> b.maxBody(size(p, "max-body", v)));
        p.forward("max-response", v -> b.maxResponse(size(p, "max-response", v)));
        p.forward("lease", v -> b.lease(p.duration("lease", null)));
        p.forward("keep", v -> {
            List<StatusRange> keep = new ArrayList<>();
            for (String s : v.split(",")) {
                try {
                    keep.add(ConfigValues.parseStatusRange(s));
                } catch (IllegalArgumentException e) {
                    throw p.bad("keep", e.getMessage());
                }
            }
            b.keep(keep);
        });
        p.forward("on-failure", v -> {
            IdempotencyConfig.OnFailure f = IdempotencyConfig.OnFailure.fromConfigName(v);
            if (f == null) {
                throw p.bad("on-failure", ConfigValues.quote(v) + " is not a choice (expected local, allow or deny)");
            }
            b.onFailure(f);
        });
        p.forward("max-bytes", v -> b.maxBytes(size(p, "max-bytes", v)));
        return p.build(b::build);
    }

    private static long size(InitParams p, String name, String v) throws ServletException {
        try {
            return ConfigValues.parseSize(v, IdempotencyConfig.MAX_MAX_BYTES);
        } catch (IllegalArgumentException e) {
            throw p.bad(name, e.getMessage());
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        runner.doFilter(engine, request, response, chain);
    }

    /** @return the settings in use (null before init), for status pages and tests */
    public IdempotencyConfig config() {
        return config;
    }

    @Override
    public void destroy() {
        Seawall e = engine;
        engine = null;
        if (e != null) {
            e.close();
        }
    }
}
