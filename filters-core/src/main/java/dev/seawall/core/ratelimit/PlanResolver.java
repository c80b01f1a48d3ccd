package dev.seawall.core.ratelimit;

import dev.seawall.core.key.KeyKind;

/**
 * Tells which named plan (tier) an identity has, e.g. a key directory backed by the application's
 * database. Called on the hot path with the <em>raw</em> identity, once per request per limit that has
 * plans: implementations must be thread-safe and fast (cache lookups, never a blocking query per request),
 * and must never log the identity.
 */
@FunctionalInterface
public interface PlanResolver {

    /** @return the plan name, or null for the limit's default rates */
    String planFor(KeyKind kind, String identity);
}
