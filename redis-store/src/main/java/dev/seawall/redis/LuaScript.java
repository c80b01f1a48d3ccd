package dev.seawall.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * One Lua script of the store, read from the jar, and the way every script is called: {@code EVALSHA}, and the whole
 * script once more ({@code EVAL}, which caches it again) when Redis answers {@code NOSCRIPT} (restarted or flushed).
 * A call asks {@link RedisCalls} for the connection (so the store's {@link BackendGuard} decides whether Redis is
 * called at all), waits at most {@link RedisCalls#timeout()} in total, the resent script included, and reports exactly
 * one outcome to it.
 *
 * <p>Immutable and thread-safe.
 */
final class LuaScript {

    private final String name;
    private final String text;
    private final String sha;

    private LuaScript(String name, String text) {
        this.name = name;
        this.text = text;
        this.sha = sha1(text);
    }

    /** @param resource a file next to this class in the jar */
    static LuaScript of(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the redis-store jar");
            }
            return new LuaScript(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(resource + " cannot be read", e);
        }
    }

    /** Sends the script for Redis to cache (without waiting), so that the first calls need no NOSCRIPT round trip. */
    RedisFuture<String> load(StatefulConnection<byte[], byte[]> c) {
        return RedisConnector.async(c).scriptLoad(text.getBytes(StandardCharsets.UTF_8));
    }

    String name() {
        return name;
    }

    /**
     * Calls the script. Its reply is never nil (every script of the store returns a number or an array), so that
     * a null never stands for "no answer".
     *
     * @param sent counts each command the connection accepted (a call that meets NOSCRIPT sends two); null to count
     *             nothing
     * @return the script's reply
     * @throws NoAnswer when Redis was not called (the guard is open, no connection) or did not answer in time; the
     *                  outcome is already reported to {@code calls}
     */
    <T> T call(RedisCalls calls, ScriptOutputType type, byte[][] keys, byte[][] args, LongAdder sent)
            throws NoAnswer {
        return this.<T>start(calls, type, keys, args, sent).await();
    }

    /**
     * Sends the call and returns before its answer, so that several calls (one per limit of a request) travel
     * together; {@link Sent#await} waits for the answer as {@link #call} does, within the same {@code timeout}
     * counted from now.
     *
     * @throws NoAnswer when Redis was not called (the guard is open, no connection, the connection refused the
     *                  command); the outcome is already reported to {@code calls}
     */
    <T> Sent<T> start(RedisCalls calls, ScriptOutputType type, byte[][] keys, byte[][] args, LongAdder sent)
            throws NoAnswer {
        StatefulConnection<byte[], byte[]> c = calls.connection();
        if (c == null) {
            throw new NoAnswer("not called: Redis is down or not connected");
        }
        long deadline = System.nanoTime() + calls.timeout().toNanos();
        try {
            RedisFuture<T> f = RedisConnector.async(c).evalsha(sha, type, keys, args);
            count(sent);
            return new Sent<>(this, calls, c, type, keys, args, deadline, sent, f);
        } catch (RuntimeException e) {
            throw failed(calls, e);
        }
    }

    /**
     * A call sent by {@link #start}, not yet awaited. Not thread-safe: awaited once, by the thread that sent it.
     */
    static final class Sent<T> {
        private final LuaScript script;
        private final RedisCalls calls;
        private final StatefulConnection<byte[], byte[]> connection;
        private final ScriptOutputType type;
        private final byte[][] keys;
        private final byte[][] args;
        private final long deadline;
        private final LongAdder sent;
        private final RedisFuture<T> future;

        private Sent(LuaScript script, RedisCalls calls, StatefulConnection<byte[], byte[]> connection,
                     ScriptOutputType type, byte[][] keys, byte[][] args, long deadline, LongAdder sent,
                     RedisFuture<T> future) {
            this.script = script;
            this.calls = calls;
            this.connection = connection;
            this.type = type;
            this.keys = keys;
            this.args = args;
            this.deadline = deadline;
            this.sent = sent;
            this.future = future;
        }

        /**
         * @return the script's reply
         * @throws NoAnswer when Redis did not answer before the call's deadline, or failed; already reported
         */
        T await() throws NoAnswer {
            try {
                T r = future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                calls.succeeded();
                return r;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RedisNoScriptException) {
                    return script.evalWhole(calls, connection, type, keys, args, deadline, sent);
                }
                throw failed(calls, e.getCause() == null ? e : e.getCause());
            } catch (TimeoutException e) {
                future.cancel(true);
                calls.timedOut();
                throw new NoAnswer("no answer within " + calls.timeout().toMillis() + " ms");
            } catch (InterruptedException e) {
                throw abandoned(calls, future);
            } catch (RuntimeException e) {
                throw failed(calls, e);
            }
        }
    }

    private <T> T evalWhole(RedisCalls calls, StatefulConnection<byte[], byte[]> c, ScriptOutputType type,
                            byte[][] keys, byte[][] args, long deadline, LongAdder sent) throws NoAnswer {
        RedisFuture<T> f = null;
        try {
            f = RedisConnector.async(c).eval(text, type, keys, args);
            count(sent);
            // the resent script gets what is left of the call's time, so that a call never waits longer than timeout
            T r = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            calls.succeeded();
            return r;
        } catch (ExecutionException e) {
            throw failed(calls, e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            calls.timedOut();
            throw new NoAnswer("no answer within " + calls.timeout().toMillis() + " ms");
        } catch (InterruptedException e) {
            throw abandoned(calls, f);
        } catch (RuntimeException e) {
            throw failed(calls, e);
        }
    }

    private static void count(LongAdder sent) {
        if (sent != null) {
            sent.increment();
        }
    }

    private static NoAnswer failed(RedisCalls calls, Throwable cause) {
        String why = cause.getClass().getSimpleName();
        calls.failed(why);
        return new NoAnswer("failed (" + why + ")");
    }

    private static NoAnswer abandoned(RedisCalls calls, RedisFuture<?> f) {
        Thread.currentThread().interrupt();
        if (f != null) {
            f.cancel(true);
        }
        calls.abandoned();
        return new NoAnswer("interrupted while waiting for Redis");
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /**
     * Redis gave no answer: why, in words fit for a log (a client library's exception class name at most, never its
     * message). Carries no stack trace: it is an expected outcome, handled by the caller.
     */
    static final class NoAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        NoAnswer(String why) {
            super(why, null, false, false);
        }
    }
}
