package dev.seawall.core.fallback;

import dev.seawall.core.http.Rejection.Header;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StaleCacheTest {

    private static final Duration MAX_AGE = Duration.ofMinutes(5);
    private static final byte[] BODY = "{\"items\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);
    private static final List<Header> JSON = List.of(new Header("Content-Type", "application/json"));

    private final ManualClock clock = new ManualClock();
    private final StaleCache cache = new StaleCache(MAX_AGE, 1000, 1024 * 1024, List.of("X-Client-Id"), clock);

    private static FakeRequest caller() {
        return FakeRequest.get("/items").host("api.example.com").user("alice")
                .header("Authorization", "Bearer alice-token").header("X-API-Key", "key-alice");
    }

    private long now() {
        return clock.nanoTime();
    }

    private boolean store(StaleCache c, RequestView request, List<Header> headers, byte[] body) {
        return c.store(c.key(request), request.method(), request, 200, headers, body, now());
    }

    private boolean store(RequestView request, List<Header> headers) {
        return store(cache, request, headers, BODY);
    }

    private StaleCache.Entry lookup(RequestView request) {
        return cache.lookup(cache.key(request), request, now());
    }

    @Test
    void rejectsInvalidBounds() {
        assertThatThrownBy(() -> new StaleCache(Duration.ZERO, 10, 4096, List.of(), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StaleCache(Duration.ofSeconds(-1), 10, 4096, List.of(), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StaleCache(null, 10, 4096, List.of(), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StaleCache(MAX_AGE, 0, 4096, List.of(), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StaleCache(MAX_AGE, 10, 1023, List.of(), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StaleCache(MAX_AGE, 10, 4096, List.of(), null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void mapKeysAreEqualExactlyWhenTargetAndIdentityHashAre() {
        StaleCache.Key k = new StaleCache.Key("/a?x=1", 42);
        assertThat(k).isEqualTo(new StaleCache.Key(new String("/a?x=1"), 42))
                .hasSameHashCodeAs(new StaleCache.Key("/a?x=1", 42))
                .isNotEqualTo(new StaleCache.Key("/a?x=1", 43))
                .isNotEqualTo(new StaleCache.Key("/a?x=2", 42))
                .isNotEqualTo(null)
                .isNotEqualTo("/a?x=1");
        assertThatThrownBy(() -> new StaleCache.Key(null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void storesAndServesTheCopyToTheSameCaller() {
        assertThat(store(caller(), JSON)).isTrue();

        StaleCache.Entry e = lookup(caller());
        assertThat(e).isNotNull();
        FallbackResponse r = e.toResponse(now());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(BODY);
        assertThat(r.source()).isEqualTo("cache");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("Age")).isEqualTo("0");
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void aCopyFoundUnderAnotherCallersMapKeyIsNeverServed() {
        // what a collision of the cheap map-key hash would look like: bob's request arrives with alice's map key
        assertThat(store(caller(), JSON)).isTrue();
        FakeRequest bob = FakeRequest.get("/items").host("api.example.com").user("bob")
                .header("Authorization", "Bearer bob-token").header("X-API-Key", "key-bob");

        assertThat(cache.lookup(cache.key(caller()), bob, now())).isNull();
        assertThat(cache.lookup(cache.key(caller()), caller(), now())).isNotNull();
    }

    @Test
    void theMapKeyTellsIdentityValuesApartByTheirBoundaries() {
        FakeRequest ab = FakeRequest.get("/items").header("X-API-Key", "ab").header("X-Tenant-ID", "c");
        FakeRequest a = FakeRequest.get("/items").header("X-API-Key", "a").header("X-Tenant-ID", "bc");
        FakeRequest moved = FakeRequest.get("/items").header("X-Tenant-ID", "ab");

        assertThat(cache.key(ab)).isNotEqualTo(cache.key(a)).isNotEqualTo(cache.key(moved));
        assertThat(cache.key(ab)).isEqualTo(cache.key(FakeRequest.get("/items").header("X-API-Key", "ab")
                .header("X-Tenant-ID", "c")));
        assertThat(cache.key(ab).id()).isNotZero();
    }

    @Test
    void keyIsNullForMethodsThatCanNeverBeServed() {
        assertThat(cache.key(caller().method("POST"))).isNull();
        assertThat(cache.key(caller().method("PUT"))).isNull();
        assertThat(cache.key(caller().method("DELETE"))).isNull();
        assertThat(cache.key(caller().method("GET"))).isNotNull();
        assertThat(cache.key(caller().method("HEAD"))).isNotNull();
        assertThat(cache.lookup(null, caller(), now())).isNull();
    }

    @Test
    void aDifferentApiKeyDoesNotHit() {
        store(caller(), JSON);
        FakeRequest other = FakeRequest.get("/items").host("api.example.com").user("alice")
                .header("Authorization", "Bearer alice-token").header("X-API-Key", "key-mallory");
        assertThat(lookup(other)).isNull();
    }

    @Test
    void aMissingApiKeyDoesNotHit() {
        store(caller(), JSON);
        FakeRequest other = FakeRequest.get("/items").host("api.example.com").user("alice")
                .header("Authorization", "Bearer alice-token");
        assertThat(lookup(other)).isNull();
    }

    @Test
    void aDifferentAuthorizationDoesNotHit() {
        store(caller(), JSON);
        FakeRequest other = FakeRequest.get("/items").host("api.example.com").user("alice")
                .header("Authorization", "Bearer bob-token").header("X-API-Key", "key-alice");
        assertThat(lookup(other)).isNull();
    }

    @Test
    void aDifferentPrincipalDoesNotHit() {
        store(caller(), JSON);
        assertThat(lookup(caller().user("bob"))).isNull();
        assertThat(lookup(caller().user(null))).isNull();
    }

    @Test
    void aDifferentHostDoesNotHit() {
        store(caller(), JSON);
        assertThat(lookup(caller().host("other.example.com"))).isNull();
    }

    @Test
    void aDifferentCookieDoesNotHit() {
        FakeRequest withCookie = caller().header("Cookie", "session=a");
        store(withCookie, JSON);
        assertThat(lookup(caller().header("Cookie", "session=b"))).isNull();
        assertThat(lookup(caller().header("Cookie", "session=a"))).isNotNull();
    }

    /**
     * The map key takes a repeated identity header's first value only, so a caller repeating it with another later
     * value shares the map key; the owner hash takes every value, so that caller is never served the other's copy.
     */
    @Test
    void aLaterValueOfARepeatedIdentityHeaderSharesTheMapKeyButNeverTheCopy() {
        FakeRequest alice = caller();
        FakeRequest repeated = caller().header("X-API-Key", "key-mallory");
        assertThat(cache.key(repeated)).isEqualTo(cache.key(alice));
        store(alice, JSON);
        assertThat(lookup(repeated)).isNull();
        assertThat(lookup(alice)).isNotNull();
    }

    /** HTTP/2 clients may send each cookie as a field of its own: visitors sharing only a first cookie get own keys. */
    @Test
    void everyCookieFieldIsPartOfTheMapKey() {
        FakeRequest one = caller().header("Cookie", "theme=dark").header("Cookie", "session=a");
        FakeRequest two = caller().header("Cookie", "theme=dark").header("Cookie", "session=b");
        assertThat(cache.key(one)).isNotEqualTo(cache.key(two));
        store(one, JSON);
        assertThat(lookup(two)).isNull();
        assertThat(lookup(caller().header("Cookie", "theme=dark").header("Cookie", "session=a"))).isNotNull();
    }

    @Test
    void aConfiguredIdentityHeaderIsPartOfTheKey() {
        store(caller().header("X-Client-Id", "c1"), JSON);
        assertThat(lookup(caller().header("X-Client-Id", "c2"))).isNull();
        assertThat(lookup(caller().header("x-client-id", "c1"))).isNotNull();
    }

    @Test
    void aDifferentQueryOrPathDoesNotHit() {
        RequestView page1 = new QueryRequest(caller(), "page=1");
        assertThat(store(page1, JSON)).isTrue();

        assertThat(lookup(new QueryRequest(caller(), "page=1"))).isNotNull();
        assertThat(lookup(new QueryRequest(caller(), "page=2"))).isNull();
        assertThat(lookup(caller())).as("no query").isNull();
        assertThat(lookup(new QueryRequest(caller().path("/other"), "page=1"))).isNull();
    }

    @Test
    void publicResponsesAreSharedAcrossCallers() {
        List<Header> headers = List.of(new Header("Content-Type", "application/json"),
                new Header("Cache-Control", "public, max-age=60"));
        assertThat(store(caller(), headers)).isTrue();

        FakeRequest stranger = FakeRequest.get("/items").host("api.example.com").user("bob")
                .header("Authorization", "Bearer bob-token").header("X-API-Key", "key-bob");
        StaleCache.Entry e = lookup(stranger);
        assertThat(e).isNotNull();
        assertThat(e.toResponse(now()).body()).isEqualTo(BODY);
        assertThat(lookup(FakeRequest.get("/items"))).as("anonymous").isNotNull();
        assertThat(lookup(FakeRequest.get("/other"))).as("other target").isNull();
    }

    @Test
    void theNewerOfOwnAndSharedCopiesWins() {
        byte[] own = "own".getBytes(StandardCharsets.UTF_8);
        byte[] shared = "shared".getBytes(StandardCharsets.UTF_8);
        assertThat(store(cache, caller(), JSON, own)).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(store(cache, caller().user("bob"), List.of(new Header("Cache-Control", "public")), shared))
                .isTrue();
        assertThat(lookup(caller()).toResponse(now()).body()).isEqualTo(shared);

        clock.advance(Duration.ofSeconds(1));
        assertThat(store(cache, caller(), JSON, own)).isTrue();
        assertThat(lookup(caller()).toResponse(now()).body()).isEqualTo(own);
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-store", "private", "private, max-age=60", "No-Store", "max-age=0, no-store",
            "public, no-store"})
    void responsesThatForbidStorageAreNotStored(String cacheControl) {
        assertThat(store(caller(), List.of(new Header("Cache-Control", cacheControl)))).isFalse();
        assertThat(lookup(caller())).isNull();
        assertThat(cache.size()).isZero();
    }

    /** {@code cache-no-store}: such copies are kept, but only ever for their own caller, never shared. */
    @ParameterizedTest
    @ValueSource(strings = {"no-cache, no-store, max-age=0, must-revalidate", "private", "public, no-store",
            "public, private"})
    void withCacheNoStoreResponsesThatForbidStorageAreKeptForTheirOwnCallerOnly(String cacheControl) {
        StaleCache keeping = new StaleCache(MAX_AGE, 1000, 1024 * 1024, List.of(), clock, true);
        List<Header> headers = List.of(new Header("Cache-Control", cacheControl));
        assertThat(store(keeping, caller(), headers, BODY)).isTrue();
        assertThat(keeping.lookup(keeping.key(caller()), caller(), now())).isNotNull();
        FakeRequest bob = FakeRequest.get("/items").host("api.example.com").user("bob")
                .header("Authorization", "Bearer bob-token");
        assertThat(keeping.lookup(keeping.key(bob), bob, now())).as("never shared, even if public").isNull();
        FakeRequest anonymous = FakeRequest.get("/items").host("api.example.com");
        assertThat(keeping.lookup(keeping.key(anonymous), anonymous, now())).isNull();
    }

    @Test
    void withCacheNoStoreSetCookieAndVaryStarStillKeepAResponseOut() {
        StaleCache keeping = new StaleCache(MAX_AGE, 1000, 1024 * 1024, List.of(), clock, true);
        assertThat(store(keeping, caller(), List.of(new Header("Cache-Control", "no-store"),
                new Header("Set-Cookie", "s=1")), BODY)).isFalse();
        assertThat(store(keeping, caller(), List.of(new Header("Cache-Control", "no-store"),
                new Header("Vary", "*")), BODY)).isFalse();
    }

    @Test
    void responsesWithSetCookieAreNotStored() {
        assertThat(store(caller(), List.of(new Header("Content-Type", "application/json"),
                new Header("Set-Cookie", "session=abc; HttpOnly")))).isFalse();
        assertThat(store(caller(), List.of(new Header("set-cookie", "x=y")))).isFalse();
        assertThat(lookup(caller())).isNull();
    }

    @Test
    void responsesWithVaryStarAreNotStored() {
        assertThat(store(caller(), List.of(new Header("Vary", "*")))).isFalse();
        assertThat(store(caller(), List.of(new Header("Vary", "Accept-Encoding, *")))).isFalse();
        assertThat(lookup(caller())).isNull();
    }

    @Test
    void varyHeadersMustMatch() {
        List<Header> headers = List.of(new Header("Content-Type", "text/plain"),
                new Header("Vary", "Accept-Language"));
        assertThat(store(caller().header("Accept-Language", "en"), headers)).isTrue();

        assertThat(lookup(caller().header("Accept-Language", "en"))).isNotNull();
        assertThat(lookup(caller().header("accept-language", "en"))).isNotNull();
        assertThat(lookup(caller().header("Accept-Language", "de"))).isNull();
        assertThat(lookup(caller())).as("header absent").isNull();
    }

    @Test
    void varyAlsoAppliesToSharedCopies() {
        List<Header> headers = List.of(new Header("Cache-Control", "public"), new Header("Vary", "Accept-Language"));
        assertThat(store(caller().header("Accept-Language", "en"), headers)).isTrue();
        assertThat(lookup(FakeRequest.get("/items").header("Accept-Language", "en"))).isNotNull();
        assertThat(lookup(FakeRequest.get("/items").header("Accept-Language", "fr"))).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 203, 204, 206, 299})
    void twoHundredsAreStored(int status) {
        FakeRequest r = caller();
        assertThat(cache.store(cache.key(r), "GET", r, status, JSON, BODY, now())).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 199, 300, 301, 304, 400, 404, 429, 500, 503})
    void nonSuccessResponsesAreNotStored(int status) {
        FakeRequest r = caller();
        assertThat(cache.store(cache.key(r), "GET", r, status, JSON, BODY, now())).isFalse();
        assertThat(lookup(r)).isNull();
    }

    @Test
    void nonGetResponsesAreNotStored() {
        FakeRequest post = caller().method("POST");
        assertThat(cache.store(cache.key(post), "POST", post, 200, JSON, BODY, now())).isFalse();

        // even with a GET-shaped key, the method decides
        FakeRequest get = caller();
        assertThat(cache.store(cache.key(get), "POST", get, 200, JSON, BODY, now())).isFalse();
        FakeRequest head = caller().method("HEAD");
        assertThat(cache.store(cache.key(head), "HEAD", head, 200, JSON, BODY, now())).isFalse();
        assertThat(lookup(get)).isNull();
        assertThat(cache.store(null, "GET", get, 200, JSON, BODY, now())).isFalse();
    }

    @Test
    void aHeadRequestCanUseTheCopyOfAGet() {
        assertThat(store(caller(), JSON)).isTrue();
        FakeRequest head = caller().method("HEAD");
        assertThat(cache.key(head)).isEqualTo(cache.key(caller()));
        assertThat(lookup(head)).isNotNull();
    }

    @Test
    void copiesOlderThanMaxAgeAreNeverServed() {
        assertThat(store(caller(), JSON)).isTrue();

        clock.advance(MAX_AGE.minusSeconds(1));
        assertThat(lookup(caller())).isNotNull();

        clock.advance(Duration.ofSeconds(1).plusMillis(1));
        assertThat(lookup(caller())).isNull();

        clock.advance(Duration.ofHours(1));
        assertThat(lookup(caller())).isNull();
        assertThat(cache.size()).as("expired on its own").isZero();
    }

    @Test
    void copiesOlderThanMaxAgeAreRefusedEvenIfTheCacheStillHoldsThem() {
        assertThat(store(caller(), JSON)).isTrue();
        FakeRequest r = caller();
        // a later reading passed by the caller, before the cache's own clock moved
        assertThat(cache.lookup(cache.key(r), r, now() + MAX_AGE.toNanos() + 1)).isNull();
        assertThat(cache.lookup(cache.key(r), r, now() + MAX_AGE.toNanos() - 1)).isNotNull();
    }

    @Test
    void ageIsWholeSecondsSinceStore() {
        assertThat(store(caller(), JSON)).isTrue();
        StaleCache.Entry e = lookup(caller());
        assertThat(e.toResponse(now()).header("Age")).isEqualTo("0");

        clock.advance(Duration.ofMillis(2700));
        assertThat(lookup(caller()).toResponse(now()).header("Age")).isEqualTo("2");

        clock.advance(Duration.ofMillis(300));
        assertThat(lookup(caller()).toResponse(now()).header("Age")).isEqualTo("3");

        clock.advance(Duration.ofSeconds(120));
        FallbackResponse r = lookup(caller()).toResponse(now());
        assertThat(r.headers().stream().filter(h -> h.name().equalsIgnoreCase("Age"))).hasSize(1);
        assertThat(r.header("Age")).isEqualTo("123");
    }

    @Test
    void perExchangeHeadersAreNotReplayed() {
        List<Header> headers = List.of(
                new Header("Content-Type", "application/json"),
                new Header("ETag", "\"v1\""),
                new Header("Content-Length", "17"),
                new Header("Date", "Mon, 01 Jan 2024 00:00:00 GMT"),
                new Header("Connection", "keep-alive"),
                new Header("Transfer-Encoding", "chunked"),
                new Header("Keep-Alive", "timeout=5"),
                new Header("X-Data-Source", "live"),
                new Header("Age", "42"),
                new Header("RateLimit", "\"default\";r=9;t=60"),
                new Header("RateLimit-Policy", "\"default\";q=10;w=60"),
                new Header("X-RateLimit-Limit", "10"),
                new Header("X-RateLimit-Remaining", "9"),
                new Header("X-RateLimit-Reset", "60"),
                new Header("Retry-After", "5"));
        assertThat(store(caller(), headers)).isTrue();
        clock.advance(Duration.ofSeconds(4));

        FallbackResponse r = lookup(caller()).toResponse(now());
        assertThat(r.headers()).extracting(Header::name).containsExactly("Content-Type", "ETag", "Age");
        assertThat(r.header("Age")).isEqualTo("4");
        assertThat(r.header("Set-Cookie")).isNull();
        assertThat(r.header("Content-Length")).isNull();
        assertThat(r.header("RateLimit")).isNull();
    }

    @Test
    void entryCountIsBounded() {
        StaleCache small = new StaleCache(MAX_AGE, 10, 1024 * 1024, List.of(), clock);
        for (int i = 0; i < 200; i++) {
            FakeRequest r = FakeRequest.get("/items/" + i);
            assertThat(store(small, r, JSON, BODY)).isTrue();
        }
        assertThat(small.size()).isBetween(1L, 10L);
        assertThat(small.bytes()).isLessThanOrEqualTo(small.maxBytes());
        assertThat(small.maxEntries()).isEqualTo(10);
    }

    @Test
    void bytesAreBounded() {
        long max = 64 * 1024;
        StaleCache small = new StaleCache(MAX_AGE, 10_000, max, List.of(), clock);
        byte[] body = new byte[4 * 1024];
        int stored = 0;
        for (int i = 0; i < 200; i++) {
            FakeRequest r = FakeRequest.get("/blobs/" + i);
            if (store(small, r, JSON, body)) {
                stored++;
            }
            assertThat(small.bytes()).as("after store %d", i).isLessThanOrEqualTo(max);
        }
        assertThat(stored).isEqualTo(200);
        assertThat(small.size()).isBetween(1L, 16L);
        assertThat(small.bytes()).isPositive().isLessThanOrEqualTo(max);
    }

    @Test
    void bodiesLargerThanMaxEntryBytesAreNotStored() {
        StaleCache small = new StaleCache(MAX_AGE, 100, 64 * 1024, List.of(), clock);
        assertThat(small.maxEntryBytes()).isEqualTo(8 * 1024);

        FakeRequest big = FakeRequest.get("/big");
        assertThat(store(small, big, JSON, new byte[small.maxEntryBytes() + 1])).isFalse();
        assertThat(small.lookup(small.key(big), big, now())).isNull();

        FakeRequest fits = FakeRequest.get("/fits");
        assertThat(store(small, fits, JSON, new byte[small.maxEntryBytes()])).isTrue();
        assertThat(small.lookup(small.key(fits), fits, now())).isNotNull();
    }

    @Test
    void inTheSmallestCacheEveryCopyThatIsStoredCanBeServed() {
        StaleCache tiny = new StaleCache(MAX_AGE, 1, 1024, List.of(), clock);
        assertThat(tiny.maxEntryBytes()).isEqualTo(128);
        assertThat(tiny.maxBytes()).isEqualTo(1024);
        FakeRequest r = FakeRequest.get("/tiny");
        StaleCache.Key key = tiny.key(r);
        // once reported stored, a copy must be there: the per-copy overhead counts against the byte bound
        assertThat(tiny.store(key, "GET", r, 200, List.of(), new byte[tiny.maxEntryBytes()], clock.nanoTime()))
                .isTrue();
        assertThat(tiny.lookup(key, r, clock.nanoTime())).isNotNull();
        assertThat(tiny.store(key, "GET", r, 200, List.of(), new byte[900], clock.nanoTime())).isFalse();
    }
}
