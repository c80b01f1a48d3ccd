package dev.seawall.redis;

import dev.seawall.core.breaker.SharedBreakerState;
import dev.seawall.core.idempotency.IdempotencyStore.StoreUnavailableException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The state of shared circuit breakers in Redis, on the store's connection and guard; obtained from
 * {@link RedisBucketStore#sharedBreakers()}. The core decides ({@link SharedBreakerState} states the protocol); this
 * class keeps the records and carries the messages.
 *
 * <ul>
 *   <li><b>Keys</b>: {@code key-prefix + "brk:{" + breaker + "}"} holds {@code generation:phase}; {@code :p:<gen>}
 *       the probe permits taken of an open generation (expiring with the permits' lease); {@code :r:<gen>} its probe
 *       results. The braces are a Redis Cluster hash tag: one breaker's keys share a slot, so each change is one
 *       script. A breaker's name is a configuration name, never anything a client sent.</li>
 *   <li><b>Changes</b> are one Lua script ({@code breaker.lua}, called by its SHA through {@link LuaScript}) that
 *       writes the next generation and publishes {@code "breaker generation phase"} on {@code key-prefix + "brk"}.
 *       Reads are a plain {@code GET}.</li>
 *   <li><b>Messages</b>: one subscription connection per store, whatever the number of breakers, opened when the first
 *       breaker joins (and again on a later read while it could not be opened); Lettuce re-subscribes by itself after
 *       a reconnect. Messages lost meanwhile are made up for by the core's periodic read.</li>
 *   <li><b>Failure</b>: every call goes through the store's {@link BackendGuard} and waits at most the store's
 *       {@code timeout}; no answer is {@link StoreUnavailableException}, and the core's breakers judge alone.</li>
 * </ul>
 *
 * <p>Thread-safe: the connections are, listeners are kept in concurrent collections.
 */
public final class RedisSharedBreakers implements SharedBreakerState {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSharedBreakers.class);
    private static final LuaScript SCRIPT = LuaScript.of("breaker.lua");
    private static final Phase[] PHASES = Phase.values();

    private final RedisCalls calls;
    private final String keyPrefix;
    private final String channel;
    private final Supplier<CompletionStage<StatefulRedisPubSubConnection<String, String>>> subscriber;
    private final Supplier<String> description;
    private final Map<String, List<Listener>> listeners = new ConcurrentHashMap<>();
    private final AtomicBoolean subscribing = new AtomicBoolean();
    private final LongAdder roundTrips = new LongAdder();
    private volatile StatefulRedisPubSubConnection<String, String> subscription;
    private volatile boolean closed;

    /**
     * @param keyPrefix   the store's {@code key-prefix}
     * @param subscriber  opens the subscription connection (the store's one place for it)
     * @param description the store's description (its redacted URI and state)
     */
    RedisSharedBreakers(RedisCalls calls, String keyPrefix,
                        Supplier<CompletionStage<StatefulRedisPubSubConnection<String, String>>> subscriber,
                        Supplier<String> description) {
        this.calls = Objects.requireNonNull(calls, "calls");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix") + "brk:";
        this.channel = this.keyPrefix.substring(0, this.keyPrefix.length() - 1);
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
        this.description = Objects.requireNonNull(description, "description");
    }

    @Override
    public Membership join(String breaker, Listener listener) {
        Objects.requireNonNull(listener, "listener");
        List<Listener> list = listeners.computeIfAbsent(breaker, k -> new CopyOnWriteArrayList<>());
        list.add(listener);
        subscribe();
        return () -> list.remove(listener);
    }

    /** Opens the subscription when it is not open; one attempt at a time, never waited for. */
    private void subscribe() {
        if (closed || subscription != null || !subscribing.compareAndSet(false, true)) {
            return;
        }
        CompletionStage<StatefulRedisPubSubConnection<String, String>> connecting;
        try {
            connecting = subscriber.get();
        } catch (RuntimeException e) {
            subscribing.set(false);
            return;
        }
        connecting.whenComplete((c, e) -> {
            if (c == null) {
                subscribing.set(false);
                LOG.debug("Seawall: shared breakers cannot subscribe to {} yet", description.get());
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String message) {
                    deliver(message);
                }
            });
            c.async().subscribe(channel).whenComplete((ok, failed) -> {
                if (failed == null) {
                    subscription = c;
                    if (closed) {
                        c.closeAsync(); // the store closed while subscribing: close() may have missed this one
                    }
                } else {
                    c.closeAsync(); // tried again on the next read
                }
                subscribing.set(false);
            });
        });
    }

    /** A message {@code "breaker generation phase"}; anything else (another writer on the channel) is ignored. */
    void deliver(String message) {
        String[] parts = message.split(" ", -1);
        if (parts.length != 3) {
            return;
        }
        List<Listener> to = listeners.get(parts[0]);
        if (to == null || to.isEmpty()) {
            return;
        }
        State s;
        try {
            int phase = Integer.parseInt(parts[2]);
            if (phase < 0 || phase >= PHASES.length) {
                return;
            }
            s = new State(Long.parseLong(parts[1]), PHASES[phase]);
        } catch (NumberFormatException e) {
            return;
        }
        for (Listener l : to) {
            try {
                l.published(s);
            } catch (RuntimeException e) {
                LOG.warn("Seawall: a shared breaker's listener failed ({})", e.getClass().getSimpleName());
            }
        }
    }

    @Override
    public CompletionStage<State> read(String breaker) {
        subscribe();
        StatefulConnection<byte[], byte[]> c = calls.connection();
        if (c == null) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("not called: Redis is down", null));
        }
        roundTrips.increment();
        CompletableFuture<State> result = new CompletableFuture<>();
        CompletableFuture<byte[]> sent;
        try {
            sent = RedisConnector.async(c).get(stateKey(breaker)).toCompletableFuture();
        } catch (RuntimeException e) {
            // refused at once (disconnected): reported, or the guard's probe slot would stay taken for good
            calls.failed(e.getClass().getSimpleName());
            return CompletableFuture.failedFuture(new StoreUnavailableException("not called: Redis refused", null));
        }
        sent
                .orTimeout(calls.timeout().toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((v, e) -> {
                    if (e != null) {
                        if (e instanceof java.util.concurrent.TimeoutException) {
                            calls.timedOut();
                        } else {
                            calls.failed(e.getClass().getSimpleName());
                        }
                        result.completeExceptionally(new StoreUnavailableException("no answer", null));
                        return;
                    }
                    calls.succeeded();
                    try {
                        result.complete(parse(v));
                    } catch (RuntimeException bad) {
                        result.completeExceptionally(new StoreUnavailableException("unreadable record", null));
                    }
                });
        return result;
    }

    /** A record {@code generation:phase}; none is {@link State#INITIAL}. */
    static State parse(byte[] value) {
        if (value == null) {
            return State.INITIAL;
        }
        String v = new String(value, StandardCharsets.US_ASCII);
        int sep = v.indexOf(':');
        if (sep < 1) {
            throw new IllegalArgumentException("not a breaker record");
        }
        int phase = Integer.parseInt(v.substring(sep + 1));
        if (phase < 0 || phase >= PHASES.length) {
            throw new IllegalArgumentException("not a breaker record");
        }
        return new State(Long.parseLong(v.substring(0, sep)), PHASES[phase]);
    }

    @Override
    public CompletionStage<State> open(String breaker, long closedGeneration) {
        return change(breaker, 0, "open", Long.toString(closedGeneration));
    }

    @Override
    public CompletionStage<State> force(String breaker, Phase phase) {
        return change(breaker, 0, "force", Integer.toString(phase.ordinal()));
    }

    @Override
    public boolean tryProbe(String breaker, long generation, int limit, Duration lease) {
        List<Object> r = run(breaker, generation, "probe", Long.toString(generation), Integer.toString(limit),
                Long.toString(Math.max(1, lease.toMillis())));
        return r.size() > 2 && ((Long) r.get(2)) == 1L;
    }

    @Override
    public void releaseProbe(String breaker, long generation) {
        run(breaker, generation, "release", Long.toString(generation));
    }

    @Override
    public CompletionStage<State> probeResult(String breaker, long generation, boolean failed, int calls,
                                              int failureRate) {
        // the results of an open generation are kept a day at most: enough for any probe, nothing left behind
        return change(breaker, generation, "result", Long.toString(generation), failed ? "1" : "0",
                Integer.toString(calls), Integer.toString(failureRate), Long.toString(TimeUnit.DAYS.toMillis(1)));
    }

    private CompletionStage<State> change(String breaker, long generation, String... args) {
        try {
            return CompletableFuture.completedFuture(state(run(breaker, generation, args)));
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static State state(List<Object> r) {
        int phase = ((Long) r.get(1)).intValue();
        return new State((Long) r.get(0), PHASES[phase]);
    }

    private List<Object> run(String breaker, long generation, String... args) {
        String state = keyPrefix + "{" + breaker + "}";
        byte[][] keys = {bytes(state), bytes(state + ":p:" + generation), bytes(state + ":r:" + generation)};
        byte[][] argv = new byte[args.length + 2][];
        argv[0] = bytes(args[0]);
        argv[1] = bytes(channel);
        argv[2] = bytes(breaker);
        for (int i = 1; i < args.length; i++) {
            argv[i + 2] = bytes(args[i]);
        }
        try {
            return SCRIPT.call(calls, ScriptOutputType.MULTI, keys, argv, roundTrips);
        } catch (LuaScript.NoAnswer e) {
            throw new StoreUnavailableException(e.getMessage(), null);
        }
    }

    private byte[] stateKey(String breaker) {
        return bytes(keyPrefix + "{" + breaker + "}");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends the script for Redis to cache, without waiting. */
    void warmUp(StatefulConnection<byte[], byte[]> c) {
        SCRIPT.load(c);
    }

    /** @return commands sent to Redis for shared breakers so far (scripts, resent scripts and reads) */
    public long roundTrips() {
        return roundTrips.sum();
    }

    /** @return whether the subscription connection is open and subscribed */
    public boolean subscribed() {
        StatefulRedisPubSubConnection<String, String> s = subscription;
        return s != null && s.isOpen();
    }

    @Override
    public String describe() {
        return description.get();
    }

    /** Closes the subscription; called by the store's {@code close()}. */
    void close() {
        closed = true;
        StatefulRedisPubSubConnection<String, String> s = subscription;
        subscription = null;
        if (s != null) {
            s.close();
        }
        listeners.clear();
    }
}
