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
 */
public record SeawallConfig(String source, List<String> trustedProxies, RateLimitHeaders rateLimitHeaders,
                            int ipv6Prefix, List<PolicyConfig> policies) {

    public SeawallConfig {
        trustedProxies = List.copyOf(trustedProxies);
        policies = List.copyOf(policies);
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
