package dev.seawall.core.config;

import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.ratelimit.Rate;

import java.util.List;
import java.util.Map;

/**
 * One item of a policy's {@code rate-limits}. Immutable and thread-safe.
 *
 * @param name      the limit's name in headers and metrics (default: the {@code by} value)
 * @param header    the header for api-key and tenant limits (null = the resolver's default)
 * @param maxKeys   the bound on tracked keys
 * @param attribute for {@code by: user}: a request attribute to read instead of the principal, or null
 * @param source    for {@code by: tenant}: where the tenant id is (null otherwise)
 * @param segment   for {@code source: path-segment}: the 0-based segment, else -1
 * @param plans     named plans and their rates
 * @param planOf    identity to plan name
 * @param local     {@code store: local}: this limit keeps per-node buckets even when a shared store is configured
 */
public record RateLimitConfig(String name, int line, KeyKind by, String header, List<Rate> rates,
                              OnMissing onMissing, long maxKeys, String attribute, TenantSource source, int segment,
                              Map<String, List<Rate>> plans, Map<String, String> planOf, boolean local) {

    public RateLimitConfig {
        rates = List.copyOf(rates);
        plans = Map.copyOf(plans);
        planOf = Map.copyOf(planOf);
    }

    /** A limit using the configuration's store. */
    public RateLimitConfig(String name, int line, KeyKind by, String header, List<Rate> rates, OnMissing onMissing,
                           long maxKeys, String attribute, TenantSource source, int segment,
                           Map<String, List<Rate>> plans, Map<String, String> planOf) {
        this(name, line, by, header, rates, onMissing, maxKeys, attribute, source, segment, plans, planOf, false);
    }
}
