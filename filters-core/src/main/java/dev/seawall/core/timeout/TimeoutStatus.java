package dev.seawall.core.timeout;

/**
 * What a status page shows of a {@link TimeoutStage}. An immutable snapshot.
 *
 * @param afterMillis the timeout in milliseconds
 * @param status      the answer's status: 503, or 504 for a gateway
 * @param answered    deadlines answered so far (the timeout or its fallback was sent)
 * @param overran     deadlines passed while the handler was already streaming (recorded, not replaced)
 */
public record TimeoutStatus(long afterMillis, int status, long answered, long overran) {
}
