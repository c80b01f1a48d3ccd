package dev.seawall.core.ratelimit;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.time.NanoClock;

import dev.seawall.core.http.RequestView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
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

    private static final Logger LOG = LoggerFactory.getLogger(Limit.class);

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
    /** shadow mode: decide and count, refuse nothing */
    final boolean shadow;
    private final RequestCost cost;
    private final boolean unitCost;
    /** requests whose cost attribute was absent or invalid, so that their method's cost applied */
    final LongAdder costDefaulted = new LongAdder();
    private final AtomicBoolean invalidCostLogged = new AtomicBoolean();
    /** the answer to a request whose cost attribute asks for more than the bucket can ever hold */
    final Rejection costTooHigh;

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
        this.shadow = spec.shadow();
        this.cost = spec.cost();
        this.unitCost = cost.isOne();
        // no Retry-After: waiting never makes the bucket hold more than its capacity
        this.costTooHigh = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests")
                .detail("This request costs more tokens than the rate limit '" + name + "' of policy '" + policy
                        + "' holds when full; it cannot pass this limit.")
                .extension("policy", policy).extension("limit", name).build();
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
     * @return how many tokens the request spends: 1 unless a {@code cost} is configured; allocation-free. An absent
     *         or invalid cost attribute falls back to the method's cost, counted, and an invalid one logged once.
     */
    long cost(RequestView request) {
        if (unitCost) {
            return 1;
        }
        RequestCost c = cost;
        if (c.attribute() != null) {
            long fromAttribute = RequestCost.attributeCost(request.attribute(c.attribute()));
            if (fromAttribute > 0) {
                return fromAttribute;
            }
            costDefaulted.increment();
            if (fromAttribute == RequestCost.INVALID && invalidCostLogged.compareAndSet(false, true)) {
                LOG.warn("Seawall: rate limit {}: the request attribute {} holds something other than a whole number"
                        + " of 1 or more; such requests cost what their method costs (logged once; counted in"
                        + " seawall.ratelimit.cost.defaulted)", name, c.attribute());
            }
        }
        return c.methodCost(request.method());
    }

    /**
     * The bucket key for a resolved identity, counting the decision when there is none: the key, {@link #SKIPPED},
     * or the rejection for a missing or malformed identity.
     */
    Object key(String identity) {
        count(identity);
        return peekKey(identity);
    }

    /** {@link #key} without counting: for a walk that counts later, in order ({@link #count}). */
    Object peekKey(String identity) {
        if (identity == null) {
            return switch (onMissing) {
                case SKIP -> SKIPPED;
                case SHARED -> SHARED_KEY;
                default -> missingRejection;
            };
        }
        if (identity == KeyResolver.INVALID) {
            return invalidRejection;
        }
        return hashIdentity ? (Object) hasher.applyAsLong(identity) : identity;
    }

    /** Counts what {@link #key} counts for {@code identity}: skipped, missing or invalid. */
    void count(String identity) {
        if (identity == null) {
            if (onMissing == OnMissing.SKIP) {
                counts.add(Decision.SKIPPED);
            } else if (onMissing != OnMissing.SHARED) {
                counts.add(Decision.MISSING);
            }
        } else if (identity == KeyResolver.INVALID) {
            counts.add(Decision.INVALID);
        }
    }
}
