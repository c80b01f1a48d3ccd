/**
 * Fallbacks: the answer served instead of a failure (breaker open, timeout, 5xx, exception, throttle overflow),
 * and the last-good copies served as stale answers.
 *
 * <p><b>API</b>: {@code FallbackStage}, {@code FallbackTrigger}, {@code FallbackResponse}, {@code FallbackStatus}
 * (the snapshot the status page and the meters read). <b>SPI</b>:
 * {@code FallbackHandler} (computes a fallback answer in code). <b>API</b> for adapter authors: {@code StaleCache}
 * (the bounded store of last-good copies, with its {@code Key}), which {@code FallbackStage}'s copy-keeping
 * members take and return; an application configures it through {@code FallbackStage.builder()} and never
 * calls it.
 *
 * <p>Thread-safety: {@code FallbackStage} and {@code StaleCache} are thread-safe and shared by every request of
 * their policy; {@code FallbackResponse} and
 * {@code FallbackStatus} are immutable. A {@code FallbackHandler} is shared too and must be
 * thread-safe; it runs on the request's thread or on a deadline thread, and must not block for long.
 */
package dev.seawall.core.fallback;
