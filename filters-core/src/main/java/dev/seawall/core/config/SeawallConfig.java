package dev.seawall.core.config;

import dev.seawall.core.ratelimit.RateLimitHeaders;

import java.util.List;

/**
 * A whole, validated {@code seawall.yaml}. Immutable and thread-safe; a reload builds a new one.
 *
 * @param source            the file name, cited in later errors
 * @param trustedProxies    addresses and CIDR blocks whose forwarding headers are believed
 * @param rateLimitHeaders  {@code headers.rate-limit}
 * @param ipv6Prefix        {@code client-ip.ipv6-prefix}: bits identifying an IPv6 client (default 64)
 * @param policies          the policies, in file order
 * @param store             {@code store:}: where rate-limit buckets live ({@link StoreConfig#LOCAL} when absent)
 */
public record SeawallConfig(String source, List<String> trustedProxies, RateLimitHeaders rateLimitHeaders,
                            int ipv6Prefix, List<PolicyConfig> policies, StoreConfig store) {

    public SeawallConfig {
        trustedProxies = List.copyOf(trustedProxies);
        policies = List.copyOf(policies);
        store = store == null ? StoreConfig.LOCAL : store;
    }

    /** A configuration with buckets in each JVM. */
    public SeawallConfig(String source, List<String> trustedProxies, RateLimitHeaders rateLimitHeaders,
                         int ipv6Prefix, List<PolicyConfig> policies) {
        this(source, trustedProxies, rateLimitHeaders, ipv6Prefix, policies, StoreConfig.LOCAL);
    }

    /** @return the policy with this name, or null */
    public PolicyConfig policy(String name) {
        for (PolicyConfig p : policies) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
