package dev.seawall.core.idempotency;

import dev.seawall.core.config.IdempotencyConfig;

/**
 * SPI: where idempotency keys and their kept answers live. The core keeps them in each JVM (bounded by the policy's
 * {@code max-bytes}); a shared store ({@code redis-store}) offers one through
 * {@link dev.seawall.core.ratelimit.BucketStore#idempotencyStore()} so that a repeat reaching another node finds the
 * first request's lock or answer.
 *
 * <p>The store sees opaque keys and values: keys are hashes (never a client's key or identity in clear), values are
 * records the core encodes. It offers three atomic operations on one key, which is all the protocol needs: a first
 * request claims its key with {@link #putIfAbsent} (the in-flight record, which expires with the lease), and replaces
 * that record with its answer ({@link #replace}) or removes it ({@link #remove}) only while it still holds it, compared
 * by value: a request whose lease ran out never overwrites what a later request stored.
 *
 * <p>Implementations are thread-safe; every operation answers within the store's own time limit.
 */
public interface IdempotencyStore {

    /**
     * What a key held when {@link #putIfAbsent} found it taken.
     *
     * @param value           the record stored under the key; never modified by the caller
     * @param remainingMillis how long the record still lives, at least 1
     */
    record Present(byte[] value, long remainingMillis) {
    }

    /**
     * Stores {@code value} under {@code key} for {@code ttlMillis} unless the key holds a live record, atomically.
     *
     * @return null when this call stored the value, else what the key holds
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    Present putIfAbsent(String key, byte[] value, long ttlMillis);

    /**
     * Replaces the key's record with {@code value} for {@code ttlMillis} when it still equals {@code expected},
     * atomically.
     *
     * @return whether the record was replaced
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    boolean replace(String key, byte[] expected, byte[] value, long ttlMillis);

    /**
     * Removes the key's record when it still equals {@code expected}, atomically.
     *
     * @return whether the record was removed
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    boolean remove(String key, byte[] expected);

    /**
     * @return what a protected request does while this store cannot answer, when its policy does not say; a shared
     *         store returns the mode matching its own {@code on-failure}
     */
    default IdempotencyConfig.OnFailure onFailure() {
        return IdempotencyConfig.OnFailure.LOCAL;
    }

    /** @return a short description for the status page, never containing credentials */
    String describe();

    /** Thrown when a store cannot answer in time; decisions then follow the policy's {@code on-failure}. */
    final class StoreUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
