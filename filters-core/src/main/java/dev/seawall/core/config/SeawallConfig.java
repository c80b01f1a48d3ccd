package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.ratelimit.RateLimitHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A whole, validated {@code seawall.yaml}. Immutable and thread-safe; a reload builds a new one. Built and validated
 * by {@link #builder(String)}.
 *
 * <p>{@link #positions()} says where each setting was written; it is not a setting, so {@link #equals} and
 * {@link #hashCode} leave it out: two files saying the same thing in a different layout are equal.
 *
 * @param source            the file name, cited in later errors
 * @param trustedProxies    addresses and CIDR blocks whose forwarding headers are believed
 * @param rateLimitHeaders  {@code headers.rate-limit}
 * @param ipv6Prefix        {@code client-ip.ipv6-prefix}: bits identifying an IPv6 client (default 64)
 * @param policies          the policies, in file order
 * @param store             {@code store:}: where rate-limit buckets live ({@link StoreConfig#LOCAL} when absent)
 * @param clients           {@code clients:}: the outbound clients, in file order (empty when absent)
 * @param positions         key path to line, for errors found after loading ({@link SourceMap#EMPTY} when unknown)
 * @param exempt            the top-level {@code exempt} block, applying to every policy of the file, or null
 */
public record SeawallConfig(String source, List<String> trustedProxies, RateLimitHeaders rateLimitHeaders,
                            int ipv6Prefix, List<PolicyConfig> policies, StoreConfig store, List<ClientConfig> clients,
                            SourceMap positions, ExemptConfig exempt) {

    /** {@code headers.rate-limit}. */
    public static final RateLimitHeaders DEFAULT_RATE_LIMIT_HEADERS = RateLimitHeaders.IETF;
    /** {@code client-ip.ipv6-prefix}: the bits identifying an IPv6 client (1-128). */
    public static final int DEFAULT_IPV6_PREFIX = 64;
    /** Most policies one configuration may hold. */
    public static final int MAX_POLICIES = 1_000;
    /** Most clients one configuration may hold. */
    public static final int MAX_CLIENTS = 1_000;
    /**
     * Most host and path pairs (each host of a client with each of its paths, or alone) of all clients together: an
     * outbound request's client is looked up among them, and a hostile file must not make millions of them.
     */
    static final int MAX_CLIENT_ROUTES = 10_000;

    public SeawallConfig {
        trustedProxies = List.copyOf(trustedProxies);
        policies = List.copyOf(policies);
        clients = clients == null ? List.of() : List.copyOf(clients);
        store = store == null ? StoreConfig.LOCAL : store;
        positions = positions == null ? SourceMap.EMPTY : positions;
    }

    /** A configuration without a top-level exempt block. */
    public SeawallConfig(String source, List<String> trustedProxies, RateLimitHeaders rateLimitHeaders,
                         int ipv6Prefix, List<PolicyConfig> policies, StoreConfig store, List<ClientConfig> clients,
                         SourceMap positions) {
        this(source, trustedProxies, rateLimitHeaders, ipv6Prefix, policies, store, clients, positions, null);
    }

    /** A configuration without clients. */
    public SeawallConfig(String source, List<String> trustedProxies, RateLimitHeaders rateLimitHeaders,
                         int ipv6Prefix, List<PolicyConfig> policies, StoreConfig store, SourceMap positions) {
        this(source, trustedProxies, rateLimitHeaders, ipv6Prefix, policies, store, List.of(), positions);
    }

    /** A configuration without clients or positions. */
    public SeawallConfig(String source, List<String> trustedProxies, RateLimitHeaders rateLimitHeaders,
                         int ipv6Prefix, List<PolicyConfig> policies, StoreConfig store) {
        this(source, trustedProxies, rateLimitHeaders, ipv6Prefix, policies, store, List.of(), SourceMap.EMPTY);
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

    /** @return the client with this name, or null */
    public ClientConfig client(String name) {
        for (ClientConfig c : clients) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** @return the line of a key path in the file ({@code policies[0].throttle}), or 0 when unknown */
    public int line(String keyPath) {
        return positions.line(keyPath);
    }

    /** The same configuration with these positions. */
    public SeawallConfig withPositions(SourceMap positions) {
        return new SeawallConfig(source, trustedProxies, rateLimitHeaders, ipv6Prefix, policies, store, clients,
                positions, exempt);
    }

    /** @return what is exempt in the policy of this configuration: its own block and the top-level one; or null */
    public ExemptConfig exemptFor(PolicyConfig policy) {
        ExemptConfig own = policy.exempt();
        return own == null ? exempt : own.and(exempt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeawallConfig c && source.equals(c.source) && trustedProxies.equals(c.trustedProxies)
                && rateLimitHeaders == c.rateLimitHeaders && ipv6Prefix == c.ipv6Prefix
                && policies.equals(c.policies) && store.equals(c.store) && clients.equals(c.clients)
                && Objects.equals(exempt, c.exempt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, trustedProxies, rateLimitHeaders, ipv6Prefix, policies, store, clients, exempt);
    }

    /** @param source the name later errors cite */
    public static Builder builder(String source) {
        return new Builder(source);
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks
     * the rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private final String source;
        private final List<String> trustedProxies = new ArrayList<>();
        private RateLimitHeaders rateLimitHeaders = DEFAULT_RATE_LIMIT_HEADERS;
        private int ipv6Prefix = DEFAULT_IPV6_PREFIX;
        private final List<PolicyConfig> policies = new ArrayList<>();
        private StoreConfig store = StoreConfig.LOCAL;
        private final List<ClientConfig> clients = new ArrayList<>();
        private long clientRoutes;
        private SourceMap positions = SourceMap.EMPTY;
        private ExemptConfig exempt;

        private Builder(String source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /** One of {@code trusted-proxies}: an address or CIDR block. */
        public Builder trustedProxy(String entry) {
            try {
                TrustedProxies.of(List.of(entry));
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("trusted-proxies", e.getMessage());
            }
            trustedProxies.add(entry.trim());
            return this;
        }

        public Builder rateLimitHeaders(RateLimitHeaders headers) {
            this.rateLimitHeaders = Objects.requireNonNull(headers, "headers.rate-limit");
            return this;
        }

        public Builder ipv6Prefix(int bits) {
            this.ipv6Prefix = Check.range("client-ip.ipv6-prefix", bits, 1, 128);
            return this;
        }

        public Builder policy(PolicyConfig policy) {
            if (policies.size() >= MAX_POLICIES) {
                throw new InvalidSettingException("policies", "has more than " + MAX_POLICIES + " policies");
            }
            for (PolicyConfig p : policies) {
                if (p.name().equals(policy.name())) {
                    throw new InvalidSettingException("policies", "policy name "
                            + ConfigValues.quote(policy.name()) + " is already used");
                }
            }
            policies.add(policy);
            return this;
        }

        public Builder client(ClientConfig client) {
            if (clients.size() >= MAX_CLIENTS) {
                throw new InvalidSettingException("clients", "has more than " + MAX_CLIENTS + " clients");
            }
            for (ClientConfig c : clients) {
                if (c.name().equals(client.name())) {
                    throw new InvalidSettingException("clients", "client name "
                            + ConfigValues.quote(client.name()) + " is already used");
                }
            }
            long routes = (long) client.hosts().size() * Math.max(1, client.paths().size());
            if (clientRoutes + routes > MAX_CLIENT_ROUTES) {
                throw new InvalidSettingException("clients", "client " + ConfigValues.quote(client.name())
                        + " brings the clients' host and path pairs (each host with each path of its client) above "
                        + MAX_CLIENT_ROUTES);
            }
            clientRoutes += routes;
            clients.add(client);
            return this;
        }

        public Builder store(StoreConfig store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The top-level {@code exempt} block: applies to every policy of the file; null for none. */
        public Builder exempt(ExemptConfig exempt) {
            this.exempt = exempt;
            return this;
        }

        public Builder positions(SourceMap positions) {
            this.positions = Objects.requireNonNull(positions, "positions");
            return this;
        }

        public SeawallConfig build() {
            if (policies.isEmpty() && clients.isEmpty()) {
                throw new InvalidSettingException("policies", "must list at least one policy (or one client)");
            }
            return new SeawallConfig(source, trustedProxies, rateLimitHeaders, ipv6Prefix, policies, store, clients,
                    positions, exempt);
        }
    }
}
