package dev.seawall.core.config;

import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A policy's {@code fallback}. Immutable, thread-safe; built and validated by {@link #builder()}.
 *
 * @param status       the static response's status, or null when the policy has no static response
 * @param contentType  the static response's media type
 * @param body         the static response's body ({@code body} or the contents of {@code body-file}), or null
 * @param headers      extra headers of the static response
 * @param handler      the class name of an application {@code FallbackHandler}, or null
 * @param staleCache   how old a last-good copy may be to be served, or null for no copies
 * @param cacheEntries bound on the copies held
 * @param cacheBytes   bound on the bytes held by copies
 * @param on           the failures answered
 * @param cacheNoStore whether copies of responses marked {@code no-store} or {@code private} are kept too, each for
 *                     its own caller only ({@code cache-no-store}; only with a stale cache)
 */
public record FallbackConfig(Integer status, String contentType, String body, Map<String, String> headers,
                             String handler, Duration staleCache, int cacheEntries, long cacheBytes,
                             Set<FallbackTrigger> on, boolean cacheNoStore) {

    /** Default bound on the copies a policy keeps. */
    public static final int DEFAULT_CACHE_ENTRIES = 10_000;
    /** Default bound on the bytes a policy's copies hold (16 MiB). */
    public static final long DEFAULT_CACHE_BYTES = 16L * 1024 * 1024;
    /** {@code content-type} of the static response. */
    public static final String DEFAULT_CONTENT_TYPE = "application/json";
    /** {@code status} when only a body is given. */
    public static final int DEFAULT_STATUS = 200;
    /** {@code cache-no-store}: responses marked {@code no-store} or {@code private} are not kept. */
    public static final boolean DEFAULT_CACHE_NO_STORE = false;
    /** {@code on}: the failures answered. */
    public static final Set<FallbackTrigger> DEFAULT_ON = Set.copyOf(EnumSet.of(FallbackTrigger.CIRCUIT_OPEN,
            FallbackTrigger.TIMEOUT, FallbackTrigger.ERROR));
    public static final int MAX_CACHE_ENTRIES = 10_000_000;
    public static final long MAX_CACHE_BYTES = 8L * 1024 * 1024 * 1024;
    public static final long MIN_CACHE_BYTES = 1024;
    /** Longest static body, in characters. */
    public static final int MAX_STATIC_BODY = 65_536;

    private static final Pattern CONTENT_TYPE = Pattern.compile(
            "[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\\s*;\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(\"[^\"\\p{Cntrl}]*\"|[!#$%&'*+.^_`|~0-9A-Za-z-]+))*");
    private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");

    public FallbackConfig {
        headers = Map.copyOf(headers);
        on = Set.copyOf(on);
    }

    /** @return true when a static response is configured ({@code status}, {@code body} or {@code body-file}) */
    public boolean hasStatic() {
        return status != null;
    }

    /** @return a builder holding the defaults; at least one of body, status, handler or stale-cache must be set */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks
     * the rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private Integer status;
        private String contentType;
        private String body;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String handler;
        private Duration staleCache;
        private Integer cacheEntries;
        private Long cacheBytes;
        private Set<FallbackTrigger> on = DEFAULT_ON;
        private Boolean cacheNoStore;

        private Builder() {
        }

        public Builder status(int status) {
            this.status = Check.range("status", status, 200, 599);
            return this;
        }

        public Builder contentType(String contentType) {
            String t = contentType == null ? "" : contentType.trim();
            if (!CONTENT_TYPE.matcher(t).matches()) {
                throw new InvalidSettingException("content-type", ConfigValues.quote(t)
                        + " is not a media type (like application/json)");
            }
            this.contentType = t;
            return this;
        }

        /** {@code body} (or the contents of {@code body-file}): at most {@value #MAX_STATIC_BODY} characters. */
        public Builder body(String body) {
            Objects.requireNonNull(body, "body");
            if (body.length() > MAX_STATIC_BODY) {
                throw new InvalidSettingException("body", "is longer than " + MAX_STATIC_BODY + " characters");
            }
            this.body = body;
            return this;
        }

        /** One of {@code headers}: an extra header of the static response. */
        public Builder header(String name, String value) {
            String n = name == null ? "" : name.trim();
            if (!Check.TOKEN.matcher(n).matches()) {
                throw new InvalidSettingException("headers", ConfigValues.quote(n) + " is not a valid header name");
            }
            if (value == null || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)
                    || value.length() > 4096) {
                throw new InvalidSettingException("headers." + n, "is not a valid header value (control characters,"
                        + " or longer than 4096)");
            }
            if (n.equalsIgnoreCase("Content-Type") || n.equalsIgnoreCase("Content-Length")) {
                throw new InvalidSettingException("headers." + n, "is set by Seawall (use content-type)",
                        "headers");
            }
            headers.put(n, value);
            return this;
        }

        /** {@code handler}: the class name of an application {@code FallbackHandler}. */
        public Builder handler(String className) {
            String h = className == null ? "" : className.trim();
            if (!CLASS_NAME.matcher(h).matches()) {
                throw new InvalidSettingException("handler", ConfigValues.quote(h)
                        + " is not a class name (like com.example.PaymentsFallback)");
            }
            this.handler = h;
            return this;
        }

        public Builder staleCache(Duration maxAge) {
            this.staleCache = Check.duration("stale-cache", maxAge);
            return this;
        }

        public Builder cacheEntries(int entries) {
            this.cacheEntries = Check.range("cache-entries", entries, 1, MAX_CACHE_ENTRIES);
            return this;
        }

        /** {@code cache-size} in bytes: 1KB to 8GB. */
        public Builder cacheBytes(long bytes) {
            if (bytes > MAX_CACHE_BYTES) {
                throw new InvalidSettingException("cache-size", bytes + " is too large (at most "
                        + (MAX_CACHE_BYTES >> 20) + "MB)");
            }
            if (bytes < MIN_CACHE_BYTES) {
                throw new InvalidSettingException("cache-size", "must be at least 1KB");
            }
            this.cacheBytes = bytes;
            return this;
        }

        public Builder on(Set<FallbackTrigger> on) {
            if (on == null || on.isEmpty()) {
                throw new InvalidSettingException("on", "must list at least one failure");
            }
            this.on = Set.copyOf(on);
            return this;
        }

        /**
         * {@code cache-no-store}: also keep copies of responses marked {@code no-store} or {@code private}, each only
         * for its own caller (never shared, even when also marked {@code public}). Only with {@code stale-cache}.
         */
        public Builder cacheNoStore(boolean keep) {
            this.cacheNoStore = keep;
            return this;
        }

        public FallbackConfig build() {
            if (staleCache == null) {
                if (cacheNoStore != null) {
                    throw new InvalidSettingException("cache-no-store", "applies only with stale-cache");
                }
                if (cacheEntries != null) {
                    throw new InvalidSettingException("cache-entries", "applies only with stale-cache");
                }
                if (cacheBytes != null) {
                    throw new InvalidSettingException("cache-size", "applies only with stale-cache");
                }
            }
            Integer s = status == null && body != null ? Integer.valueOf(DEFAULT_STATUS) : status;
            if (s == null && handler == null && staleCache == null) {
                throw new InvalidSettingException("", "has nothing to answer with (add body, status, handler or"
                        + " stale-cache)", "");
            }
            if (s == null && contentType != null) {
                throw new InvalidSettingException("content-type", "applies only with body or status");
            }
            return new FallbackConfig(s, contentType == null ? DEFAULT_CONTENT_TYPE : contentType, body, headers,
                    handler, staleCache, cacheEntries == null ? DEFAULT_CACHE_ENTRIES : cacheEntries,
                    cacheBytes == null ? DEFAULT_CACHE_BYTES : cacheBytes, on,
                    cacheNoStore == null ? DEFAULT_CACHE_NO_STORE : cacheNoStore);
        }
    }
}
