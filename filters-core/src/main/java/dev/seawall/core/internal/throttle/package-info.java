/**
 * Internals of the throttle: the adaptive concurrency limits.
 *
 * <p><b>Internal</b>: {@code AdaptiveLimits} (makes the {@code ConcurrencyLimit} a throttle's {@code limit} settings
 * ask for). Public only for Seawall's own configuration code; applications must not use it.
 *
 * <p>Thread-safety: {@code AdaptiveLimits} is stateless and thread-safe; the limits it makes are thread-safe.
 */
package dev.seawall.core.internal.throttle;
