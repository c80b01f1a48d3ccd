package dev.seawall.redis;

import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The settings of {@code store: {type: redis, ...}}: the Redis store owns its keys, their defaults and their rules,
 * here; the core only forwards the block's keys ({@link RedisStoreProvider}). Immutable and thread-safe; built and
 * validated by {@link #builder()}, which names the key of every refusal.
 *
 * @param uri          the server, e.g. {@code redis://host:6379} or {@code rediss://:password@host:6380/0}; through
 *                     sentinels {@code redis-sentinel://s1:26379,s2:26379#mymaster}; a cluster
 *                     {@code redis-cluster://n1:6379,n2:6379} (the forms {@link RedisConnector} documents)
 * @param keyPrefix    prepended to every remote key
 * @param timeout      the most a decision waits for the store before {@code on-failure} applies
 * @param onFailure    what a decision does while the store is unreachable
 * @param nodes        expected node count: with {@code on-failure: local} each node allows limit / nodes
 * @param keySalt      the per-deployment secret keying the hash of identities in remote keys (never logged)
 * @param backoff      how long the store stops trying its backend after {@code failures} failures in a row
 * @param failures     consecutive failures that open the store's own breaker
 * @param engine       {@code script} (default: one atomic Lua call per decision) or {@code bucket4j} (Bucket4j's
 *                     compare-and-swap Lettuce integration)
 * @param optimization for {@code engine: bucket4j}: {@code none}, {@code batching} or {@code delaying}
 */
public record RedisStoreSettings(String uri, String keyPrefix, Duration timeout, OnFailure onFailure, int nodes,
                                 String keySalt, Duration backoff, int failures, String engine, String optimization) {

    /** The keys of the block besides {@code type}. */
    public static final Set<String> KEYS = Set.of("uri", "key-prefix", "timeout", "on-failure", "nodes", "key-salt",
            "key-salt-env", "backoff", "failures", "engine", "optimization");
    /** {@code key-prefix}: prepended to every remote key. */
    public static final String DEFAULT_KEY_PREFIX = "seawall:";
    /** {@code timeout}: the most a decision waits for the store (1ms-10s). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);
    /** {@code on-failure}. */
    public static final OnFailure DEFAULT_ON_FAILURE = OnFailure.LOCAL;
    /** {@code nodes}: expected node count (1-10000). */
    public static final int DEFAULT_NODES = 1;
    /** {@code backoff}: pause after {@code failures} failures in a row (10ms-10m). */
    public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(2);
    /** {@code failures}: consecutive failures that open the store's own breaker (1-1000). */
    public static final int DEFAULT_FAILURES = 3;
    /** {@code engine}: {@code script} or {@code bucket4j}. */
    public static final String DEFAULT_ENGINE = "script";
    /** {@code optimization} (engine bucket4j only): {@code none}, {@code batching} or {@code delaying}. */
    public static final String DEFAULT_OPTIMIZATION = "none";
    /** A salt shorter than this is guessable enough to let someone map remote keys back to identities. */
    public static final int MIN_SALT_CHARS = 16;

    private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9:_.{}-]{0,64}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    public RedisStoreSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(onFailure, "onFailure");
        Objects.requireNonNull(keySalt, "keySalt");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(optimization, "optimization");
    }

    /** @return a builder holding every default; {@code uri} and a salt must be given */
    public static Builder builder() {
        return new Builder(System::getenv);
    }

    /** Like {@link #builder()}, reading {@code key-salt-env} through {@code env} (tests). */
    static Builder builder(UnaryOperator<String> env) {
        return new Builder(env);
    }

    /** The salt is a secret: it must not reach logs or error pages through a {@code toString}. */
    @Override
    public String toString() {
        return "RedisStoreSettings[uri=" + redactedUri() + ", keyPrefix=" + keyPrefix + ", timeout="
                + ConfigValues.formatDuration(timeout) + ", onFailure=" + onFailure.configName() + ", nodes=" + nodes
                + ", backoff=" + ConfigValues.formatDuration(backoff) + ", failures=" + failures + ", engine="
                + engine + ", optimization=" + optimization + "]";
    }

    /**
     * @return the URI without its user-info part (passwords) and without its {@code ?options} (shown as
     *         {@code ?...}), for logs, status pages and messages
     */
    public String redactedUri() {
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        String u = scheme < 0 || at < scheme ? uri : uri.substring(0, scheme + 3) + uri.substring(at + 1);
        int query = u.indexOf('?');
        if (query < 0) {
            return u;
        }
        int fragment = u.indexOf('#', query);
        return u.substring(0, query) + "?..." + (fragment < 0 ? "" : u.substring(fragment));
    }

    /** {@code on-failure}: what a decision does while the shared store cannot be reached. */
    public enum OnFailure {
        /** Per-node buckets holding limit / {@code nodes} (default). */
        LOCAL,
        /** Admit every request. */
        ALLOW,
        /** Reject every request with 429 until the store is back. */
        DENY;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static OnFailure fromConfigName(String s) {
            for (OnFailure f : values()) {
                if (f.configName().equals(s)) {
                    return f;
                }
            }
            return null;
        }
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks
     * the rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private final UnaryOperator<String> env;
        /** the keys given, in the order given */
        private final Set<String> given = new LinkedHashSet<>();
        private String uri;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration timeout = DEFAULT_TIMEOUT;
        private OnFailure onFailure = DEFAULT_ON_FAILURE;
        private int nodes = DEFAULT_NODES;
        private String keySalt;
        private String keySaltFromEnv;
        private Duration backoff = DEFAULT_BACKOFF;
        private int failures = DEFAULT_FAILURES;
        private String engine = DEFAULT_ENGINE;
        private String optimization;

        private Builder(UnaryOperator<String> env) {
            this.env = env;
        }

        /**
         * {@code uri}: {@code redis://} or {@code rediss://} (one server), {@code redis-sentinel://} or
         * {@code rediss-sentinel://} (sentinels and {@code #master-name}), {@code redis-cluster://} or
         * {@code rediss-cluster://} (seed nodes); at most 2,000 characters. A refusal never quotes the URI.
         */
        public Builder uri(String uri) {
            given.add("uri");
            String u = uri == null ? "" : uri.trim();
            try {
                RedisConnector.parse(u);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("uri", e.getMessage()); // never quotes the URI: it may hold a password
            }
            this.uri = u;
            return this;
        }

        public Builder keyPrefix(String prefix) {
            given.add("key-prefix");
            if (prefix == null || !KEY_PREFIX.matcher(prefix).matches()) {
                throw new InvalidSettingException("key-prefix", ConfigValues.quote(String.valueOf(prefix))
                        + " must be at most 64 chars of A-Z, a-z, 0-9, ':', '_', '.', '-', '{', '}'");
            }
            this.keyPrefix = prefix;
            return this;
        }

        /** {@code timeout}: 1ms to 10s. */
        public Builder timeout(Duration timeout) {
            given.add("timeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new InvalidSettingException("timeout", "must be between 1ms and 10s");
            }
            this.timeout = timeout;
            return this;
        }

        public Builder onFailure(OnFailure onFailure) {
            given.add("on-failure");
            this.onFailure = Objects.requireNonNull(onFailure, "on-failure");
            return this;
        }

        /** {@code on-failure} as written: {@code local}, {@code allow} or {@code deny}. */
        public Builder onFailure(String onFailure) {
            given.add("on-failure");
            OnFailure f = OnFailure.fromConfigName(onFailure);
            if (f == null) {
                throw new InvalidSettingException("on-failure", ConfigValues.quote(String.valueOf(onFailure))
                        + " is not a choice (expected local, allow or deny)");
            }
            return onFailure(f);
        }

        /** {@code nodes}: 1 to 10000. */
        public Builder nodes(int nodes) {
            given.add("nodes");
            if (nodes < 1 || nodes > 10_000) {
                throw new InvalidSettingException("nodes", nodes + " is outside 1-10000");
            }
            this.nodes = nodes;
            return this;
        }

        /** {@code key-salt}: the secret itself, at least {@value #MIN_SALT_CHARS} characters; never quoted back. */
        public Builder keySalt(String salt) {
            given.add("key-salt");
            if (salt == null || salt.length() < MIN_SALT_CHARS) {
                throw new InvalidSettingException("key-salt", "is shorter than " + MIN_SALT_CHARS + " characters");
            }
            this.keySalt = salt;
            return this;
        }

        /** {@code key-salt-env}: the environment variable holding the salt, read now. */
        public Builder keySaltEnv(String name) {
            given.add("key-salt-env");
            String n = name == null ? "" : name.trim();
            if (!ENV_NAME.matcher(n).matches()) {
                throw new InvalidSettingException("key-salt-env", ConfigValues.quote(n)
                        + " is not an environment variable name");
            }
            String salt = env.apply(n);
            if (salt == null || salt.length() < MIN_SALT_CHARS) {
                throw new InvalidSettingException("key-salt-env", "the environment variable " + n
                        + (salt == null ? " is not set" : " holds fewer than " + MIN_SALT_CHARS + " characters"));
            }
            this.keySaltFromEnv = salt;
            return this;
        }

        /** {@code backoff}: 10ms to 10m. */
        public Builder backoff(Duration backoff) {
            given.add("backoff");
            if (backoff.compareTo(Duration.ofMillis(10)) < 0 || backoff.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new InvalidSettingException("backoff", "must be between 10ms and 10m");
            }
            this.backoff = backoff;
            return this;
        }

        /** {@code failures}: 1 to 1000. */
        public Builder failures(int failures) {
            given.add("failures");
            if (failures < 1 || failures > 1000) {
                throw new InvalidSettingException("failures", failures + " is outside 1-1000");
            }
            this.failures = failures;
            return this;
        }

        public Builder engine(String engine) {
            given.add("engine");
            String e = engine == null ? "" : engine.trim();
            if (!e.equals("script") && !e.equals("bucket4j")) {
                throw new InvalidSettingException("engine", ConfigValues.quote(e)
                        + " is not an engine (expected script or bucket4j)");
            }
            this.engine = e;
            return this;
        }

        public Builder optimization(String optimization) {
            given.add("optimization");
            String o = optimization == null ? "" : optimization.trim();
            if (!o.equals("none") && !o.equals("batching") && !o.equals("delaying")) {
                throw new InvalidSettingException("optimization", ConfigValues.quote(o)
                        + " is not a choice (expected none, batching or delaying)");
            }
            this.optimization = o;
            return this;
        }

        /** Marks a key as given even though its value was not handed over, so that the rules between keys see it. */
        Builder given(String key) {
            given.add(key);
            return this;
        }

        public RedisStoreSettings build() {
            if (!given.contains("uri")) {
                throw new InvalidSettingException("uri", "is required for type: redis (e.g. redis://127.0.0.1:6379)");
            }
            boolean salt = given.contains("key-salt");
            boolean saltEnv = given.contains("key-salt-env");
            if (salt && saltEnv) {
                throw new InvalidSettingException("key-salt", "give key-salt or key-salt-env, not both",
                        "key-salt-env");
            }
            if (!salt && !saltEnv) {
                throw new InvalidSettingException("key-salt", "is required for a shared store (or key-salt-env"
                        + " naming an environment variable): a secret of at least " + MIN_SALT_CHARS
                        + " characters, the same on every node");
            }
            if (given.contains("optimization") && !engine.equals("bucket4j")) {
                throw new InvalidSettingException("optimization", "applies only to engine: bucket4j");
            }
            return new RedisStoreSettings(uri, keyPrefix, timeout, onFailure, nodes, salt ? keySalt : keySaltFromEnv,
                    backoff, failures, engine, optimization == null ? DEFAULT_OPTIMIZATION : optimization);
        }
    }
}
