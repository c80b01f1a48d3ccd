package dev.seawall.redis;

import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@code engine: script}, the default: one call of {@code token-bucket.lua} per decision. Read, refill, take, write
 * and expire happen atomically inside Redis, so concurrent nodes never lose an update and the total admitted per key
 * is exactly the limit; time is the Redis server's clock, one clock for every node. The script is sent once and then
 * called by its SHA; a Redis that forgot it (restarted, flushed) gets it whole once more ({@link LuaScript}).
 *
 * <p>Thread-safe and stateless apart from its immutable arguments: every decision is one {@code EVALSHA}.
 */
final class ScriptEngine implements RedisEngine {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptEngine.class);
    private static final LuaScript SCRIPT = LuaScript.of("token-bucket.lua");
    private static final byte[] ONE = "1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MINUS_ONE = "-1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_TIME = new byte[0];

    /** A take Redis was not called for: its probe is null, so the store follows on-failure. */
    private static final BucketStore.Pending NO_ANSWER = () -> null;

    private final RedisCalls calls;

    ScriptEngine(RedisCalls calls) {
        this.calls = calls;
    }

    /** Loads the script now, so the first decisions pay no NOSCRIPT round trip (and the client's class loading). */
    @Override
    public void warmUp(StatefulConnection<byte[], byte[]> c) {
        try {
            SCRIPT.load(c).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("Seawall: preloading the Redis script failed ({}); it is sent on first use",
                    e.getClass().getSimpleName());
        }
    }

    @Override
    public RemoteBuckets buckets(BucketSpec spec, Function<Object, byte[]> keys) {
        return new ScriptBuckets(spec.rates(), keys);
    }

    /** Calls the script; null when Redis did not answer in time (the caller then follows on-failure). */
    private List<Object> call(byte[] key, byte[][] args) {
        try {
            return SCRIPT.call(calls, ScriptOutputType.MULTI, new byte[][] {key}, args, null);
        } catch (LuaScript.NoAnswer e) {
            return null;
        }
    }

    /**
     * The script's arguments for one (limit, plan), built once: the tokens to take (the cost, or minus it for a
     * refund), "now"
     * (empty: the server's clock), then tokens and period in microseconds for each rate. Thread-safe (immutable).
     */
    private final class ScriptBuckets implements RemoteBuckets {
        private final Function<Object, byte[]> keys;
        private final byte[][] consumeArgs;
        private final byte[][] refundArgs;

        ScriptBuckets(List<Rate> rates, Function<Object, byte[]> keys) {
            this.keys = keys;
            this.consumeArgs = args(ONE, rates);
            this.refundArgs = args(MINUS_ONE, rates);
        }

        private static byte[][] args(byte[] take, List<Rate> rates) {
            byte[][] a = new byte[2 + 2 * rates.size()][];
            a[0] = take;
            a[1] = SERVER_TIME;
            for (int i = 0; i < rates.size(); i++) {
                Rate r = rates.get(i);
                a[2 + 2 * i] = Long.toString(r.tokens()).getBytes(StandardCharsets.US_ASCII);
                a[3 + 2 * i] = Long.toString(Math.max(1, r.period().toNanos() / 1000))
                        .getBytes(StandardCharsets.US_ASCII);
            }
            return a;
        }

        private byte[][] withTime(byte[][] args) {
            NanoClock clock = calls.clientClock();
            if (clock == null) {
                return args;
            }
            byte[][] a = args.clone();
            a[1] = Long.toString(clock.nanoTime() / 1000).getBytes(StandardCharsets.US_ASCII);
            return a;
        }

        /** The arguments taking {@code tokens} (a cost above 1 copies the prebuilt ones: the rare case). */
        private byte[][] taking(byte[][] prebuilt, long tokens) {
            if (tokens == 1) {
                return prebuilt;
            }
            byte[][] a = prebuilt.clone();
            a[0] = Long.toString(prebuilt == refundArgs ? -tokens : tokens).getBytes(StandardCharsets.US_ASCII);
            return a;
        }

        @Override
        public ConsumptionProbe consume(Object key, long tokens) {
            return probe(call(keys.apply(key), withTime(taking(consumeArgs, tokens))));
        }

        /** One EVALSHA sent now; its answer is awaited by {@code join}, within the store's timeout from now. */
        @Override
        public BucketStore.Pending consumeAhead(Object key, long tokens) {
            LuaScript.Sent<List<Object>> sent;
            try {
                sent = SCRIPT.start(calls, ScriptOutputType.MULTI, new byte[][] {keys.apply(key)},
                        withTime(taking(consumeArgs, tokens)), null);
            } catch (LuaScript.NoAnswer e) {
                return NO_ANSWER;
            }
            return () -> {
                try {
                    return probe(sent.await());
                } catch (LuaScript.NoAnswer e) {
                    return null;
                }
            };
        }

        @Override
        public boolean sendsAhead() {
            return true;
        }

        /** @return the script's answer as a probe, or null for none */
        private ConsumptionProbe probe(List<Object> r) {
            if (r == null || r.size() < 4) {
                return null;
            }
            long remaining = (Long) r.get(1);
            long full = (Long) r.get(3) * 1000;
            if ((Long) r.get(0) == 1L) {
                return ConsumptionProbe.consumed(remaining, full);
            }
            return ConsumptionProbe.rejected(remaining, Math.max(1, (Long) r.get(2) * 1000), full);
        }

        @Override
        public boolean refund(Object key, long tokens) {
            return call(keys.apply(key), withTime(taking(refundArgs, tokens))) != null;
        }
    }
}
