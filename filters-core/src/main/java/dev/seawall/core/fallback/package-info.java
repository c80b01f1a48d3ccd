/**
 * Fallbacks: the answer served instead of a failure (breaker open, timeout, 5xx, exception, throttle overflow),
 * and the last-good copies served as stale answers.
 *
 * <p><b>API</b>: {@code FallbackStage}, {@code FallbackTrigger}, {@code FallbackResponse}. <b>SPI</b>:
 * {@code FallbackHandler} (computes a fallback answer in code). <b>Internal</b>: {@code StaleCache} (keeping and
 * serving copies), used by Seawall's adapters.
 *
 * <p>Thread-safety: {@code FallbackStage} and {@code StaleCache} are thread-safe and shared by every request of
 * their policy; {@code FallbackResponse} is immutable. A {@code FallbackHandler} is shared too and must be
 * thread-safe; it runs on the request's thread or on a deadline thread, and must not block for long.
 */
package dev.seawall.core.fallback;
