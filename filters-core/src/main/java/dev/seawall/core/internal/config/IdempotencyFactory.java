package dev.seawall.core.internal.config;

import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.idempotency.IdempotencyStore;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.KeyResolvers;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.time.NanoClock;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Builds a policy's {@link IdempotencyGuard}: the scope's resolver (the policy's own rate limit of that kind, so that
 * the identity is read where the limits read it) and the store (the shared store's idempotency store when there is one).
 * Stateless; build-time only.
 */
public final class IdempotencyFactory {

    /** The scope taken when none is configured, most specific first. */
    private static final List<KeyKind> PREFERENCE = List.of(KeyKind.USER, KeyKind.API_KEY, KeyKind.TENANT);

    private IdempotencyFactory() {
    }

    /**
     * @param store the engine's bucket store; its {@link BucketStore#idempotencyStore()} keeps the keys when it has one
     */
    public static IdempotencyGuard guard(PolicyConfig p, TrustedProxies trusted, int ipv6Prefix, BucketStore store,
                                         NanoClock clock) {
        return guard(p, trusted, ipv6Prefix, store, clock, null);
    }

    /** @param previous the policy's step in the configuration a reload replaces (its keys are carried over), or null */
    public static IdempotencyGuard guard(PolicyConfig p, TrustedProxies trusted, int ipv6Prefix, BucketStore store,
                                         NanoClock clock, IdempotencyGuard previous) {
        IdempotencyConfig c = p.idempotency();
        KeyResolver ip = KeyResolvers.ip(trusted, ipv6Prefix);
        KeyResolver scope = scope(c.scope(), p.rateLimits(), trusted, ipv6Prefix);
        IdempotencyStore shared = store == null ? null : store.idempotencyStore();
        ToLongFunction<String> hash = shared == null ? null : store.identityHash();
        return new IdempotencyGuard(p.name(), c, scope, ip, shared, hash, clock, previous);
    }

    /** @return the effective scope kind: the configured one, or the policy's most specific identity */
    public static KeyKind scopeKind(KeyKind configured, List<RateLimitConfig> limits) {
        if (configured != null) {
            return configured;
        }
        for (KeyKind k : PREFERENCE) {
            for (RateLimitConfig l : limits) {
                if (l.by() == k) {
                    return k;
                }
            }
        }
        return KeyKind.IP;
    }

    private static KeyResolver scope(KeyKind configured, List<RateLimitConfig> limits, TrustedProxies trusted,
                                     int ipv6Prefix) {
        KeyKind kind = scopeKind(configured, limits);
        if (kind == KeyKind.IP) {
            return null;
        }
        for (RateLimitConfig l : limits) {
            if (l.by() == kind) {
                return StageResolvers.resolver(l, trusted, ipv6Prefix);
            }
        }
        // only user gets here (the config refuses api-key and tenant without a limit naming their source)
        return KeyResolvers.user(null);
    }
}
