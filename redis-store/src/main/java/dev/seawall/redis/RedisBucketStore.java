package dev.seawall.redis;

import dev.seawall.core.internal.Gauges;
import dev.seawall.core.internal.SipHash;
import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.LocalBucketStore;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.NanoClock;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * Token buckets shared by every node through Redis.
 *
 * <ul>
 *   <li><b>One round trip per decision.</b> A bucket is one Redis string updated by one Lua script
 *       ({@code token-bucket.lua}, sent once and then called by its SHA): read, refill, take, write and expire
 *       happen atomically inside Redis, so concurrent nodes never lose an update and the total admitted per key is
 *       exactly the limit. Time is the Redis server's clock, one clock for every node. Bucket4j's own Lettuce
 *       integration is compare-and-swap based (a GET, then a conditional write: two round trips at least, more under
 *       contention), which is why it is {@code engine: bucket4j}, an option with its batching and delaying
 *       optimisations, and not the default.</li>
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
 *   <li><b>Meters:</b> {@code seawall.store.calls{store,outcome=ok|timeout|error|skipped}},
 *       {@code seawall.store.up{store}} (1 or 0).</li>
 * </ul>
 * Thread-safe: one Lettuce connection (pipelined, thread-safe) serves every request. The request thread waits for
 * its own reply (at most {@code timeout}); Lettuce's two I/O threads do the network work.
 */
