/**
 * The machinery that answers at a request's deadline while the handler keeps its thread.
 *
 * <p><b>Internal</b>: {@code DeadlineTimer} (fires deadlines and throttle waits' ends; an engine owns one, reached
 * through {@code dev.seawall.core.internal.CoreAccess}) and {@code ResponseGate} (decides once who writes a
 * request's response). Public only for Seawall's adapters; they change in any release.
 *
 * <p>Thread-safety: {@code DeadlineTimer} is thread-safe and shared by an engine's requests; a {@code ResponseGate}
 * belongs to one request and is thread-safe, its decision taken by compare-and-set.
 */
package dev.seawall.core.internal.timeout;
