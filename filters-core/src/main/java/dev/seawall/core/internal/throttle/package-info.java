/**
 * The throttle's adaptive concurrency limits: Netflix concurrency-limits algorithms fed by windows of completions,
 * held by Seawall's guards.
 *
 * <p><b>Internal</b>: {@code AdaptiveLimits} is public for the throttle in another package; applications must not
 * use it, and it changes in any release.
 *
 * <p>Thread-safety: {@code AdaptiveLimits} is stateless; the limits it makes are thread-safe, their
 * {@code current()} a volatile read and their {@code onSample} lock-free (one thread at a time, never waited for,
 * closes a window).
 */
package dev.seawall.core.internal.throttle;