public final class RedisBucketStore implements BucketStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBucketStore.class);
    private static final String SCRIPT = script();
    private static final String SHA = sha1(SCRIPT);
    private static final byte[] ONE = "1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MINUS_ONE = "-1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_TIME = new byte[0];
    private static final int MAX_QUEUED_COMMANDS = 10_000;

    private final RedisStoreSettings config;
    private final NanoClock clock;
    private final boolean clientTime;
    private final String description;
    private final long timeoutNanos;
    private final SipHash hash;
    private final BackendGuard guard;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final Gauges gauges;
    private final Counter ok;
    private final Counter timeouts;
    private final Counter errors;
    private final Counter skipped;
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile boolean closed;

    /**
     * @param clientTime take "now" from {@code clock} instead of the Redis server: for tests in one JVM only
     *                   ({@code nanoTime} values of different JVMs cannot be compared)
     * @throws IllegalArgumentException for a URI Lettuce cannot use
     */
    RedisBucketStore(RedisStoreSettings config, NanoClock clock, MeterRegistry registry, boolean clientTime) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = clock;
        this.clientTime = clientTime;
        this.timeoutNanos = config.timeout().toNanos();
        this.hash = saltedHash(config.keySalt());
        try {
            this.uri = RedisURI.create(config.uri());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("store.uri: " + config.redactedUri() + " is not a usable Redis URI");
        }
        this.description = "redis " + config.redactedUri();
        this.guard = new BackendGuard("Redis store " + config.redactedUri(), config.failures(),
                config.backoff().toNanos(), clock);
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(MAX_QUEUED_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(Math.max(500, config.timeout().toMillis())))
                        .build())
                .build());
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
            this.connection = client.connect(ByteArrayCodec.INSTANCE, uri);
            LOG.info("Seawall: Redis store connected to {}", config.redactedUri());
            preload(connection);
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

    /**
     * Loads the script now (and warms the client's code paths), so the first decisions pay neither a NOSCRIPT round
     * trip nor class loading inside their short timeout. Best effort: a failure only costs that later.
     */
    private static void preload(StatefulRedisConnection<byte[], byte[]> c) {
        try {
            c.async().scriptLoad(SCRIPT.getBytes(StandardCharsets.UTF_8)).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("Seawall: preloading the Redis script failed ({}); it is sent on first use",
                    e.getClass().getSimpleName());
        }
    }

    private static Counter calls(MeterRegistry registry, String store, String outcome) {
        return Counter.builder("seawall.store.calls").description("Calls to the shared bucket store by outcome")
                .tag("store", store).tag("outcome", outcome).register(registry);
    }

    /** @return whether the store currently answers (its guard is closed) */
    public boolean up() {
        return connection != null && !guard.down();
    }

    @Override
    public Buckets buckets(BucketSpec spec) {
        return "bucket4j".equals(config.engine()) ? new Bucket4jBuckets(spec) : new ScriptBuckets(spec);
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
        StatefulRedisConnection<byte[], byte[]> c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
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

    /** @return the connection when Redis may be called now, else null (counted: skipped, or not connected) */
    private StatefulRedisConnection<byte[], byte[]> usableConnection() {
        if (!guard.allow()) {
            skipped.increment();
            return null;
        }
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c == null) {
            reconnect();
            guard.failure("not connected");
            errors.increment();
        }
        return c;
    }

    /** Calls the script; null when Redis did not answer in time (the caller then follows on-failure). */
    private List<Object> call(byte[] key, byte[][] args) {
        StatefulRedisConnection<byte[], byte[]> c = usableConnection();
        if (c == null) {
            return null;
        }
        byte[][] keys = {key};
        RedisFuture<List<Object>> f = null;
        try {
            f = c.async().evalsha(SHA, ScriptOutputType.MULTI, keys, args);
            List<Object> r = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
            guard.success();
            ok.increment();
            return r;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisNoScriptException) {
                // a restarted or flushed Redis forgot the script: send it whole once (EVAL caches it again)
                return evalWhole(c, keys, args);
            }
            guard.failure(e.getCause() == null ? "error" : e.getCause().getClass().getSimpleName());
            errors.increment();
            return null;
        } catch (TimeoutException e) {
            f.cancel(true);
            guard.failure("timeout after " + config.timeout().toMillis() + " ms");
            timeouts.increment();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (f != null) {
                f.cancel(true);
            }
            guard.abandon(); // a probe must not stay taken, or the guard would never let another one through
            errors.increment();
            return null;
        } catch (RuntimeException e) {
            guard.failure(e.getClass().getSimpleName());
            errors.increment();
            return null;
        }
    }

    private List<Object> evalWhole(StatefulRedisConnection<byte[], byte[]> c, byte[][] keys, byte[][] args) {
        try {
            List<Object> r = c.async().<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args)
                    .get(timeoutNanos, TimeUnit.NANOSECONDS);
            guard.success();
            ok.increment();
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            guard.abandon();
            errors.increment();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            guard.failure(e.getClass().getSimpleName());
            errors.increment();
            return null;
        }
    }

    /** Connects in the background, one attempt at a time, so that no request waits for a connect. */
    private void reconnect() {
        if (closed || !connecting.compareAndSet(false, true)) {
            return;
        }
        client.connectAsync(ByteArrayCodec.INSTANCE, uri).whenComplete((c, e) -> {
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

    private static String script() {
        try (InputStream in = RedisBucketStore.class.getResourceAsStream("token-bucket.lua")) {
            if (in == null) {
                throw new IllegalStateException("token-bucket.lua is missing from the redis-store jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("token-bucket.lua cannot be read", e);
        }
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
     * The buckets of one (limit, plan) in Redis, with this node's fallback: the key scheme and {@code on-failure}
     * shared by both engines. Thread-safe.
     */
    private abstract class SharedBuckets implements Buckets {
        final String keyPrefix;
        final Buckets local;
        final ConsumptionProbe allowProbe;

        SharedBuckets(BucketSpec spec) {
            // the engine is part of the fingerprint: the two engines keep different state formats
            StringBuilder rates = new StringBuilder(config.engine() == null ? "script" : config.engine()).append(';');
            for (Rate r : spec.rates()) {
                rates.append(r.tokens()).append('/').append(r.period().toNanos()).append(';');
            }
            String fingerprint = Long.toHexString(hash.hash(rates.toString()) >>> 32);
            this.keyPrefix = config.keyPrefix() + spec.policy() + ':' + spec.limit() + ':' + spec.plan() + ':'
                    + fingerprint + ':';
            this.local = config.onFailure() == RedisStoreSettings.OnFailure.LOCAL
                    ? LocalBucketStore.INSTANCE.buckets(spec.dividedBy(config.nodes())) : null;
            long smallest = spec.rates().stream().mapToLong(Rate::tokens).min().orElse(1);
            this.allowProbe = ConsumptionProbe.consumed(smallest, 0);
        }

        /** IP text is hashed too: nothing a client sent reaches Redis in clear. */
        final byte[] key(Object key) {
            long h = key instanceof Long l ? l : hash.hash(key.toString());
            return (keyPrefix + Long.toHexString(h)).getBytes(StandardCharsets.US_ASCII);
        }

        /** @return the remote decision, or null when Redis did not give one in time */
        abstract ConsumptionProbe remoteConsume(Object key);

        /** @return whether Redis took the refund */
        abstract boolean remoteRefund(Object key);

        @Override
        public final ConsumptionProbe tryConsumeOne(Object key) {
            ConsumptionProbe p = remoteConsume(key);
            return p != null ? p : onFailure(key);
        }

        private ConsumptionProbe onFailure(Object key) {
            return switch (config.onFailure()) {
                case LOCAL -> local.tryConsumeOne(key);
                case ALLOW -> allowProbe;
                case DENY -> {
                    long wait = Math.max(guard.nanosToRetry(), 1_000_000_000L);
                    yield ConsumptionProbe.rejected(0, wait, wait);
                }
            };
        }

        @Override
        public final void refundOne(Object key) {
            if (!remoteRefund(key) && local != null) {
                local.refundOne(key);
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

    /** The default engine: one call of {@code token-bucket.lua} per decision. */
    private final class ScriptBuckets extends SharedBuckets {
        private final byte[][] consumeArgs;
        private final byte[][] refundArgs;

        ScriptBuckets(BucketSpec spec) {
            super(spec);
            this.consumeArgs = args(ONE, spec.rates());
            this.refundArgs = args(MINUS_ONE, spec.rates());
        }

        private byte[][] args(byte[] take, List<Rate> rates) {
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
            if (!clientTime) {
                return args;
            }
            byte[][] a = args.clone();
            a[1] = Long.toString(clock.nanoTime() / 1000).getBytes(StandardCharsets.US_ASCII);
            return a;
        }

        @Override
        ConsumptionProbe remoteConsume(Object key) {
            List<Object> r = call(key(key), withTime(consumeArgs));
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
        boolean remoteRefund(Object key) {
            return call(key(key), withTime(refundArgs)) != null;
        }
    }

    /**
     * {@code engine: bucket4j}: Bucket4j's Lettuce proxy manager (compare-and-swap: a GET, then a conditional
     * write), with its {@code batching} or {@code delaying} optimisation when configured. The proxies are kept per
     * key (bounded like local buckets) because the optimisations keep their state in them.
     */
    private final class Bucket4jBuckets extends SharedBuckets {
        private final BucketConfiguration configuration;
        private final Cache<Object, BucketProxy> proxies;
        private final Optimization optimization;
        private volatile ProxyBinding binding;

        Bucket4jBuckets(BucketSpec spec) {
            super(spec);
            List<Bandwidth> bandwidths = new ArrayList<>();
            Duration longest = Duration.ZERO;
            long smallest = Long.MAX_VALUE;
            for (Rate r : spec.rates()) {
                bandwidths.add(Bandwidth.builder().capacity(r.tokens()).refillGreedy(r.tokens(), r.period()).build());
                longest = r.period().compareTo(longest) > 0 ? r.period() : longest;
                smallest = Math.min(smallest, r.tokens());
            }
            this.configuration = new BucketConfiguration(bandwidths);
            this.optimization = switch (config.optimization() == null ? "none" : config.optimization()) {
                case "batching" -> Optimizations.batching();
                // up to 1/20 of the smallest capacity (at least 1 token) is spent locally before synchronising,
                // and at most 100 ms may pass between synchronisations: the over-admission BENCHMARKS.md measures
                case "delaying" -> Optimizations.delaying(new DelayParameters(Math.max(1, smallest / 20),
                        Duration.ofMillis(100)));
                default -> null;
            };
            this.proxies = Caffeine.newBuilder().maximumSize(spec.maxKeys()).expireAfterAccess(longest)
                    .executor(Runnable::run).build();
        }

        /** The proxy manager of the connection in use; rebuilt (and the proxies dropped) after a new connection. */
        private ProxyBinding binding(StatefulRedisConnection<byte[], byte[]> c) {
            ProxyBinding b = binding;
            if (b == null || b.connection != c) {
                var builder = Bucket4jLettuce.casBasedBuilder(c.async())
                        .expirationAfterWrite(ExpirationAfterWriteStrategy
                                .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
                        .requestTimeout(config.timeout());
                if (clientTime) {
                    builder.clientClock(new TimeMeter() {
                        @Override
                        public long currentTimeNanos() {
                            return clock.nanoTime();
                        }

                        @Override
                        public boolean isWallClockBased() {
                            return true; // Bucket4j accepts only wall clocks; the test clock stands in for one
                        }
                    });
                }
                b = new ProxyBinding(c, builder.build());
                proxies.invalidateAll();
                binding = b;
            }
            return b;
        }

        private BucketProxy proxy(Object key, StatefulRedisConnection<byte[], byte[]> c) {
            ProxyBinding b = binding(c);
            return proxies.get(key, k -> {
                var builder = b.manager.builder();
                if (optimization != null) {
                    builder = builder.withOptimization(optimization);
                }
                return builder.build(key(k), () -> configuration);
            });
        }

        @Override
        ConsumptionProbe remoteConsume(Object key) {
            StatefulRedisConnection<byte[], byte[]> c = usableConnection();
            if (c == null) {
                return null;
            }
            try {
                ConsumptionProbe p = proxy(key, c).tryConsumeAndReturnRemaining(1);
                guard.success();
                ok.increment();
                return p;
            } catch (RuntimeException e) {
                failed(e);
                return null;
            }
        }

        @Override
        boolean remoteRefund(Object key) {
            StatefulRedisConnection<byte[], byte[]> c = usableConnection();
            if (c == null) {
                return false;
            }
            try {
                proxy(key, c).addTokens(1);
                guard.success();
                ok.increment();
                return true;
            } catch (RuntimeException e) {
                failed(e);
                return false;
            }
        }

        private void failed(RuntimeException e) {
            boolean timeout = e.getClass().getSimpleName().contains("Timeout")
                    || e.getCause() instanceof TimeoutException;
            guard.failure(timeout ? "timeout after " + config.timeout().toMillis() + " ms"
                    : e.getClass().getSimpleName());
            (timeout ? timeouts : errors).increment();
        }
    }

    /** A Bucket4j proxy manager and the connection it sends through. */
    private record ProxyBinding(StatefulRedisConnection<byte[], byte[]> connection,
                                LettuceBasedProxyManager<byte[]> manager) {
    }
}
