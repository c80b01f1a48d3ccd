package dev.seawall.core.key;

/** Factories for the built-in resolvers. Stateless and thread-safe. */
public final class KeyResolvers {

    private KeyResolvers() {
    }

    public static KeyResolver ip(TrustedProxies trusted, int ipv6Prefix) {
        return new ClientIpResolver(trusted, ipv6Prefix);
    }

    public static KeyResolver apiKey(String header) {
        return new ApiKeyResolver(header);
    }

    public static KeyResolver user(String attributeOrNull) {
        return new UserResolver(attributeOrNull);
    }

    public static KeyResolver tenant(TenantSource source, String header, int segment) {
        return new TenantResolver(source, header, segment);
    }
}
