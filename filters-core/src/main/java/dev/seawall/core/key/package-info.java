/**
 * Who a request is: the key a rate limit counts it under (client IP behind trusted proxies, API key, user,
 * tenant).
 *
 * <p><b>SPI</b>: {@code KeyResolver} (turns a request into a key; implement it for your own identity).
 * <b>API</b>: the built-in resolvers ({@code ClientIpResolver}, {@code ApiKeyResolver}, {@code UserResolver},
 * {@code TenantResolver}) and their factories ({@code KeyResolvers}), {@code TrustedProxies},
 * {@code KeyKind}, {@code OnMissing}, {@code TenantSource}.
 *
 * <p>Thread-safety: every type here is immutable or stateless and thread-safe. A {@code KeyResolver} is shared by
 * every request of its limit and must be thread-safe, never block, never throw for a missing or malformed key,
 * and never read the request body. The address parsing the
 * resolvers share ({@code IpAddresses}) is package-private.
 */
package dev.seawall.core.key;
