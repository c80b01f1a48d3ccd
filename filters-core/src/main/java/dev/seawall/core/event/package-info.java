/**
 * What Seawall did, as events an application can react to: a {@link dev.seawall.core.event.SeawallListener} receives
 * breaker transitions, refusals, fallbacks served, timeouts answered, configuration reloads and shared-store health
 * changes, each as an immutable record. Register listeners with {@code Seawall.builder().listener(...)} or the front
 * ends' equivalents (docs/operations/traces-and-events.md).
 *
 * <p><b>API</b>: {@code SeawallListener} (implemented by applications) and the event records. The dispatch lives in
 * {@code dev.seawall.core.internal.event}.
 *
 * <p>Thread-safety: every record is immutable and thread-safe. Listeners must be thread-safe: Seawall calls them
 * synchronously from many threads at once (request threads, its deadline thread, the reloading thread).
 */
package dev.seawall.core.event;
