package dev.seawall.core.internal.config;

import dev.seawall.core.chain.Exemption;
import dev.seawall.core.config.ExemptConfig;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.config.ThrottleConfig;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.internal.policy.PathPolicyTable;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.KeyResolvers;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.ratelimit.MapPlanResolver;
import dev.seawall.core.ratelimit.PlanResolver;
import dev.seawall.core.throttle.PriorityClassifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * What a stage resolves per request, built from its configuration: the throttle's priority classifier, a limit's
 * key resolver and plan resolver. Stateless and thread-safe; build-time only (what it returns is per-request).
 */
final class StageResolvers {

    private StageResolvers() {
    }

    /** Paths first, then roles, then the header: the first rule that matches decides. */
    static PriorityClassifier classifier(ThrottleConfig.Priority p) {
        return rules(p.paths(), p.roles(), p.header(), List.of("high", "low", "normal"), PriorityClassifier::parse,
                request -> true, "priority ");
    }

    /**
     * Paths first, then roles, then the header: the first rule that matches decides, otherwise default. The header
     * is read only when the socket peer is inside {@code trusted}: a client talking to us directly cannot claim
     * critical. Critical maps to the highest queue class, sheddable to the lowest.
     */
    static PriorityClassifier criticality(ThrottleConfig.Criticality c, TrustedProxies trusted) {
        return rules(c.paths(), c.roles(), c.header(), List.of("critical", "sheddable", "default"),
                StageResolvers::criticalityClass, request -> trusted.trusts(request.remoteAddress()), "criticality ");
    }

    /**
     * One classifier of class rules, built once: paths, then roles (in {@code roleOrder}), then the header when
     * {@code headerBelieved} says so; otherwise {@link PriorityClassifier#NORMAL}.
     *
     * @param parse the queue class of a class name, or -1
     */
    private static PriorityClassifier rules(Map<String, List<String>> byPath, Map<String, List<String>> byRole,
                                            String header, List<String> roleOrder, ToIntFunction<String> parse,
                                            Predicate<RequestView> headerBelieved, String what) {
        PathPolicyTable.Builder<Integer> table = PathPolicyTable.builder();
        byPath.forEach((cls, patterns) -> patterns.forEach(
                pattern -> table.add(pattern, Set.of(), parse.applyAsInt(cls), what + cls)));
        PathPolicyTable<Integer> paths = table.build();
        List<String> roles = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        for (String cls : roleOrder) {
            for (String role : byRole.getOrDefault(cls, List.of())) {
                roles.add(role);
                classes.add(parse.applyAsInt(cls));
            }
        }
        return request -> {
            Integer byPathClass = paths.match(request.method(), request.path());
            if (byPathClass != null) {
                return byPathClass;
            }
            for (int i = 0; i < roles.size(); i++) {
                if (request.userInRole(roles.get(i))) {
                    return classes.get(i);
                }
            }
            if (header != null && headerBelieved.test(request)) {
                int c = parse.applyAsInt(request.header(header));
                if (c >= 0) {
                    return c;
                }
            }
            return PriorityClassifier.NORMAL;
        };
    }

    /** @return the queue class of critical, default or sheddable (case and spaces ignored), or -1 */
    static int criticalityClass(String name) {
        if (name == null || name.length() > 16) {
            return -1;
        }
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "critical" -> PriorityClassifier.HIGH;
            case "default" -> PriorityClassifier.NORMAL;
            case "sheddable" -> PriorityClassifier.LOW;
            default -> -1;
        };
    }

    static PlanResolver planResolver(RateLimitConfig l, PlanResolver spi) {
        MapPlanResolver fromYaml = new MapPlanResolver(l.planOf());
        if (spi == null) {
            return fromYaml;
        }
        return (kind, identity) -> {
            String plan = spi.planFor(kind, identity);
            return plan != null ? plan : fromYaml.planFor(kind, identity);
        };
    }

    static KeyResolver resolver(RateLimitConfig l, TrustedProxies trusted, int ipv6Prefix) {
        KeyKind by = l.by();
        return switch (by) {
            case IP -> KeyResolvers.ip(trusted, ipv6Prefix);
            case API_KEY -> KeyResolvers.apiKey(l.header());
            case USER -> KeyResolvers.user(l.attribute());
            case TENANT -> KeyResolvers.tenant(l.source(), l.header(), l.segment());
        };
    }

    /**
     * @param exempt the policy's own block and the file's, or null
     * @return who skips the policy's rate limits and throttle, or null when nobody does (or it has neither)
     */
    static Exemption exemption(PolicyConfig p, ExemptConfig exempt, TrustedProxies trusted) {
        if (exempt == null || (p.rateLimits().isEmpty() && p.throttle() == null)) {
            return null;
        }
        return Exemption.builder(p.name()).trustedProxies(trusted).networks(exempt.networks()).paths(exempt.paths())
                .roles(exempt.roles()).build();
    }
}
