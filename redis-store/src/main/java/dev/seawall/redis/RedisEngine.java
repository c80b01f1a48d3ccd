package dev.seawall.redis;

import dev.seawall.core.ratelimit.BucketSpec;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.api.StatefulConnection;

import java.util.function.Function;

/**
 * How the store's decisions reach Redis: the one thing its two engines do differently ({@link ScriptEngine}, the
 * default, one Lua call per decision; {@link Bucket4jEngine}, Bucket4j's compare-and-swap integration). The store
 * keeps everything else: the connection, the key scheme, the {@link BackendGuard} and its meters, and
 * {@code on-failure}. An engine calls Redis only through the {@link RedisCalls} it was built with.
 *
 * <p>Implementations are thread-safe: one engine serves every request of its store.
 */
interface RedisEngine {

    /**
     * Called once with the store's first connection, before any decision, so that the first decisions do not pay
     * one-off costs (class loading, a script upload) inside their short timeout. Best effort: it never throws.
     */
    void warmUp(StatefulConnection<byte[], byte[]> connection);

    /**
     * @param keys the Redis key of a bucket key (an IP text or a 64-bit identity hash); the store's key scheme
     * @return the Redis side of the buckets of one (limit, plan)
     */
    RemoteBuckets buckets(BucketSpec spec, Function<Object, byte[]> keys);

    /** The Redis side of the buckets of one (limit, plan). Thread-safe. */
    interface RemoteBuckets {

        /** @return Redis's decision on taking one token, or null when Redis gave none in time */
        default ConsumptionProbe consume(Object key) {
            return consume(key, 1);
        }

        /**
         * @param tokens the request's cost, 1 or more: all are taken in one atomic step, or none
         * @return Redis's decision on taking them, or null when Redis gave none in time
         */
        ConsumptionProbe consume(Object key, long tokens);

        /**
         * {@link #consume} sent now and awaited later ({@link dev.seawall.core.ratelimit.BucketStore.Pending#join}
         * gives its probe, or null when Redis gave none in time). This default decides at once: only an engine that
         * says {@link #sendsAhead()} sends ahead.
         */
        default dev.seawall.core.ratelimit.BucketStore.Pending consumeAhead(Object key, long tokens) {
            ConsumptionProbe p = consume(key, tokens);
            return () -> p;
        }

        /** @return whether {@link #consumeAhead} returns before Redis answers */
        default boolean sendsAhead() {
            return false;
        }

        /** @return whether Redis took back the token */
        default boolean refund(Object key) {
            return refund(key, 1);
        }

        /** @return whether Redis took back the {@code tokens} tokens (capped at capacity) */
        boolean refund(Object key, long tokens);
    }
}
