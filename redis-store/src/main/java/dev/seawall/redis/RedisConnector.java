package dev.seawall.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The one place the Redis store turns its {@code uri} into Redis connections, for the three topologies it serves:
 * <ul>
 *   <li><b>standalone</b>: {@code redis://[[user:]password@]host[:port][/db][?options]}, {@code rediss://} for
 *       TLS;</li>
 *   <li><b>sentinel</b>: Lettuce's own form,
 *       {@code redis-sentinel://[[user:]password@]host:port[,host:port...][/db][?options]#master-name}
 *       ({@code rediss-sentinel://} for TLS): the sentinels are asked for the master on every (re)connect, so that
 *       after a failover the next connection reaches the promoted replica; the credentials are the data nodes';</li>
 *   <li><b>cluster</b>: {@code redis-cluster://[[user:]password@]host:port[,host:port...][?options]}
 *       ({@code rediss-cluster://} for TLS): seed nodes of a Redis Cluster, each with the same credentials and
 *       options; database 0 only. Lettuce routes each command by its key's slot, follows {@code MOVED} and
 *       {@code ASK}, and refreshes the topology when a redirect or a reconnect says it changed (adaptive triggers)
 *       and every {@value #PERIODIC_REFRESH_SECONDS} seconds.</li>
 * </ul>
 * Every connection it makes has the store's failure behaviour: commands are rejected at once while disconnected
 * ({@code REJECT_COMMANDS}), at most {@value #MAX_QUEUED_COMMANDS} are queued, each times out after the store's
 * {@code timeout}, and reconnects are retried in the background at most one second apart.
 *
 * <p>{@link #parse} never quotes the URI in its messages: it may hold a password.
 *
 * <p>Thread-safe: Lettuce's clients and connections are; {@link #close()} shuts the client and its threads down.
 */
final class RedisConnector implements AutoCloseable {

    /** Commands a connection queues while busy; more are refused at once rather than piling up. */
    static final int MAX_QUEUED_COMMANDS = 10_000;
    /** Seconds between two cluster topology reads when nothing triggered one sooner. */
    static final int PERIODIC_REFRESH_SECONDS = 10;
    /** The longest URI accepted. */
    static final int MAX_URI_CHARS = 2000;

    /** The Redis deployments the store can use, named by the URI's scheme. */
    enum Topology {
        STANDALONE, SENTINEL, CLUSTER;

        String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A parsed {@code uri}.
     *
     * @param topology the deployment
     * @param nodes    standalone and sentinel: one Lettuce URI (a sentinel one lists the sentinels); cluster: the seeds
     */
    record Target(Topology topology, List<RedisURI> nodes) {
    }

    private final Target target;
    private final ClientResources resources;
    private final AbstractRedisClient client;

    /**
     * @param uri     the store's {@code uri}
     * @param timeout the store's {@code timeout}: the most a command waits
     * @throws IllegalArgumentException for a URI {@link #parse} refuses (its message never quotes the URI)
     */
    RedisConnector(String uri, Duration timeout) {
        this.target = parse(uri);
        // reconnects start at once, then back off to at most a second apart: after a failover the store finds the
        // new master within a second of it being there, and a dead Redis costs one connect attempt per second
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        SocketOptions socket = SocketOptions.builder()
                .connectTimeout(Duration.ofMillis(Math.max(500, timeout.toMillis())))
                .build();
        if (target.topology() == Topology.CLUSTER) {
            RedisClusterClient c = RedisClusterClient.create(resources, target.nodes());
            c.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .requestQueueSize(MAX_QUEUED_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    .maxRedirects(5)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(PERIODIC_REFRESH_SECONDS))
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .build())
                    .build());
            this.client = c;
        } else {
            RedisClient c = RedisClient.create(resources);
            c.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .requestQueueSize(MAX_QUEUED_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    .build());
            this.client = c;
        }
    }

    /** @return the deployment the URI names */
    Topology topology() {
        return target.topology();
    }

    /**
     * Connects for commands, waiting for the connection.
     *
     * @return a {@link StatefulRedisConnection} (standalone, sentinel: to the current master) or a
     *         {@link StatefulRedisClusterConnection} (cluster); either way {@link #async} gives its commands
     * @throws RuntimeException when Redis cannot be reached (Lettuce's exception; its message may name hosts)
     */
    StatefulConnection<byte[], byte[]> commands() {
        if (client instanceof RedisClusterClient c) {
            return c.connect(ByteArrayCodec.INSTANCE);
        }
        return ((RedisClient) client).connect(ByteArrayCodec.INSTANCE, target.nodes().get(0));
    }

    /** {@link #commands()} without waiting: completes with the connection, or exceptionally. */
    CompletionStage<StatefulConnection<byte[], byte[]>> commandsAsync() {
        if (client instanceof RedisClusterClient c) {
            return c.connectAsync(ByteArrayCodec.INSTANCE).thenApply(x -> x);
        }
        return ((RedisClient) client).connectAsync(ByteArrayCodec.INSTANCE, target.nodes().get(0)).thenApply(x -> x);
    }

    /**
     * Connects for publish/subscribe with the same topology, credentials and options. On a cluster the connection is a
     * {@code StatefulRedisClusterPubSubConnection}: {@code PUBLISH} reaches the subscribers of every node. Through
     * sentinels it is a connection to the current master, re-resolved on reconnect (subscriptions are renewed by
     * Lettuce).
     *
     * @throws RuntimeException when Redis cannot be reached (Lettuce's exception; its message may name hosts)
     */
    <K, V> StatefulRedisPubSubConnection<K, V> pubSub(RedisCodec<K, V> codec) {
        if (client instanceof RedisClusterClient c) {
            return c.connectPubSub(codec);
        }
        return ((RedisClient) client).connectPubSub(codec, target.nodes().get(0));
    }

    /** {@link #pubSub} without waiting: completes with the connection, or exceptionally. */
    <K, V> CompletionStage<StatefulRedisPubSubConnection<K, V>> pubSubAsync(RedisCodec<K, V> codec) {
        if (client instanceof RedisClusterClient c) {
            return c.connectPubSubAsync(codec).thenApply(x -> x);
        }
        CompletableFuture<StatefulRedisPubSubConnection<K, V>> f = ((RedisClient) client)
                .connectPubSubAsync(codec, target.nodes().get(0)).toCompletableFuture();
        return f;
    }

    /**
     * @return the asynchronous commands of a connection made by {@link #commands()}: the commands both a standalone
     *         and a cluster connection have (a cluster one routes each keyed command by its slot)
     */
    static RedisClusterAsyncCommands<byte[], byte[]> async(StatefulConnection<byte[], byte[]> c) {
        if (c instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
            return cluster.async();
        }
        return ((StatefulRedisConnection<byte[], byte[]>) c).async();
    }

    /** Closes every connection of the client and stops its threads. Idempotent. */
    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /**
     * Parses and checks a store URI without connecting.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the URI (it may hold a password)
     */
    static Target parse(String uri) {
        // printable ASCII only: the redacted URI reaches logs and status pages, where control or bidirectional
        // characters could forge text; anything else in a password is percent-encoded
        if (uri == null || uri.isEmpty() || uri.length() > MAX_URI_CHARS || uri.chars().anyMatch(c -> c <= ' '
                || c >= 0x7f)) {
            throw new IllegalArgumentException("is not a Redis URI (at most " + MAX_URI_CHARS
                    + " printable ASCII characters, no spaces; percent-encode others)");
        }
        int colon = uri.indexOf("://");
        String scheme = colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "redis", "rediss" -> new Target(Topology.STANDALONE, List.of(lettuce(uri, false)));
            case "redis-sentinel", "rediss-sentinel" -> sentinel(uri);
            case "redis-cluster", "rediss-cluster" -> cluster(scheme.startsWith("rediss") ? "rediss" : "redis",
                    uri.substring(colon + 3));
            default -> throw new IllegalArgumentException("is not a redis://, rediss://, redis-sentinel://,"
                    + " rediss-sentinel://, redis-cluster:// or rediss-cluster:// URI");
        };
    }

    private static Target sentinel(String uri) {
        int hash = uri.lastIndexOf('#');
        if (hash < 0 || hash == uri.length() - 1) {
            throw new IllegalArgumentException("a sentinel URI ends with #master-name (the name the sentinels monitor)");
        }
        RedisURI u = lettuce(uri, true);
        if (u.getSentinels().isEmpty() || u.getSentinelMasterId() == null) {
            throw new IllegalArgumentException("a sentinel URI names at least one sentinel and #master-name");
        }
        return new Target(Topology.SENTINEL, List.of(u));
    }

    /**
     * A cluster URI is turned into one standalone URI per seed, each with the user-info, path and options given, so
     * that Lettuce parses and decodes them as it does any URI.
     */
    private static Target cluster(String scheme, String rest) {
        if (rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("a cluster URI has no #fragment (a master name is for sentinel URIs)");
        }
        int at = rest.lastIndexOf('@');
        String userInfo = at < 0 ? "" : rest.substring(0, at + 1);
        String hostsAndTail = rest.substring(at + 1);
        int tailAt = indexOfAny(hostsAndTail, "/?");
        String hosts = tailAt < 0 ? hostsAndTail : hostsAndTail.substring(0, tailAt);
        String tail = tailAt < 0 ? "" : hostsAndTail.substring(tailAt);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a cluster URI names at least one host:port");
        }
        List<RedisURI> seeds = new ArrayList<>();
        for (String host : hosts.split(",", -1)) {
            if (host.isEmpty()) {
                throw new IllegalArgumentException("a cluster URI has an empty host between commas");
            }
            RedisURI u = lettuce(scheme + "://" + userInfo + host + tail, false);
            if (u.getDatabase() != 0) {
                throw new IllegalArgumentException("a Redis Cluster has database 0 only");
            }
            seeds.add(u);
        }
        if (seeds.size() > 64) {
            throw new IllegalArgumentException("a cluster URI names at most 64 seed nodes");
        }
        return new Target(Topology.CLUSTER, List.copyOf(seeds));
    }

    private static RedisURI lettuce(String uri, boolean sentinel) {
        RedisURI u;
        try {
            u = RedisURI.create(uri);
        } catch (RuntimeException e) {
            // Lettuce's message may quote the URI, password included: only its verdict is passed on
            throw new IllegalArgumentException("is not a usable Redis URI (Lettuce cannot parse it)");
        }
        if (!sentinel && (u.getHost() == null || u.getHost().isEmpty())) {
            throw new IllegalArgumentException("is not a usable Redis URI (no host)");
        }
        if (u.getPort() < 1 || u.getPort() > 65_535) {
            throw new IllegalArgumentException("is not a usable Redis URI (port outside 1-65535)");
        }
        return u;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
