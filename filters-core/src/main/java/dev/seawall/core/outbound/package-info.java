/**
 * Outbound resilience: what protects the calls a service makes to its dependencies, configured by the top-level
 * {@code clients:} list of {@code seawall.yaml}.
 *
 * <p><b>API</b>: {@code OutboundClients} (an engine's clients, by name or by host and path), {@code OutboundClient}
 * (one client: the decorator {@code call}/{@code callAsync} and the adapters' {@code execute}), {@code Jitter},
 * {@code OutboundException}, {@code ClientStatus}. <b>SPI</b> for adapters: {@code Transport},
 * {@code BlockingTransport}, {@code ResponseReader}, {@code AttemptContext}, {@code OutboundRequest}, {@code FailureClassifier}. The engine
 * (retry decisions, budget, backoff, breakers by host) is internal ({@code dev.seawall.core.internal.outbound}).
 * The HTTP adapters live in the {@code client-integration} module ({@code dev.seawall.client}).
 *
 * <p>Thread-safety: {@code OutboundClients} and {@code OutboundClient} are thread-safe and shared by every caller;
 * the records are immutable.
 */
package dev.seawall.core.outbound;
