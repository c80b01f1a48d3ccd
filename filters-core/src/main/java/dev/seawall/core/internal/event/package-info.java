/**
 * Delivers Seawall's events to the application's {@link dev.seawall.core.event.SeawallListener}s and adds its
 * decisions to the current Micrometer observation: {@code EventHub} (one per engine and the engines its reloads build),
 * its per-policy and per-breaker views, and {@code SeawallObservations}, the prebuilt key-values and events.
 *
 * <p><b>Internal</b>: public only so that the engine, the stages' packages and Seawall's adapters can reach it; it
 * changes in any release.
 *
 * <p>Thread-safety: every type here is thread-safe; an {@code EventHub}'s listeners are fixed when it is built, and
 * delivery holds no lock.
 */
package dev.seawall.core.internal.event;
