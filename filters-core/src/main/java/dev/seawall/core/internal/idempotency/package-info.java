/**
 * Idempotency keys, the decisions: {@link dev.seawall.core.internal.idempotency.IdempotencyGuard} (one per policy) and
 * the records it keeps. Used by Seawall's own adapters only; not an API.
 */
package dev.seawall.core.internal.idempotency;
