/**
 * Idempotency keys: a request carrying an {@code Idempotency-Key} header runs once per caller and key, and every
 * repeat gets the first answer back. The policy's {@code idempotency} block
 * ({@link dev.seawall.core.config.IdempotencyConfig}) configures it; the adapters run it before the policy's chain.
 * This package holds the SPI of the store keeping keys and answers ({@link IdempotencyStore}); the decisions live in
 * {@code dev.seawall.core.internal.idempotency}.
 */
package dev.seawall.core.idempotency;
