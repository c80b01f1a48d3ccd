package dev.seawall.core.ratelimit;

import io.github.bucket4j.ConsumptionProbe;

import java.util.function.ToLongFunction;

/**
 * SPI: where the token buckets of rate limits live. The core ships {@link LocalBucketStore} (buckets in this
 * JVM); the {@code redis-store} module adds a store shared by every node, found through
 * {@link BucketStoreProvider} when the configuration says {@code store: {type: redis}}.
 *
 * <p>Implementations are thread-safe: one store serves every request of every limit. A store is created when an
 * engine is built and kept across configuration reloads while its {@code store:} settings stay the same;
 * {@link #close()} releases its connections once no engine uses it.
 */
public interface BucketStore extends AutoCloseable {

    /**
     * Binds the buckets of one (limit, plan). Called when a rate-limit stage is built, never per request.
     */
    Buckets buckets(BucketSpec spec);

    /**
     * @return the hash turning an identity (API key, user, tenant) into a bucket key, or null for the stage's own
     *         per-process random key. A shared store returns a hash keyed by a per-deployment secret, so that every
     *         node derives the same key for the same client while nobody without the secret can.
     */
    default ToLongFunction<String> identityHash() {
        return null;
    }

    /**
     * @return where the idempotency keys of policies using this store live, or null to keep them in each JVM. A shared
     *         store returns one on the same backend, so that a repeat reaching another node finds the first request
     */
    default dev.seawall.core.idempotency.IdempotencyStore idempotencyStore() {
        return null;
    }

    /**
     * @return where the state of shared circuit breakers ({@code circuit-breaker.shared: true}) lives, or null when
     *         this store cannot share it (a shared breaker is then a configuration error). A shared store returns one
     *         on the same backend, the same instance on every call
     */
    default dev.seawall.core.breaker.SharedBreakerState sharedBreakers() {
        return null;
    }

    /** @return a short description for the status page, never containing credentials (e.g. {@code local}) */
    String describe();

    /**
     * @return whether the store answers now; false while a shared store is unreachable, when decisions follow its
     *         {@code on-failure} mode. For health checks; cheap (no round trip).
     */
    default boolean available() {
        return true;
    }

    /**
     * Registers where the store reports its own health transitions (unreachable, reachable again): the engine passes
     * its listeners' hook. A store that is down when the hook is registered (unreachable since start-up) reports that
     * at once, on the registering thread. A store that is always available (the local one) never calls it. Called once
     * per engine built on the store; a later call replaces the earlier listener. The store calls it on whichever
     * thread noticed the change, never under a lock of its own.
     */
    default void onHealthChange(java.util.function.Consumer<dev.seawall.core.event.StoreHealth> listener) {
    }

    /** Releases connections and threads. Idempotent. */
    @Override
    default void close() {
    }

    /**
     * The buckets of one (limit, plan). Thread-safe.
     *
     * <p>Keys are the limit's bucket keys: an IP address as text, or a {@code Long} identity hash. A shared store
     * must not put an IP address in clear into a remote key either.
     */
    interface Buckets {

        /**
         * Takes one token from the key's bucket (creating it full). Never throws: a store that cannot reach its
         * backend answers according to its failure mode within its configured time.
         */
        ConsumptionProbe tryConsumeOne(Object key);

        /** Gives one token back to the key's bucket; capped at capacity, so a refund never overfills. */
        void refundOne(Object key);

        /**
         * Takes {@code tokens} tokens from the key's bucket at once, or none: a request whose cost the bucket cannot
         * cover spends nothing. A rejected probe's remaining tokens are those the bucket holds, and its wait is the
         * time until {@code tokens} are available. The stores of this project do this in one atomic step.
         *
         * <p>This default, for other stores, takes one token at a time: with {@code n} tokens available it makes at
         * most {@code min(n, tokens) + 1} calls of {@link #tryConsumeOne}, and gives back every token it took when the
         * bucket cannot cover the whole cost, so it is atomic only per token (a concurrent request may see the bucket
         * short while the partial take lasts). It fails fast: when the first take reports fewer remaining tokens than
         * the rest of the cost, it gives that token back at once. Knowing only one-token probes, it cannot know the
         * refill rate: its rejected probe gives the wait for the next token, or, when it gave the first token back at
         * once, a wait of 0 with the reset its first take reported; Seawall's rate-limit stage, which knows the
         * limit's rates, turns either into the wait for the whole cost before answering.
         *
         * @param tokens 1 or more
         */
        default ConsumptionProbe tryConsume(Object key, long tokens) {
            ConsumptionProbe first = tryConsumeOne(key);
            if (tokens == 1 || !first.isConsumed()) {
                return first; // nothing taken; its wait is for the next token
            }
            if (first.getRemainingTokens() < tokens - 1) {
                // the bucket held first.remaining + 1 tokens, fewer than the cost: no need to try the rest
                refundOne(key);
                return ConsumptionProbe.rejected(first.getRemainingTokens() + 1, 0, first.getNanosToWaitForReset());
            }
            ConsumptionProbe last = first;
            for (long taken = 1; taken < tokens; taken++) {
                last = tryConsumeOne(key);
                if (!last.isConsumed()) {
                    // a concurrent request took what the first probe reported; its wait is for one token past those
                    refund(key, taken);
                    return ConsumptionProbe.rejected(Math.max(0, last.getRemainingTokens()) + taken,
                            last.getNanosToWaitForRefill(), last.getNanosToWaitForReset());
                }
            }
            return last;
        }

        /**
         * Starts {@link #tryConsume} without waiting for its answer, for a decision over several limits: a remote store
         * sends the calls of all the request's limits before it waits for the first answer, so they cost one round
         * trip of latency together instead of one each. {@link Pending#join()} then gives exactly what
         * {@link #tryConsume} would have (within the store's time bound, its failure mode included), and is called
         * once, on the thread that started it. A store overriding this says so with {@link #sendsAhead()}; this
         * default decides at once.
         *
         * @param tokens 1 or more
         */
        default Pending tryConsumeAhead(Object key, long tokens) {
            ConsumptionProbe probe = tryConsume(key, tokens);
            return () -> probe;
        }

        /**
         * @return whether {@link #tryConsumeAhead} sends the call and returns before the answer: the rate-limit stage
         *         then starts every limit's take before it waits for any (and gives back what a later refusal makes
         *         unneeded); otherwise it takes limit after limit and stops at the first refusal
         */
        default boolean sendsAhead() {
            return false;
        }

        /** Gives {@code tokens} tokens back, capped at capacity; by default one {@link #refundOne} per token. */
        default void refund(Object key, long tokens) {
            for (long i = 0; i < tokens; i++) {
                refundOne(key);
            }
        }

        /** @return keys with state in this node's memory (an estimate), for status pages and gauges */
        long trackedKeys();

        /** Removes expired local state now; for tests and status pages. */
        default void cleanUp() {
        }
    }

    /** A take started by {@link Buckets#tryConsumeAhead}. Not thread-safe: joined once, by the thread that started it. */
    @FunctionalInterface
    interface Pending {

        /** @return the take's probe, as {@link Buckets#tryConsume} would have returned it; never throws */
        ConsumptionProbe join();
    }
}
