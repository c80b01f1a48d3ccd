package dev.seawall.redis;

import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.idempotency.IdempotencyStore;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The idempotency keys of every policy using the Redis store, on the store's own connection, so that a repeat
 * reaching another node finds the first request's lock or answer. Obtained from
 * {@link RedisBucketStore#idempotencyStore()}; the core decides, this class only keeps records.
 *
 * <ul>
 *   <li><b>Keys</b> are {@code key-prefix + "idem:" + the core's key}, the core's key being {@code policy:} and 32 hex
 *       digits of a keyed hash: nothing a client sent reaches Redis in clear. Values are the core's binary records,
 *       stored as they are.</li>
 *   <li><b>One round trip per operation</b>, each one Lua script called by its SHA ({@link LuaScript}):
 *       {@code idempotency-put.lua} ({@code SET NX PX}, or the held record and its {@code PTTL}),
 *       {@code idempotency-replace.lua} and {@code idempotency-remove.lua} (compare byte for byte, then
 *       {@code SET PX} or {@code DEL}). A Redis that forgot the scripts (restarted, flushed) costs one more round trip
 *       on the next call of each. {@link #roundTrips()} counts them.</li>
 *   <li><b>Expiry is Redis' own</b>: the in-flight record lives for the lease, an answer for {@code expire}. A node
 *       that died mid-request leaves its in-flight record until the lease ends; a repeat then runs again.</li>
 *   <li><b>Failure.</b> Every operation waits at most the store's {@code timeout} and goes through the store's
 *       {@link BackendGuard} (shared with the rate-limit buckets: after {@code failures} failures in a row Redis is
 *       skipped for {@code backoff}); no answer throws {@link StoreUnavailableException}, whose message names at most
 *       a client library's exception class, and the core follows {@code on-failure} ({@link #onFailure()}).</li>
 * </ul>
 *
 * <p>Thread-safe: the Lettuce connection is, and this class holds only immutable state and a striped counter.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisIdempotencyStore.class);
    private static final LuaScript PUT = LuaScript.of("idempotency-put.lua");
    private static final LuaScript REPLACE = LuaScript.of("idempotency-replace.lua");
    private static final LuaScript REMOVE = LuaScript.of("idempotency-remove.lua");
    /** Longer core keys are not the core's: {@code policy} (at most 64) {@code :} and 32 hex digits. */
    private static final int MAX_KEY_CHARS = 256;

    private final RedisCalls calls;
    private final String keyPrefix;
    private final IdempotencyConfig.OnFailure onFailure;
    private final Supplier<String> description;
    private final LongAdder roundTrips = new LongAdder();

    /**
     * @param keyPrefix   the store's {@code key-prefix}; keys go under {@code keyPrefix + "idem:"}
     * @param description the store's description (its redacted URI and state)
     */
    RedisIdempotencyStore(RedisCalls calls, String keyPrefix, RedisStoreSettings.OnFailure onFailure,
                          Supplier<String> description) {
        this.calls = Objects.requireNonNull(calls, "calls");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix") + "idem:";
        this.onFailure = switch (Objects.requireNonNull(onFailure, "onFailure")) {
            case LOCAL -> IdempotencyConfig.OnFailure.LOCAL;
            case ALLOW -> IdempotencyConfig.OnFailure.ALLOW;
            case DENY -> IdempotencyConfig.OnFailure.DENY;
        };
        this.description = Objects.requireNonNull(description, "description");
    }

    /**
     * Uploads the three scripts at once and waits for them (at most 2 s), so that the first requests with a key pay no
     * NOSCRIPT round trip. Best effort: never throws; not counted in {@link #roundTrips()}.
     */
    void warmUp(StatefulConnection<byte[], byte[]> c) {
        try {
            List<RedisFuture<String>> loads = new ArrayList<>(3);
            for (LuaScript s : List.of(PUT, REPLACE, REMOVE)) {
                loads.add(s.load(c));
            }
            for (RedisFuture<String> f : loads) {
                f.get(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("Seawall: preloading the idempotency scripts failed ({}); they are sent on first use",
                    e.getClass().getSimpleName());
        }
    }

    @Override
    public Present putIfAbsent(String key, byte[] value, long ttlMillis) {
        Objects.requireNonNull(value, "value");
        List<Object> r = call(PUT, ScriptOutputType.MULTI, key, value, millis(ttlMillis));
        if (r.size() == 1 && Long.valueOf(1).equals(r.get(0))) {
            return null;
        }
        if (r.size() == 3 && r.get(1) instanceof byte[] held && r.get(2) instanceof Long remaining) {
            return new Present(held, Math.max(1, remaining));
        }
        throw new StoreUnavailableException("Redis store " + description.get() + ": unexpected reply of "
                + PUT.name(), null);
    }

    @Override
    public boolean replace(String key, byte[] expected, byte[] value, long ttlMillis) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(value, "value");
        Long r = call(REPLACE, ScriptOutputType.INTEGER, key, expected, value, millis(ttlMillis));
        return r == 1L;
    }

    @Override
    public boolean remove(String key, byte[] expected) {
        Objects.requireNonNull(expected, "expected");
        Long r = call(REMOVE, ScriptOutputType.INTEGER, key, expected);
        return r == 1L;
    }

    /** @return the store's {@code on-failure}: {@code local}, {@code allow} or {@code deny}, as the same mode */
    @Override
    public IdempotencyConfig.OnFailure onFailure() {
        return onFailure;
    }

    /** @return the store's description: its URI without credentials and whether it answers */
    @Override
    public String describe() {
        return description.get();
    }

    /**
     * @return the commands sent to Redis by this store's operations since it was built: one per operation, plus one
     *         for each script resent after NOSCRIPT; operations that skipped Redis (its guard open, no connection)
     *         count none, nor does the scripts' upload at start-up. For tests and benchmarks.
     */
    public long roundTrips() {
        return roundTrips.sum();
    }

    private <T> T call(LuaScript script, ScriptOutputType type, String key, byte[]... args) {
        byte[][] keys = {redisKey(key)};
        T reply;
        try {
            reply = script.call(calls, type, keys, args, roundTrips);
        } catch (LuaScript.NoAnswer e) {
            throw new StoreUnavailableException("Redis store " + description.get() + ": " + e.getMessage(), null);
        }
        if (reply == null) {
            throw new StoreUnavailableException("Redis store " + description.get() + ": no reply from "
                    + script.name(), null);
        }
        return reply;
    }

    /** The core's key is ASCII without spaces ({@code policy:hash}); anything else is refused before reaching Redis. */
    private byte[] redisKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.length() > MAX_KEY_CHARS || !key.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException("an idempotency key must be 1-" + MAX_KEY_CHARS
                    + " printable ASCII characters");
        }
        return (keyPrefix + key).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] millis(long ttlMillis) {
        return Long.toString(Math.max(1, ttlMillis)).getBytes(StandardCharsets.US_ASCII);
    }
}
