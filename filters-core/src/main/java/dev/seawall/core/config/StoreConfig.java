package dev.seawall.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The top-level {@code store:} block: where rate-limit buckets live. Immutable and thread-safe.
 *
 * @param line             the block's line, or 0 when absent
 * @param type             {@code local} (default) or a type served by a {@code BucketStoreProvider}, e.g. {@code redis}
 * @param uri              the server, e.g. {@code redis://host:6379} or {@code rediss://:password@host:6380/0}
 * @param keyPrefix        prepended to every remote key
 * @param timeout          the most a decision waits for the store before {@code on-failure} applies
 * @param onFailure        what a decision does while the store is unreachable
 * @param nodes            expected node count: with {@code on-failure: local} each node allows limit / nodes
 * @param keySalt          the per-deployment secret keying the hash of identities in remote keys (never logged)
 * @param backoff          how long the store stops trying its backend after {@code failures} failures in a row
 * @param failures         consecutive failures that open the store's own breaker
 * @param engine           {@code script} (default: one atomic Lua call per decision) or {@code bucket4j} (Bucket4j's
 *                         compare-and-swap Lettuce integration)
 * @param optimization     for {@code engine: bucket4j}: {@code none}, {@code batching} or {@code delaying}
 */
public record StoreConfig(int line, String type, String uri, String keyPrefix, Duration timeout, OnFailure onFailure,
                          int nodes, String keySalt, Duration backoff, int failures, String engine,
                          String optimization) {

    /** No {@code store:} block: buckets in each JVM. */
    public static final StoreConfig LOCAL = new StoreConfig(0, "local", null, null, null, null, 1, null, null, 0, null,
            null);

    public StoreConfig {
        Objects.requireNonNull(type, "type");
    }

    /** @return true for the in-JVM store */
    public boolean local() {
        return "local".equals(type);
    }

    /** The salt is a secret: it must not reach logs or error pages through a {@code toString}. */
    @Override
    public String toString() {
        return "StoreConfig[type=" + type + ", uri=" + redactedUri() + ", keyPrefix=" + keyPrefix + ", timeout="
                + timeout + ", onFailure=" + onFailure + ", nodes=" + nodes + ", backoff=" + backoff + ", failures="
                + failures + ", engine=" + engine + ", optimization=" + optimization + "]";
    }

    /** @return the URI without its user-info part (passwords) */
    public String redactedUri() {
        if (uri == null) {
            return null;
        }
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return uri;
        }
        return uri.substring(0, scheme + 3) + uri.substring(at + 1);
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
            return name().toLowerCase(java.util.Locale.ROOT);
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
}
