package dev.seawall.core.fallback;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import dev.seawall.core.http.Rejection.Header;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.internal.SipHash;
import dev.seawall.core.time.NanoClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Last-good copies of successful GET responses, served when the live call fails.
 *
 * <p><b>Never one caller's data to another.</b> A copy is keyed by the request target (path and query)
 * <em>and</em> the caller's identity: the authenticated principal, the {@code Host}, and the values of the
 * identity headers ({@code Authorization}, {@code Cookie}, the API-key and tenant headers). Only a response
 * marked {@code Cache-Control: public} is shared by every caller. Responses with {@code no-store},
 * {@code private}, {@code Set-Cookie} or {@code Vary: *} are never stored; other {@code Vary} headers must
 * match. The identity is hashed, so no secret header is kept in memory longer than the request.
 *
 * <p><b>{@code cache-no-store}.</b> A cache made with {@code keepNoStore} also keeps responses marked
 * {@code no-store} or {@code private} (as Spring Security marks every response by default), each only for its own
 * caller: such a copy is never shared, even when the response is also marked {@code public}. {@code Set-Cookie} and
 * {@code Vary: *} still keep a response out.
 *
 * <p><b>Two hashes of the identity, for cost.</b> Every successful GET asks whether its caller's copy is due for a
 * refresh, so the map key uses a cheap seeded 64-bit hash computed in one pass over the identity (no string built),
 * taking only the first value of a repeated identity header except {@code Cookie} (one header lookup each). What
 * decides whose copy a caller may be <em>served</em> is a 128-bit keyed SipHash of the whole identity, every value
 * of every identity header (two independent 64-bit SipHash values with random per-process keys), computed only when
 * a copy is stored or looked up for serving, and kept in the copy: a copy whose owner hash differs from the
 * caller's is never served. Callers whose map keys collide (by chance, or by repeating a header with different
 * later values) can therefore only make one caller's copy replace another's (that caller then has no copy, or a
 * refresh is skipped), never hand one caller's data to another. {@code Cookie} is mixed whole because HTTP/2 lets
 * clients send each cookie as a field of its own (RFC 9113, 8.2.3): keyed by the first, every visitor with the same
 * first cookie would share one key.
 *
 * <p>Bounded in entries <em>and</em> bytes (a Caffeine cache weighed so that both bounds hold); copies older
 * than the stale limit are never served and expire on their own. Thread-safe; no lock shared by all requests.
 */
public final class StaleCache {

    /** The one identity header whose every value goes into the map key (compared by identity: the list's own). */
    private static final String COOKIE = "Cookie";
    /** Identity headers every key includes, besides the configured API-key and tenant headers. */
    static final List<String> BASE_IDENTITY_HEADERS = List.of("Authorization", COOKIE, "X-API-Key", "X-Tenant-ID");

    /** Response headers not replayed from a copy: per-exchange, hop-by-hop, or Seawall's own. */
    private static final Set<String> NOT_REPLAYED = Set.of("set-cookie", "content-length", "date", "connection",
            "transfer-encoding", "keep-alive", "x-data-source", "age", "ratelimit", "ratelimit-policy",
            "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after");

    private final long maxAgeNanos;
    private final long refreshNanos;
    private final long maxBytes;
    private final int maxEntries;
    private final int maxEntryBytes;
    /** Whether responses marked {@code no-store} or {@code private} are kept, for their own caller only. */
    private final boolean keepNoStore;
    /** An array: the per-GET key walks it without an iterator. */
    private final String[] identityHeaders;
    private final Cache<Key, Entry> cache;
    private final Policy<Key, Entry> quiet;
    private final SipHash h0 = SipHash.random();
    private final SipHash h1 = SipHash.random();
    /** Seed of the cheap map-key hash, random per process so that nobody can aim two identities at one slot. */
    private final long seed = new java.security.SecureRandom().nextLong();

    /**
     * @param maxAge          copies older than this are never served
     * @param maxEntries      bound on the number of copies
     * @param maxBytes        bound on the bytes held (bodies, headers and keys)
     * @param identityHeaders extra request headers that identify the caller (API-key, tenant headers)
     */
    public StaleCache(Duration maxAge, int maxEntries, long maxBytes, List<String> identityHeaders, NanoClock clock) {
        this(maxAge, maxEntries, maxBytes, identityHeaders, clock, false);
    }

