package dev.seawall.core.internal.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;

import java.util.Objects;

/**
 * The rules by which a reload keeps a stage's state: used by {@link PolicyFactory} when it builds the new policies,
 * and by tools that tell in advance what a reload will keep or reset, so that both always agree. Stateless and
 * thread-safe.
 */
public final class ReloadCarry {

    private ReloadCarry() {
    }

    /**
     * Whether a reload from {@code old} to {@code next} keeps the state of one stage of the policy named {@code
     * policy} (buckets, queue, breaker window, cached copies): the rule {@link PolicyFactory#policies(SeawallConfig,
     * PolicyFactory.Context, PolicyFactory.Breakers, PolicyFactory.Previous)} applies, for tools that tell in advance
     * what a reload will do. The circuit breaker is kept when a breaker of the same name ({@code
     * circuit-breaker.name}, else the policy's name) was first declared with the same settings in {@code old}.
     *
     * @param sameStore whether the reload keeps the bucket store ({@code store:} unchanged)
     * @return false when either file has no such policy or stage
     */
    public static boolean keeps(SeawallConfig old, SeawallConfig next, String policy, StageKind kind,
                                boolean sameStore) {
        PolicyConfig o = old.policy(policy);
        PolicyConfig n = next.policy(policy);
        if (o == null || n == null || !o.stages().contains(kind) || !n.stages().contains(kind)) {
            return false;
        }
        if (kind == StageKind.CIRCUIT_BREAKER) {
            String name = n.circuitBreaker().name() != null ? n.circuitBreaker().name() : n.name();
            for (PolicyConfig q : old.policies()) {
                if (q.circuitBreaker() != null
                        && name.equals(q.circuitBreaker().name() != null ? q.circuitBreaker().name() : q.name())) {
                    return q.circuitBreaker().equals(n.circuitBreaker());
                }
            }
            return false;
        }
        boolean sameKeys = sameKeys(old, next);
        return keepsStage(o, n, kind, sameKeys, sameLimits(old, next, sameStore));
    }

    /**
     * Whether a reload keeps the idempotency keys of the policy named {@code policy}, as {@link #keeps} for stages.
     */
    public static boolean keepsIdempotency(SeawallConfig old, SeawallConfig next, String policy, boolean sameStore) {
        PolicyConfig o = old.policy(policy);
        PolicyConfig n = next.policy(policy);
        return o != null && n != null && o.idempotency() != null && n.idempotency() != null
                && keepsIdempotency(o, n, sameLimits(old, next, sameStore));
    }

    static boolean sameKeys(SeawallConfig old, SeawallConfig next) {
        return old.trustedProxies().equals(next.trustedProxies()) && old.ipv6Prefix() == next.ipv6Prefix();
    }

    static boolean sameLimits(SeawallConfig old, SeawallConfig next, boolean sameStore) {
        return sameKeys(old, next) && old.rateLimitHeaders() == next.rateLimitHeaders() && sameStore;
    }

    static boolean keepsStage(PolicyConfig old, PolicyConfig p, StageKind kind, boolean sameKeys,
                                      boolean sameLimits) {
        return switch (kind) {
            case RATE_LIMIT -> sameLimits && Objects.equals(old.rateLimits(), p.rateLimits());
            case THROTTLE -> sameKeys && Objects.equals(old.throttle(), p.throttle());
            case TIMEOUT -> Objects.equals(old.timeout(), p.timeout());
            case FALLBACK -> old.failClosed() == p.failClosed()
                    && Objects.equals(old.fallback(), p.fallback())
                    && PolicyFactory.identityHeaders(old.rateLimits())
                            .equals(PolicyFactory.identityHeaders(p.rateLimits()));
            default -> false;
        };
    }

    static boolean keepsIdempotency(PolicyConfig old, PolicyConfig p, boolean sameLimits) {
        return sameLimits && Objects.equals(old.idempotency(), p.idempotency())
                && old.rateLimits().equals(p.rateLimits());
    }
}
