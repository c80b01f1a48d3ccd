package dev.seawall.redis;

import dev.seawall.core.time.NanoClock;
import io.lettuce.core.api.StatefulConnection;

import java.time.Duration;

/**
 * The store's side of every Redis call an engine makes: the connection, when Redis may be called now, and the
 * accounting of how the call went (the {@link BackendGuard} and the {@code seawall.store.calls} meter). A call that
 * got a connection reports exactly one of {@link #succeeded}, {@link #timedOut}, {@link #failed} and
 * {@link #abandoned}; a guard probe left unreported would keep the guard from ever letting another one through.
 *
 * <p>Thread-safe.
 */
interface RedisCalls {

    /** @return the connection when Redis may be called now, else null (already counted as skipped or an error) */
    StatefulConnection<byte[], byte[]> connection();

    /** @return how long one call may wait for Redis */
    Duration timeout();

    /** @return the clock to take "now" from instead of the Redis server (tests in one JVM only), or null */
    NanoClock clientClock();

    /** Redis answered. */
    void succeeded();

    /** Redis did not answer within {@link #timeout()}. */
    void timedOut();

    /** Redis, or the way to it, failed; {@code why} is logged when the guard opens. */
    void failed(String why);

    /** The waiting thread was interrupted: neither a success nor a failure of Redis. */
    void abandoned();
}
