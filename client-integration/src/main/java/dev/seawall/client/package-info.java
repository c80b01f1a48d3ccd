/**
 * Seawall's outbound resilience for HTTP clients: {@link dev.seawall.client.SeawallHttpClient} wraps a
 * {@code java.net.http.HttpClient}, {@link dev.seawall.client.SeawallClientFeature} protects a Jakarta REST client.
 * Both send matching requests through the outbound engine of {@code dev.seawall.core.outbound}, configured by the
 * top-level {@code clients:} list of {@code seawall.yaml}; they translate requests and responses and decide nothing
 * themselves. For calls that are not HTTP, use {@code OutboundClient#call} and {@code OutboundClient#callAsync}.
 *
 * <p>Thread-safety: both types are thread-safe and meant to be shared.
 */
package dev.seawall.client;