    /**
     * @param maxAge          copies older than this are never served
     * @param maxEntries      bound on the number of copies
     * @param maxBytes        bound on the bytes held (bodies, headers and keys)
     * @param identityHeaders extra request headers that identify the caller (API-key, tenant headers)
     * @param keepNoStore     whether responses marked {@code no-store} or {@code private} are kept too, each only for
     *                        its own caller ({@code cache-no-store}, see the class comment)
     */
    public StaleCache(Duration maxAge, int maxEntries, long maxBytes, List<String> identityHeaders, NanoClock clock,
                      boolean keepNoStore) {
        this.keepNoStore = keepNoStore;
        if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("stale-cache: must be longer than zero");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("cache-entries: must be at least 1");
        }
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("cache-size: must be at least 1KB");
        }
        this.maxAgeNanos = maxAge.toNanos();
        this.refreshNanos = Math.min(1_000_000_000L, maxAgeNanos / 4);
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.maxEntryBytes = (int) Math.min(Integer.MAX_VALUE, maxBytes / 8);
        List<String> ids = new ArrayList<>(BASE_IDENTITY_HEADERS);
        for (String h : identityHeaders) {
            if (ids.stream().noneMatch(h::equalsIgnoreCase)) {
                ids.add(h);
            }
        }
        this.identityHeaders = ids.toArray(new String[0]);
        // each copy weighs at least maxBytes/maxEntries, so the weight bound also bounds the count
        long floor = Math.max(1, maxBytes / maxEntries);
        Objects.requireNonNull(clock, "clock");
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key k, Entry e) -> (int) Math.min(Integer.MAX_VALUE, Math.max(floor, e.weight)))
                .expireAfterWrite(maxAge)
                .ticker(clock::nanoTime)
                .executor(Runnable::run)
                .build();
        this.quiet = cache.policy();
    }

    /**
     * The key of a request, computed while the request is readable.
     *
     * @return the key, or null when the request can never be served from the cache (not GET or HEAD)
     */
    public Key key(RequestView request) {
        String method = request.method();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return null;
        }
        String query = request.query();
        String target = query == null ? request.path() : request.path() + '?' + query;
        long h = mix(mix(seed, request.principalName()), request.host());
        // Only each header's first value (but Cookie's all, see the class comment): the map key only spreads copies,
        // and a header repeated with different later values lands on the same key, which can make one caller's copy
        // replace another's but never serve it (the owner hash, over every value, decides that). One lookup per
        // header instead of two for a present one (its presence, then its values), on every GET.
        for (String name : identityHeaders) {
            String first = request.header(name);
            if (first != null && name == COOKIE) {
                for (String v : request.headers(name)) {
                    h = mix(h, v);
                }
                h = (h ^ 0x5bd1e995L) * FNV_PRIME; // ends its values: none can shift into the next header
            } else {
                h = mix(h, first);
            }
        }
        h = fmix(h);
        return new Key(target, h == 0 ? 1 : h); // 0 is the key of copies shared by all
    }

    private static final long FNV_PRIME = 0x100000001b3L;

    /** One identity value into the cheap hash, length first, so that ("ab", "c") and ("a", "bc") differ. */
    private static long mix(long h, String v) {
        if (v == null) {
            return (h ^ 0x27d4eb2fL) * FNV_PRIME;
        }
        h = (h ^ v.length()) * FNV_PRIME;
        for (int i = 0; i < v.length(); i++) {
            h = (h ^ v.charAt(i)) * FNV_PRIME;
        }
        return h;
    }

    /** MurmurHash3's finalizer: spreads the FNV state's bits over the whole word. */
    private static long fmix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** The 128-bit keyed owner hash of the caller: decides whether a stored copy may be served to it. */
    private long[] owner(RequestView request) {
        StringBuilder id = new StringBuilder(64);
        append(id, request.principalName());
        append(id, request.host());
        for (String name : identityHeaders) {
            for (String v : request.headers(name)) {
                append(id, v);
            }
            id.append('\u0001');
        }
        String s = id.toString();
        long a = h0.hash(s);
        long b = h1.hash(s);
        if (a == 0 && b == 0) {
            b = 1; // (0, 0) marks the copies shared by all
        }
        return new long[] {a, b};
    }

    private static void append(StringBuilder sb, String v) {
        if (v != null) {
            sb.append(v.length()).append(':').append(v);
        }
        sb.append('\u0000');
    }

    /**
     * @return true when a copy for this key was stored less than a second (or a quarter of the stale limit)
     *         ago: refreshing it on every response would cost a body copy and a cache write per request for an
     *         {@code Age} at most that much lower
     */
    boolean fresh(Key key, long nowNanos) {
        if (key == null) {
            return false;
        }
        // quiet reads: this runs on every successful GET and is not a use of the copy; the refresh it leads to (a
        // put at most once per refresh interval) is what tells the eviction policy that the copy is wanted
        Entry own = quiet.getIfPresentQuietly(key);
        if (own != null && nowNanos - own.storedNanos < refreshNanos) {
            return true;
        }
        Entry shared = quiet.getIfPresentQuietly(new Key(key.target, 0));
        return shared != null && nowNanos - shared.storedNanos < refreshNanos;
    }

    /**
     * Keeps a copy of a successful response if it may be kept.
     *
     * @param method  the request method (only GET responses are kept)
     * @param headers the response's headers as sent
     * @return true when the copy was stored
     */
    public boolean store(Key key, String method, RequestView request, int status, List<Header> headers, byte[] body,
                         long nowNanos) {
        if (key == null || !"GET".equals(method) || status < 200 || status > 299 || body.length > maxEntryBytes) {
            return false;
        }
        boolean shared = false;
        boolean ownOnly = false;
        List<String> vary = new ArrayList<>(2);
        List<Header> kept = new ArrayList<>(headers.size());
        long weight = 176L + body.length + 2L * key.target.length();
        for (Header h : headers) {
            String name = h.name().toLowerCase(Locale.ROOT);
            String value = h.value().toLowerCase(Locale.ROOT);
            if (name.equals("set-cookie")) {
                return false;
            }
            if (name.equals("cache-control")) {
                if (value.contains("no-store") || value.contains("private")) {
                    if (!keepNoStore) {
                        return false;
                    }
                    ownOnly = true; // the response asked not to be stored: at most its own caller sees it again
                }
                shared |= value.contains("public");
            }
            if (name.equals("vary")) {
                for (String v : value.split(",")) {
                    String n = v.trim();
                    if (n.equals("*")) {
                        return false;
                    }
                    if (!n.isEmpty()) {
                        vary.add(n);
                    }
                }
            }
            if (!NOT_REPLAYED.contains(name)) {
                kept.add(h);
                weight += 48L + 2L * (h.name().length() + h.value().length());
            }
        }
        if (weight > maxBytes) {
            return false; // would be evicted at once: say so instead of counting it as stored
        }
        shared &= !ownOnly;
        long[] owner = shared ? new long[] {0, 0} : owner(request);
        Entry e = new Entry(status, List.copyOf(kept), body, nowNanos, List.copyOf(vary), varyHash(vary, request),
                weight, owner[0], owner[1]);
        cache.put(shared ? new Key(key.target, 0) : key, e);
        return true;
    }

    /**
     * @return the newest copy for this caller that is younger than the stale limit and whose {@code Vary}
     *         headers match the request, or null
     */
    Entry lookup(Key key, RequestView request, long nowNanos) {
        if (key == null) {
            return null;
        }
        Entry own = usable(cache.getIfPresent(key), request, nowNanos);
        if (own != null) {
            long[] caller = owner(request);
            if (own.owner0 != caller[0] || own.owner1 != caller[1]) {
                own = null; // another caller's copy under a colliding map key: never served across callers
            }
        }
        Entry shared = usable(cache.getIfPresent(new Key(key.target, 0)), request, nowNanos);
        if (own == null) {
            return shared;
        }
        return shared != null && shared.storedNanos - own.storedNanos > 0 ? shared : own;
    }

    private Entry usable(Entry e, RequestView request, long nowNanos) {
        if (e == null || nowNanos - e.storedNanos > maxAgeNanos) {
            return null;
        }
        return e.varyHash == varyHash(e.vary, request) ? e : null;
    }

    private long varyHash(List<String> names, RequestView request) {
        if (names.isEmpty()) {
            return 0;
        }
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            for (String v : request.headers(n)) {
                append(sb, v);
            }
            sb.append('\u0001');
        }
        return h0.hash(sb.toString());
    }

    /** @return copies held now (approximate under concurrent writes) */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** @return the weighed bytes held now */
    public long bytes() {
        return cache.policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L);
    }

    long maxBytes() {
        return maxBytes;
    }

    int maxEntries() {
        return maxEntries;
    }

    /** @return the largest body kept (an eighth of the byte bound) */
    public int maxEntryBytes() {
        return maxEntryBytes;
    }

    /**
     * The map key of a copy: target plus the cheap identity hash (0 for copies shared by all); not what decides
     * who may be served a copy (see the class comment). Immutable.
     */
    public record Key(String target, long id) {
        public Key {
            Objects.requireNonNull(target, "target");
        }

        // written out: the generated record methods go through an invokedynamic bootstrap that showed in profiles of
        // the per-GET freshness lookup
        @Override
        public int hashCode() {
            return target.hashCode() * 31 + Long.hashCode(id);
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Key k && k.id == id && k.target.equals(target);
        }
    }

    /** One stored copy. Immutable. */
    static final class Entry {
        final int status;
        final List<Header> headers;
        final byte[] body;
        final long storedNanos;
        final List<String> vary;
        final long varyHash;
        final long weight;
        /** The 128-bit owner hash of the caller whose response this is; (0, 0) for a copy shared by all. */
        final long owner0;
        final long owner1;

        Entry(int status, List<Header> headers, byte[] body, long storedNanos, List<String> vary, long varyHash,
              long weight, long owner0, long owner1) {
            this.owner0 = owner0;
            this.owner1 = owner1;
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.storedNanos = storedNanos;
            this.vary = vary;
            this.varyHash = varyHash;
            this.weight = weight;
        }

        /** @return the copy as a response marked {@code X-Data-Source: cache} with its {@code Age} in seconds */
        FallbackResponse toResponse(long nowNanos) {
            List<Header> h = new ArrayList<>(headers.size() + 2);
            h.addAll(headers);
            h.add(new Header("Age", Long.toString(Math.max(0, (nowNanos - storedNanos) / 1_000_000_000L))));
            return new FallbackResponse(status, h, body, "cache");
        }
    }
}
