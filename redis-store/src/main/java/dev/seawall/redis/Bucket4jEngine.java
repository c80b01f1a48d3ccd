package dev.seawall.redis;

import dev.seawall.core.ratelimit.BucketSpec;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.time.NanoClock;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@code engine: bucket4j}: Bucket4j's Lettuce proxy manager (compare-and-swap: a GET, then a conditional write, so
 * two round trips at least and more under contention), with its {@code batching} or {@code delaying} optimisation
 * when configured. The proxies are kept per key (bounded like local buckets) because the optimisations keep their
 * state in them.
 *
 * <p>Thread-safe: the proxy cache is a Caffeine cache, and a proxy manager is rebuilt (its proxies dropped) when
 * the store's connection changes.
 */
final class Bucket4jEngine implements RedisEngine {

    private final RedisCalls calls;
    private final String optimization;

    /** @param optimization {@code batching}, {@code delaying}, or null / {@code none} */
    Bucket4jEngine(RedisCalls calls, String optimization) {
        this.calls = calls;
        this.optimization = optimization == null ? "none" : optimization;
    }

    /** Bucket4j sends no script; one PING pays the client's one-off costs before the first decision. */
    @Override
    public void warmUp(StatefulConnection<byte[], byte[]> c) {
        try {
            RedisConnector.async(c).ping().get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // best effort: the first decision pays these costs instead
        }
    }

    @Override
    public RemoteBuckets buckets(BucketSpec spec, Function<Object, byte[]> keys) {
        return new Bucket4jBuckets(spec, keys);
    }

    /** The buckets of one (limit, plan), one Bucket4j proxy per key. Thread-safe. */
    private final class Bucket4jBuckets implements RemoteBuckets {
        private final Function<Object, byte[]> keys;
        private final BucketConfiguration configuration;
        private final Cache<Object, BucketProxy> proxies;
        private final Optimization optimisation;
        private volatile ProxyBinding binding;

        Bucket4jBuckets(BucketSpec spec, Function<Object, byte[]> keys) {
            this.keys = keys;
            List<Bandwidth> bandwidths = new ArrayList<>();
            Duration longest = Duration.ZERO;
            long smallest = Long.MAX_VALUE;
            for (Rate r : spec.rates()) {
                bandwidths.add(Bandwidth.builder().capacity(r.tokens()).refillGreedy(r.tokens(), r.period()).build());
                longest = r.period().compareTo(longest) > 0 ? r.period() : longest;
                smallest = Math.min(smallest, r.tokens());
            }
            this.configuration = new BucketConfiguration(bandwidths);
            this.optimisation = switch (optimization) {
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
        private ProxyBinding binding(StatefulConnection<byte[], byte[]> c) {
            ProxyBinding b = binding;
            if (b == null || b.connection != c) {
                // Bucket4j keeps one key per bucket, so on a cluster every call goes to its key's slot
                var builder = (c instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster
                        ? Bucket4jLettuce.casBasedBuilder(cluster.async())
                        : Bucket4jLettuce.casBasedBuilder(((StatefulRedisConnection<byte[], byte[]>) c).async()))
                        .expirationAfterWrite(ExpirationAfterWriteStrategy
                                .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
                        .requestTimeout(calls.timeout());
                NanoClock clock = calls.clientClock();
                if (clock != null) {
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

        private BucketProxy proxy(Object key, StatefulConnection<byte[], byte[]> c) {
            ProxyBinding b = binding(c);
            return proxies.get(key, k -> {
                var builder = b.manager.builder();
                if (optimisation != null) {
                    builder = builder.withOptimization(optimisation);
                }
                return builder.build(keys.apply(k), () -> configuration);
            });
        }

        @Override
        public ConsumptionProbe consume(Object key, long tokens) {
            StatefulConnection<byte[], byte[]> c = calls.connection();
            if (c == null) {
                return null;
            }
            try {
                ConsumptionProbe p = proxy(key, c).tryConsumeAndReturnRemaining(tokens);
                calls.succeeded();
                return p;
            } catch (RuntimeException e) {
                failed(e);
                return null;
            }
        }

        @Override
        public boolean refund(Object key, long tokens) {
            StatefulConnection<byte[], byte[]> c = calls.connection();
            if (c == null) {
                return false;
            }
            try {
                proxy(key, c).addTokens(tokens);
                calls.succeeded();
                return true;
            } catch (RuntimeException e) {
                failed(e);
                return false;
            }
        }

        private void failed(RuntimeException e) {
            if (e.getClass().getSimpleName().contains("Timeout") || e.getCause() instanceof TimeoutException) {
                calls.timedOut();
            } else {
                calls.failed(e.getClass().getSimpleName());
            }
        }
    }

    /** A Bucket4j proxy manager and the connection it sends through. */
    private record ProxyBinding(StatefulConnection<byte[], byte[]> connection,
                                LettuceBasedProxyManager<byte[]> manager) {
    }
}
