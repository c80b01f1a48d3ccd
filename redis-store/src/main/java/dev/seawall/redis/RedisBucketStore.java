package dev.seawall.redis;

import dev.seawall.core.internal.Gauges;
import dev.seawall.core.internal.SipHash;
import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.LocalBucketStore;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * Token buckets shared by every node through Redis.
 *
 * <ul>
 *   <li><b>One round trip per decision.</b> A bucket is one Redis string updated by one Lua script
 *       ({@code token-bucket.lua}, sent once and then called by its SHA): read, refill, take, write and expire
 *       happen atomically inside Redis, so concurrent nodes never lose an update and the total admitted per key is
 *       exactly the limit. Time is the Redis server's clock, one clock for every node ({@link ScriptEngine}).
 *       Bucket4j's own Lettuce integration is compare-and-swap based (a GET, then a conditional write: two round
 *       trips at least, more under contention), which is why it is {@code engine: bucket4j}
 *       ({@link Bucket4jEngine}), an option with its batching and delaying optimisations, and not the default.</li>
 *   <li><b>No identity in Redis.</b> Keys are {@code prefix + policy:limit:plan:fingerprint:hash}, where the
 *       hash is a SipHash keyed by the deployment's secret salt: the same on every node, useless to anyone without
 *       the salt. IP addresses are hashed too. The fingerprint hashes the engine and the rates: a changed limit starts
 *       afresh, and the two engines never read each other's state.</li>
 *   <li><b>Expiry.</b> Each write sets the key to expire once the bucket would be full again (plus a second):
 *       idle clients leave nothing behind.</li>
 *   <li><b>Failure.</b> Each call waits at most {@code timeout}; a timeout or error follows {@code on-failure}
 *       ({@code local}: per-node buckets holding limit / {@code nodes}; {@code allow}; {@code deny}: 429). After
 *       {@code failures} failures in a row, Redis is skipped for {@code backoff} ({@link BackendGuard}), so a dead
 *       Redis does not cost its timeout on every request; one request then probes it, and shared limiting resumes
 *       by itself. Commands are rejected at once while the connection is down (Lettuce's {@code REJECT_COMMANDS}),
 *       and at most 10,000 may be queued.</li>
 *   <li><b>Topologies.</b> One Redis, Redis Sentinel or Redis Cluster, as the {@code uri}'s scheme says
 *       ({@link RedisConnector}). Every script reads and writes exactly one key, so it is valid on a cluster whatever
 *       the keys: each decision is one call to the node owning its key's slot, and keys spread over the cluster's
 *       masters. During a failover decisions follow {@code on-failure}; the reconnect finds the new master.</li>
 *   <li><b>Idempotency keys</b> live in the same Redis, under {@code prefix + idem:}, through the same connection,
 *       guard and {@code on-failure} ({@link RedisIdempotencyStore}).</li>
 *   <li><b>Shared circuit breakers</b> keep their records under {@code prefix + brk:} through the same connection
 *       and guard, and their messages on one subscription connection ({@link RedisSharedBreakers}).</li>
 *   <li><b>Meters:</b> {@code seawall.store.calls{store,outcome=ok|timeout|error|skipped}},
 *       {@code seawall.store.up{store}} (1 or 0).</li>
 * </ul>
 * This class holds what both engines share: the connection, the key scheme, the guard and its meters, and
 * {@code on-failure}; an engine ({@link RedisEngine}) only turns a decision into Redis calls, through
 * {@link RedisCalls}.
 *
 * <p>Thread-safe: one Lettuce connection (pipelined, thread-safe; on a cluster, one per master behind one
 * object) serves every request. The request thread waits for
 * its own reply (at most {@code timeout}); Lettuce's two I/O threads do the network work.
 */
public final class RedisBucketStore implements BucketStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBucketStore.class);

    private final RedisStoreSettings config;
    private final String description;
    private final SipHash hash;
    private final BackendGuard guard;
    private final RedisConnector connector;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final Gauges gauges;
    private final Counter ok;
    private final Counter timeouts;
    private final Counter errors;
    private final Counter skipped;
    private final RedisEngine engine;
    private final RedisIdempotencyStore idempotency;
    private final RedisSharedBreakers breakers;
    private volatile StatefulConnection<byte[], byte[]> connection;
    private volatile boolean closed;

    /**
     * @param clientTime take "now" from {@code clock} instead of the Redis server: for tests in one JVM only
     *                   ({@code nanoTime} values of different JVMs cannot be compared)
     * @throws IllegalArgumentException for a URI Lettuce cannot use
     */
    RedisBucketStore(RedisStoreSettings config, NanoClock clock, MeterRegistry registry, boolean clientTime) {
        this.config = Objects.requireNonNull(config, "config");
        this.hash = saltedHash(config.keySalt());
        try {
            this.connector = new RedisConnector(config.uri(), config.timeout());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("store.uri: " + config.redactedUri() + " " + e.getMessage());
        }
        this.description = "redis " + config.redactedUri();
        if (connector.topology() == RedisConnector.Topology.CLUSTER && hashTagged(config.keyPrefix())) {
            LOG.warn("Seawall: the key-prefix of the Redis store holds a hash tag ({...}): every key lands in one slot,"
                    + " so one cluster node takes all the store's load");
        }
        this.guard = new BackendGuard("Redis store " + config.redactedUri(), config.failures(),
                config.backoff().toNanos(), clock);
        Calls calls = new Calls(config.timeout(), clientTime ? clock : null);
        this.engine = "bucket4j".equals(config.engine())
                ? new Bucket4jEngine(calls, config.optimization())
                : new ScriptEngine(calls);
        this.idempotency = new RedisIdempotencyStore(calls, config.keyPrefix(), config.onFailure(), this::describe);
        this.breakers = new RedisSharedBreakers(calls, config.keyPrefix(), this::connectPubSub, this::describe);
        String tag = "redis";
        this.ok = calls(registry, tag, "ok");
        this.timeouts = calls(registry, tag, "timeout");
        this.errors = calls(registry, tag, "error");
        this.skipped = calls(registry, tag, "skipped");
        this.gauges = new Gauges(registry);
        gauges.add(Gauge.builder("seawall.store.up", this, s -> s.up() ? 1 : 0)
                .description("1 while the shared store answers, 0 while decisions follow on-failure")
                .tag("store", tag));
        gauges.rebind(); // a store built by a reload replaces its predecessor's gauge
        try {
            this.connection = connector.commands();
            LOG.info("Seawall: Redis store connected to {} ({})", config.redactedUri(),
                    connector.topology().configName());
            engine.warmUp(connection);
            idempotency.warmUp(connection);
            breakers.warmUp(connection);
        } catch (RuntimeException e) {
            // the application starts anyway: decisions follow on-failure until Redis answers
            guard.failure("cannot connect");
            for (int i = 1; i < config.failures(); i++) {
                guard.failure("cannot connect");
            }
            LOG.error("Seawall: Redis store {} is not reachable at start-up ({}); deciding with on-failure: {}",
                    config.redactedUri(), e.getClass().getSimpleName(), config.onFailure().configName());
        }
    }

    /** Whether Redis Cluster would hash only the part between the first '{' and the next '}' of keys so prefixed. */
    static boolean hashTagged(String keyPrefix) {
        int open = keyPrefix.indexOf('{');
        return open >= 0 && keyPrefix.indexOf('}', open + 1) > open + 1;
    }

    /**
     * @return the way this store connects to Redis, for other parts of the module that need their own connections
     *         (publish/subscribe) to the same deployment
     */
    RedisConnector connector() {
        return connector;
    }

    private static Counter calls(MeterRegistry registry, String store, String outcome) {
        return Counter.builder("seawall.store.calls").description("Calls to the shared store (rate-limit buckets and idempotency keys) by outcome")
                .tag("store", store).tag("outcome", outcome).register(registry);
    }

    /** @return whether the store currently answers (its guard is closed) */
    public boolean up() {
        return connection != null && !guard.down();
    }

    @Override
    public boolean available() {
        return up();
    }

    @Override
    public void onHealthChange(java.util.function.Consumer<dev.seawall.core.event.StoreHealth> listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        guard.onChange(up -> listener.accept(new dev.seawall.core.event.StoreHealth(description, up)));
        if (!up()) {
            // unreachable since start-up (or since before this engine): no transition would ever tell
            listener.accept(new dev.seawall.core.event.StoreHealth(description, false));
        }
    }

    @Override
    public Buckets buckets(BucketSpec spec) {
        return new SharedBuckets(spec);
    }

    /**
     * @return the idempotency keys of every policy using this store, in Redis on this store's connection, guard and
     *         {@code on-failure}; the same instance on every call
     */
    @Override
    public RedisIdempotencyStore idempotencyStore() {
        return idempotency;
    }

    /**
     * @return the state of every shared circuit breaker using this store, in Redis on this store's connection and
     *         guard, with one subscription connection for their messages; the same instance on every call
     */
    @Override
    public RedisSharedBreakers sharedBreakers() {
        return breakers;
    }

    /**
     * The one place that opens the shared breakers' subscription connection (publish/subscribe needs a connection of
     * its own). Asynchronous: no request waits for it.
     */
    private java.util.concurrent.CompletionStage<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
        return connector.pubSubAsync(StringCodec.UTF8);
    }

    @Override
    public ToLongFunction<String> identityHash() {
        return hash::hash;
    }

    @Override
    public String describe() {
        return description + (up() ? " (up)" : " (down: on-failure " + config.onFailure().configName() + ")");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        gauges.remove();
        breakers.close();
        StatefulConnection<byte[], byte[]> c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        connector.close();
    }

    /** The salt keys SipHash through SHA-256, so any salt of 16+ characters gives a full 128-bit key. */
    static SipHash saltedHash(String salt) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(salt.getBytes(StandardCharsets.UTF_8));
            long k0 = 0;
            long k1 = 0;
            for (int i = 0; i < 8; i++) {
                k0 = (k0 << 8) | (d[i] & 0xff);
                k1 = (k1 << 8) | (d[i + 8] & 0xff);
            }
            return new SipHash(k0, k1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Connects in the background, one attempt at a time, so that no request waits for a connect. */
    private void reconnect() {
        if (closed || !connecting.compareAndSet(false, true)) {
            return;
        }
        connector.commandsAsync().whenComplete((c, e) -> {
            connecting.set(false);
            if (c != null) {
                if (closed) {
                    c.closeAsync();
                } else {
                    connection = c;
                    LOG.info("Seawall: Redis store connected to {}", config.redactedUri());
                }
            }
        });
    }

    /** The engines' way to Redis: the guard decides whether to call, and every outcome is counted. Thread-safe. */
    private final class Calls implements RedisCalls {
        private final Duration timeout;
        private final NanoClock clientClock;

        Calls(Duration timeout, NanoClock clientClock) {
            this.timeout = timeout;
            this.clientClock = clientClock;
        }

        @Override
        public StatefulConnection<byte[], byte[]> connection() {
            if (!guard.allow()) {
                skipped.increment();
                return null;
            }
            StatefulConnection<byte[], byte[]> c = connection;
            if (c == null) {
                reconnect();
                guard.failure("not connected");
                errors.increment();
            }
            return c;
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public NanoClock clientClock() {
            return clientClock;
        }

        @Override
        public void succeeded() {
            guard.success();
            ok.increment();
        }

        @Override
        public void timedOut() {
            guard.failure("timeout after " + timeout.toMillis() + " ms");
            timeouts.increment();
        }

        @Override
        public void failed(String why) {
            guard.failure(why);
            errors.increment();
        }

        @Override
        public void abandoned() {
            guard.abandon(); // a probe must not stay taken, or the guard would never let another one through
            errors.increment();
        }
    }

    /**
     * The buckets of one (limit, plan) in Redis, with this node's fallback: the key scheme and {@code on-failure},
     * the same for both engines. Thread-safe.
     */
    private final class SharedBuckets implements Buckets {
        private final String keyPrefix;
        private final RedisEngine.RemoteBuckets remote;
        private final Buckets local;
        private final ConsumptionProbe allowProbe;

        SharedBuckets(BucketSpec spec) {
            // the engine is part of the fingerprint: the two engines keep different state formats
            StringBuilder rates = new StringBuilder(config.engine() == null ? "script" : config.engine()).append(';');
            for (Rate r : spec.rates()) {
                rates.append(r.tokens()).append('/').append(r.period().toNanos()).append(';');
            }
            String fingerprint = Long.toHexString(hash.hash(rates.toString()) >>> 32);
            this.keyPrefix = config.keyPrefix() + spec.policy() + ':' + spec.limit() + ':' + spec.plan() + ':'
                    + fingerprint + ':';
            this.remote = engine.buckets(spec, this::key);
            this.local = config.onFailure() == RedisStoreSettings.OnFailure.LOCAL
                    ? LocalBucketStore.INSTANCE.buckets(spec.dividedBy(config.nodes())) : null;
            long smallest = spec.rates().stream().mapToLong(Rate::tokens).min().orElse(1);
            this.allowProbe = ConsumptionProbe.consumed(smallest, 0);
        }

        /** IP text is hashed too: nothing a client sent reaches Redis in clear. */
        private byte[] key(Object key) {
            long h = key instanceof Long l ? l : hash.hash(key.toString());
            return (keyPrefix + Long.toHexString(h)).getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public ConsumptionProbe tryConsumeOne(Object key) {
            return tryConsume(key, 1);
        }

        @Override
        public ConsumptionProbe tryConsume(Object key, long tokens) {
            ConsumptionProbe p = remote.consume(key, tokens);
            return p != null ? p : onFailure(key, tokens);
        }

        /** The script engine's call sent now; a call that gets no answer follows {@code on-failure} when joined. */
        @Override
        public Pending tryConsumeAhead(Object key, long tokens) {
            Pending sent = remote.consumeAhead(key, tokens);
            return () -> {
                ConsumptionProbe p = sent.join();
                return p != null ? p : onFailure(key, tokens);
            };
        }

        @Override
        public boolean sendsAhead() {
            return remote.sendsAhead();
        }

        private ConsumptionProbe onFailure(Object key, long tokens) {
            return switch (config.onFailure()) {
                case LOCAL -> local.tryConsume(key, tokens);
                case ALLOW -> allowProbe;
                case DENY -> {
                    long wait = Math.max(guard.nanosToRetry(), 1_000_000_000L);
                    yield ConsumptionProbe.rejected(0, wait, wait);
                }
            };
        }

        @Override
        public void refundOne(Object key) {
            refund(key, 1);
        }

        @Override
        public void refund(Object key, long tokens) {
            if (!remote.refund(key, tokens) && local != null) {
                local.refund(key, tokens);
            }
        }

        @Override
        public long trackedKeys() {
            return local == null ? 0 : local.trackedKeys();
        }

        @Override
        public void cleanUp() {
            if (local != null) {
                local.cleanUp();
            }
        }
    }
}
