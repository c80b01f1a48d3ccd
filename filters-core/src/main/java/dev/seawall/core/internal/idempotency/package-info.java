/**
 * Idempotency keys, the decisions: {@code IdempotencyGuard} (one per policy: parses and scopes keys, claims them,
 * keeps or frees them), the records it stores ({@code Records}), the JVM's own store ({@code LocalIdempotencyStore}).
 *
 * <p><b>Internal</b>: public only for Seawall's own modules; changes in any release.
 *
 * <p>Thread-safety: {@code IdempotencyGuard} and {@code LocalIdempotencyStore} are thread-safe and shared by a policy's
 * requests; a {@code KeyEntry} and a {@code Decision} are immutable; a {@code Claim} belongs to one request and may be
 * settled from any thread, once.
 */
package dev.seawall.core.internal.idempotency;
