/**
 * What Seawall did, as events an application can react to: a {@link dev.seawall.core.event.SeawallListener} receives
 * breaker transitions, refusals, fallbacks served, timeouts answered, configuration reloads and shared-store health
 * changes, each as an immutable record.
 *
 * <p>API: the listener interface and its event records. The dispatch lives in {@code dev.seawall.core.internal.event}.
 */
package dev.seawall.core.event;
