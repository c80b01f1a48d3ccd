/**
 * The outbound engine: the asynchronous and synchronous call drivers, the retry budget, backoff with jitter,
 * {@code Retry-After} reading, host and path matching, and each client's state.
 *
 * <p><b>Internal</b>: public only for Seawall's own modules; changes in any release.
 *
 * <p>Thread-safety: {@code ClientCore}, {@code RetryBudget}, {@code Backoff} and {@code ClientTable} are thread-safe
 * and shared by a client's calls; an {@code AsyncCall} is one call, safe across the threads that complete its
 * attempts; a {@code SyncCall} runs on its caller's thread.
 */
package dev.seawall.core.internal.outbound;
