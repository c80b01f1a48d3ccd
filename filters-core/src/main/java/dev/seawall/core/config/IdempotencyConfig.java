package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A policy's {@code idempotency}: requests carrying an {@code Idempotency-Key} run once per caller and key; a repeat
 * gets the first answer back. Immutable and thread-safe; built and validated by {@link #builder()}, the one place its
 * rules live (the YAML file, the servlet filter's init-params and {@code @Idempotent} forward to it).
 *
 * @param header      the request header carrying the key, a Structured Field String
 * @param methods     the methods protected (upper case)
 * @param required    whether a protected method without the key is refused with 400
 * @param expire      how long an outcome is kept and replayed
 * @param scope       whose keys these are: a key of one caller never meets another caller's; null for the most
 *                    specific identity the policy's rate limits name (user, then api-key, then tenant, else ip)
 * @param maxBody     the largest request body fingerprinted; a longer one is refused with 413
 * @param maxResponse the largest answer kept; a longer one is sent, and its key keeps a marker saying it ran
 * @param lease       how long a first run holds its key; a repeat meanwhile gets 409. A node that dies mid-request
 *                    frees its keys when their leases end
 * @param keep        the statuses whose answers are kept; other answers free the key so that a retry runs again
 * @param onFailure   what a request does while the shared store cannot be reached; null for the store's own mode
 * @param maxBytes    the most the in-process store of this policy holds (answers and their keys)
 */
public record IdempotencyConfig(String header, Set<String> methods, boolean required, Duration expire, KeyKind scope,
                                int maxBody, int maxResponse, Duration lease, List<StatusRange> keep,
                                OnFailure onFailure, long maxBytes) {

    /** {@code header}. */
    public static final String DEFAULT_HEADER = "Idempotency-Key";
    /** {@code methods}. */
    public static final Set<String> DEFAULT_METHODS = Set.of("POST", "PATCH");
    /** {@code expire}: 24h (1s-30d). */
    public static final Duration DEFAULT_EXPIRE = Duration.ofHours(24);
    /** Longest {@code expire}. */
    public static final Duration MAX_EXPIRE = Duration.ofDays(30);
    /** {@code max-body}: 1MB (1B-64MB). */
    public static final int DEFAULT_MAX_BODY = 1024 * 1024;
    /** {@code max-response}: 1MB (0-64MB). */
    public static final int DEFAULT_MAX_RESPONSE = 1024 * 1024;
    /** Largest {@code max-body} and {@code max-response}. */
    public static final int MAX_BYTES_PER_REQUEST = 64 * 1024 * 1024;
    /** {@code lease}: 60s (1s-1d). */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
    /** {@code keep}: 2xx and 4xx. */
    public static final List<StatusRange> DEFAULT_KEEP = List.of(new StatusRange(200, 299), new StatusRange(400, 499));
    /** {@code max-bytes}: 64MB (1MB-16GB). */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Largest {@code max-bytes}. */
    public static final long MAX_MAX_BYTES = 16L * 1024 * 1024 * 1024;

    public IdempotencyConfig {
        methods = Set.copyOf(methods);
        keep = List.copyOf(keep);
    }

    /** @return a builder holding every default */
    public static Builder builder() {
        return new Builder();
    }

    /** @return whether requests of this method are protected */
    public boolean covers(String method) {
        return methods.contains(method);
    }

    /**
     * @return whether an answer of this status is kept. 408, 409, 425, 429 and 503 never are, whatever {@code keep}
     *         says: they ask the client to try again, and a kept copy would answer every such retry with the refusal
     */
    public boolean keeps(int status) {
        if (status == 408 || status == 409 || status == 425 || status == 429 || status == 503) {
            return false;
        }
        for (StatusRange r : keep) {
            if (r.contains(status)) {
                return true;
            }
        }
        return false;
    }

    /** {@code on-failure}: what a protected request does while the shared store cannot be reached. */
    public enum OnFailure {
        /** This node's own store holds the keys until the shared store is back: each node runs a key at most once. */
        LOCAL,
        /** The request runs without protection (counted, logged once per outage). */
        ALLOW,
        /** The request is refused with 503 and {@code Retry-After}. */
        DENY;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @return the mode named, or null */
        public static OnFailure fromConfigName(String s) {
            for (OnFailure f : values()) {
                if (f.configName().equals(s)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** Validating builder; setters throw {@link InvalidSettingException} naming the key. Not thread-safe. */
    public static final class Builder {
        private String header = DEFAULT_HEADER;
        private Set<String> methods;
        private boolean required;
        private Duration expire = DEFAULT_EXPIRE;
        private KeyKind scope;
        private int maxBody = DEFAULT_MAX_BODY;
        private int maxResponse = DEFAULT_MAX_RESPONSE;
        private Duration lease = DEFAULT_LEASE;
        private List<StatusRange> keep = DEFAULT_KEEP;
        private OnFailure onFailure;
        private long maxBytes = DEFAULT_MAX_BYTES;

        private Builder() {
        }

        /** {@code header}: a header name. */
        public Builder header(String header) {
            this.header = Check.token("header", header == null ? null : header.trim(), "header name");
            return this;
        }

        /** {@code methods}: replaces the default (POST, PATCH); each an HTTP method, any case. */
        public Builder methods(List<String> methods) {
            if (methods == null || methods.isEmpty()) {
                throw new InvalidSettingException("methods", "must list at least one method (the default is POST,"
                        + " PATCH)");
            }
            Set<String> out = new LinkedHashSet<>();
            for (String m : methods) {
                if (m == null || !Check.TOKEN.matcher(m.trim()).matches()) {
                    throw new InvalidSettingException("methods", ConfigValues.quote(String.valueOf(m))
                            + " is not an HTTP method");
                }
                String up = m.trim().toUpperCase(Locale.ROOT);
                if (up.equals("GET") || up.equals("HEAD") || up.equals("OPTIONS") || up.equals("TRACE")) {
                    throw new InvalidSettingException("methods", up + " is safe by definition and needs no"
                            + " idempotency key (list the methods that change state, such as POST and PATCH)");
                }
                out.add(up);
            }
            this.methods = out;
            return this;
        }

        public Builder required(boolean required) {
            this.required = required;
            return this;
        }

        /** {@code expire}: 1s-30d. */
        public Builder expire(Duration expire) {
            Check.duration("expire", expire);
            if (expire.compareTo(Duration.ofSeconds(1)) < 0 || expire.compareTo(MAX_EXPIRE) > 0) {
                throw new InvalidSettingException("expire", ConfigValues.quote(ConfigValues.formatDuration(expire))
                        + " is outside 1s-30d");
            }
            this.expire = expire;
            return this;
        }

        /** {@code scope}: ip, user, api-key or tenant; null for the policy's most specific identity. */
        public Builder scope(KeyKind scope) {
            this.scope = scope;
            return this;
        }

        /** {@code max-body}: 1B-64MB. */
        public Builder maxBody(long bytes) {
            this.maxBody = Check.range("max-body", bytes, 1, MAX_BYTES_PER_REQUEST);
            return this;
        }

        /** {@code max-response}: 0-64MB; 0 keeps no answer body, only the marker that the key ran. */
        public Builder maxResponse(long bytes) {
            this.maxResponse = Check.range("max-response", bytes, 0, MAX_BYTES_PER_REQUEST);
            return this;
        }

        /** {@code lease}: 1s-1d. */
        public Builder lease(Duration lease) {
            Check.duration("lease", lease);
            if (lease.compareTo(Duration.ofSeconds(1)) < 0 || lease.compareTo(Duration.ofDays(1)) > 0) {
                throw new InvalidSettingException("lease", ConfigValues.quote(ConfigValues.formatDuration(lease))
                        + " is outside 1s-1d");
            }
            this.lease = lease;
            return this;
        }

        /** {@code keep}: statuses or ranges (100-599) whose answers are kept; at least one. */
        public Builder keep(List<StatusRange> keep) {
            if (keep == null || keep.isEmpty()) {
                throw new InvalidSettingException("keep", "must list at least one status or range (the default is"
                        + " 2xx, 4xx)");
            }
            for (StatusRange r : keep) {
                if (r.to() < 200) {
                    throw new InvalidSettingException("keep", r + " is an interim status, never an answer");
                }
            }
            this.keep = new ArrayList<>(keep);
            return this;
        }

        /** {@code on-failure}: local, allow or deny; null for the store's own mode. */
        public Builder onFailure(OnFailure onFailure) {
            this.onFailure = onFailure;
            return this;
        }

        /** {@code max-bytes}: 1MB-16GB. */
        public Builder maxBytes(long bytes) {
            this.maxBytes = Check.rangeLong("max-bytes", bytes, 1024L * 1024, MAX_MAX_BYTES);
            return this;
        }

        public IdempotencyConfig build() {
            if (maxResponse > maxBytes) {
                throw new InvalidSettingException("max-response", maxResponse + " bytes is more than max-bytes ("
                        + maxBytes + "): an answer that large could never stay in the JVM's store");
            }
            if (lease.compareTo(expire) > 0) {
                throw new InvalidSettingException("lease", ConfigValues.formatDuration(lease) + " is longer than"
                        + " expire (" + ConfigValues.formatDuration(expire) + "): an outcome would vanish before"
                        + " its key is freed");
            }
            return new IdempotencyConfig(header, methods == null ? DEFAULT_METHODS : methods, required, expire, scope,
                    maxBody, maxResponse, lease, keep, onFailure, maxBytes);
        }
    }
}
