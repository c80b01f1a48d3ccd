/**
 * Idempotency keys: a request carrying an {@code Idempotency-Key} header runs once per caller and key, and every
 * repeat gets the first answer back. The policy's {@code idempotency} block
 * ({@link dev.seawall.core.config.IdempotencyConfig}) configures it; the adapters run it before the policy's chain.
 *
 * <p><b>SPI</b>: {@code IdempotencyStore}, where keys and kept answers live, offered by a shared store through
 * {@code BucketStore#idempotencyStore()}. The decisions are internal ({@code dev.seawall.core.internal.idempotency}).
 *
 * <p>Thread-safety: an {@code IdempotencyStore} is thread-safe and shared by every request of every policy using it.
 */
package dev.seawall.core.idempotency;
