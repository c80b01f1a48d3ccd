package dev.seawall.core.ratelimit;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.time.NanoClock;

import java.util.function.ToLongFunction;

/**
 * One limit of a rate-limit stage: how a request's identity becomes a bucket key, its plans, its prebuilt refusals
 * for a missing or malformed identity, its 429s, and its decision counts. Immutable apart from those
 * thread-safe parts.
 *
 * <p>No identity is kept in clear: API keys, user names and tenant ids are hashed with a keyed 64-bit SipHash
 * (random per process, or the shared store's per-deployment key) and the bucket key is the boxed hash. IP addresses
 * are keys as text: they are not secrets, and an operator debugging a flood needs them. A 64-bit collision merges two
 * clients' buckets; with a secret key an attacker cannot aim for one.
 */
final class Limit {

    /** {@link #key}'s answer for a limit that does not apply to the request (on-missing: skip). */
    static final Object SKIPPED = new Object();
    private static final String SHARED_KEY = "\u0000shared";

    final String name;
    final KeyResolver resolver;
    private final OnMissing onMissing;
    private final boolean hashIdentity;
    private final ToLongFunction<String> hasher;
    final PlanTiers plans;
    private final Rejection missingRejection;
    private final Rejection invalidRejection;
    final DecisionCounts counts = new DecisionCounts();
    final QuotaRejections rejections;

    Limit(String policy, LimitSpec spec, ToLongFunction<String> processHash, NanoClock clock) {
        this.name = spec.name();
        this.resolver = spec.resolver();
        this.onMissing = spec.onMissing();
        KeyKind kind = resolver.kind();
        this.hashIdentity = kind != KeyKind.IP;
        ToLongFunction<String> shared = spec.store().identityHash();
        this.hasher = shared != null ? shared : processHash;
        this.plans = new PlanTiers(policy, spec, clock);
        this.rejections = new QuotaRejections(policy, name);
        Rejection.Builder missing = kind == KeyKind.TENANT
                ? Rejection.builder(400, ProblemTypes.IDENTITY_REQUIRED, "Tenant Required")
                .detail("This resource needs a tenant id.")
                : Rejection.builder(401, ProblemTypes.IDENTITY_REQUIRED,
                kind == KeyKind.API_KEY ? "API Key Required" : "Authentication Required")
                .detail(kind == KeyKind.API_KEY ? "This resource needs an API key."
                        : "This resource needs an authenticated user.");
        if (kind == KeyKind.API_KEY && resolver instanceof ApiKeyResolver a) {
            missing.header("WWW-Authenticate", "ApiKey header=\"" + a.header() + "\"");
        }
        this.missingRejection = missing.extension("policy", policy).extension("limit", name).build();
        this.invalidRejection = Rejection.builder(400, ProblemTypes.INVALID_IDENTITY, "Invalid Identity")
                .detail("The request's " + kind.configName() + " is malformed.")
                .extension("policy", policy).extension("limit", name).build();
    }

    /**
     * The bucket key for a resolved identity, counting the decision when there is none: the key, {@link #SKIPPED},
     * or the rejection for a missing or malformed identity.
     */
    Object key(String identity) {
        if (identity == null) {
            switch (onMissing) {
                case SKIP -> {
                    counts.add(Decision.SKIPPED);
                    return SKIPPED;
                }
                case SHARED -> {
                    return SHARED_KEY;
                }
                default -> {
                    counts.add(Decision.MISSING);
                    return missingRejection;
                }
            }
        }
        if (identity == KeyResolver.INVALID) {
            counts.add(Decision.INVALID);
            return invalidRejection;
        }
        return hashIdentity ? (Object) hasher.applyAsLong(identity) : identity;
    }
}
