package dev.seawall.core.internal.idempotency;

import dev.seawall.core.Seawall;
import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.idempotency.IdempotencyStore;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.key.KeyResolvers;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class IdempotencyGuardTest {

    private static final String YAML = """
            trusted-proxies: [127.0.0.1]
            policies:
              - name: orders
                paths: [/orders/*]
                idempotency:
                  expire: 1h
                  lease: 30s
                  max-response: 64B
              - name: signup
                paths: [/signup]
                rate-limits:
                  - {by: user, limit: 100/1m}
                idempotency: {required: true}
            """;

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Seawall engine = Seawall.builder().clock(clock).meterRegistry(registry).yaml("seawall.yaml", YAML)
            .build();

    private IdempotencyGuard guard(String path) {
        return CoreAccess.idempotency(engine.match("POST", path));
    }

    private static FakeRequest post(String path, String key) {
        FakeRequest r = FakeRequest.get(path).method("POST").from("192.0.2.10");
        return key == null ? r : r.header("Idempotency-Key", "\"" + key + "\"");
    }

    private static Decision claim(IdempotencyGuard g, RequestView r, String body) {
        KeyEntry e = g.open(r);
        assertThat(e.protects()).as("protected").isTrue();
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return e.claim(r, b, b.length);
    }

    private static void finish(Decision d, int status, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        d.claim().finish(status, List.of(new Rejection.Header("Content-Type", "application/json"),
                new Rejection.Header("Set-Cookie", "session=secret"), new Rejection.Header("RateLimit", "r=1")), b,
                b.length);
    }

    @Test
    void aRepeatWhileTheFirstRunsIsRefusedAndAfterItIsReplayedByteForByte() {
        IdempotencyGuard g = guard("/orders/1");
        Decision first = claim(g, post("/orders/1", "k1"), "{\"qty\":1}");
        assertThat(first.kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(first.claim().headers()).containsExactly(new Rejection.Header(IdempotencyGuard.LIFETIME, "3600"));

        Decision during = claim(g, post("/orders/1", "k1"), "{\"qty\":1}");
        assertThat(during.kind()).isEqualTo(Decision.Kind.REFUSE);
        assertThat(during.rejection().status()).isEqualTo(409);
        assertThat(during.rejection().header("Retry-After")).isEqualTo("1");

        finish(first, 201, "{\"id\":7}");
        clock.advance(Duration.ofMinutes(10));
        Decision again = claim(g, post("/orders/1", "k1"), "{\"qty\":1}");
        assertThat(again.kind()).isEqualTo(Decision.Kind.REPLAY);
        assertThat(again.replay().status()).isEqualTo(201);
        assertThat(new String(again.replay().body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":7}");
        assertThat(again.replay().headers()).containsExactly(
                new Rejection.Header("Content-Type", "application/json"),
                new Rejection.Header(IdempotencyGuard.REPLAYED, "true"),
                new Rejection.Header(IdempotencyGuard.LIFETIME, "3000"));
        assertThat(registry.get("seawall.idempotency.requests").tags("policy", "orders", "outcome", "replayed")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("seawall.idempotency.requests").tags("policy", "orders", "outcome", "in-progress")
                .functionCounter().count()).isEqualTo(1);
    }

    @Test
    void aDifferentRequestUnderTheSameKeyIs422() {
        IdempotencyGuard g = guard("/orders/1");
        Decision first = claim(g, post("/orders/1", "k"), "{\"qty\":1}");
        assertThat(claim(g, post("/orders/1", "k"), "{\"qty\":2}").rejection().status()).isEqualTo(422);
        finish(first, 200, "ok");
        assertThat(claim(g, post("/orders/1", "k"), "{\"qty\":2}").rejection().status()).isEqualTo(422);
        assertThat(claim(g, post("/orders/2", "k"), "{\"qty\":1}").rejection().status()).isEqualTo(422);
        FakeRequest withQuery = post("/orders/1", "k");
        RequestView queried = new RequestView() {
            @Override public String method() { return withQuery.method(); }
            @Override public String path() { return withQuery.path(); }
            @Override public String query() { return "x=1"; }
            @Override public String header(String n) { return withQuery.header(n); }
            @Override public Iterable<String> headers(String n) { return withQuery.headers(n); }
            @Override public String remoteAddress() { return withQuery.remoteAddress(); }
            @Override public String host() { return withQuery.host(); }
            @Override public String principalName() { return null; }
            @Override public Object attribute(String n) { return null; }
        };
        assertThat(claim(g, queried, "{\"qty\":1}").rejection().status()).isEqualTo(422);
    }

    @Test
    void callersNeverMeetEachOthersKeys() {
        IdempotencyGuard g = guard("/orders/1");
        Decision a = claim(g, post("/orders/1", "same"), "x");
        Decision b = claim(g, post("/orders/1", "same").from("198.51.100.7"), "x");
        assertThat(a.kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(b.kind()).isEqualTo(Decision.Kind.RUN);
        // behind a trusted proxy the forwarded address is the caller
        Decision c = claim(g, post("/orders/1", "same").from("127.0.0.1").header("X-Forwarded-For", "203.0.113.9"),
                "x");
        assertThat(c.kind()).isEqualTo(Decision.Kind.RUN);

        // scoped by user: two users, one key, same address
        IdempotencyGuard s = guard("/signup");
        assertThat(claim(s, post("/signup", "k").user("ann"), "x").kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(claim(s, post("/signup", "k").user("bob"), "x").kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(claim(s, post("/signup", "k").user("ann"), "x").rejection().status()).isEqualTo(409);
    }

    @Test
    void keysAreMissingOrInvalidWith400() {
        IdempotencyGuard s = guard("/signup");
        KeyEntry missing = s.open(post("/signup", null));
        assertThat(missing.rejection().status()).isEqualTo(400);
        assertThat(missing.rejection().extensions()).containsEntry("header", "Idempotency-Key");
        assertThat(s.open(post("/signup", null).header("Idempotency-Key", "bare-token")).rejection().status())
                .isEqualTo(400);
        FakeRequest twice = post("/signup", "a").header("Idempotency-Key", "\"b\"");
        assertThat(s.open(twice).rejection().status()).isEqualTo(400);
        assertThat(s.open(post("/signup", "x".repeat(300))).rejection().detail()).doesNotContain("xxx");

        IdempotencyGuard g = guard("/orders/1");
        assertThat(g.open(post("/orders/1", null))).isSameAs(KeyEntry.NONE);
        assertThat(g.open(post("/orders/1", "k").method("GET"))).isSameAs(KeyEntry.NONE);
        assertThat(g.open(post("/orders/1", "k").method("PUT"))).isSameAs(KeyEntry.NONE);
    }

    @Test
    void outcomesExpireOnTheEnginesClock() {
        IdempotencyGuard g = guard("/orders/1");
        finish(claim(g, post("/orders/1", "k"), "x"), 200, "done");
        clock.advance(Duration.ofMinutes(59));
        assertThat(claim(g, post("/orders/1", "k"), "x").kind()).isEqualTo(Decision.Kind.REPLAY);
        clock.advance(Duration.ofMinutes(1).plusMillis(1));
        assertThat(claim(g, post("/orders/1", "k"), "x").kind()).isEqualTo(Decision.Kind.RUN);
    }

    @Test
    void aClaimNeverSettledIsFreedByItsLease() {
        IdempotencyGuard g = guard("/orders/1");
        Decision stuck = claim(g, post("/orders/1", "k"), "x");
        clock.advance(Duration.ofSeconds(29));
        assertThat(claim(g, post("/orders/1", "k"), "x").rejection().status()).isEqualTo(409);
        clock.advance(Duration.ofSeconds(1));
        Decision next = claim(g, post("/orders/1", "k"), "x");
        assertThat(next.kind()).isEqualTo(Decision.Kind.RUN);
        // the late first request never overwrites what the next one holds
        finish(stuck, 200, "late");
        assertThat(g.counted(IdempotencyGuard.Settled.LOST)).isEqualTo(1);
        assertThat(claim(g, post("/orders/1", "k"), "x").rejection().status()).isEqualTo(409);
        finish(next, 200, "second");
        assertThat(new String(claim(g, post("/orders/1", "k"), "x").replay().body(), StandardCharsets.UTF_8))
                .isEqualTo("second");
    }

    @Test
    void failuresAndRetryInvitingAnswersFreeTheKey() {
        IdempotencyGuard g = guard("/orders/1");
        for (int status : new int[] {500, 503, 429, 409, 408, 302}) {
            finish(claim(g, post("/orders/1", "k" + status), "x"), status, "no");
            assertThat(claim(g, post("/orders/1", "k" + status), "x").kind()).as("after %s", status)
                    .isEqualTo(Decision.Kind.RUN);
        }
        Decision refused = claim(g, post("/orders/1", "r"), "x");
        refused.claim().release();
        refused.claim().finish(200, List.of(), new byte[0], 0); // a second settlement changes nothing
        assertThat(claim(g, post("/orders/1", "r"), "x").kind()).isEqualTo(Decision.Kind.RUN);
        // a 4xx of the application is kept
        finish(claim(g, post("/orders/1", "bad"), "x"), 400, "invalid");
        assertThat(claim(g, post("/orders/1", "bad"), "x").replay().status()).isEqualTo(400);
    }

    @Test
    void whatIsKeptIsDecidedOnTheApplicationsOwnOutcome() {
        IdempotencyGuard g = guard("/orders/1");
        List<Rejection.Header> json = List.of(new Rejection.Header("Content-Type", "application/json"));
        byte[] ok = "{\"degraded\":true}".getBytes(StandardCharsets.UTF_8);
        // the application failed and a fallback answered 200: not an outcome to replay, the retry runs
        claim(g, post("/orders/1", "fb"), "x").claim().finish(502, null, 200, json, ok, ok.length);
        assertThat(claim(g, post("/orders/1", "fb"), "x").kind()).isEqualTo(Decision.Kind.RUN);
        claim(g, post("/orders/1", "ex"), "x").claim().finish(0, new IllegalStateException("boom"), 200, json, ok,
                ok.length);
        assertThat(claim(g, post("/orders/1", "ex"), "x").kind()).isEqualTo(Decision.Kind.RUN);
        // the application succeeded after the deadline answered 503: it ran, so never again; its answer was lost
        claim(g, post("/orders/1", "late"), "x").claim().finish(201, null, 503, json, ok, ok.length);
        Decision late = claim(g, post("/orders/1", "late"), "x");
        assertThat(late.rejection().type()).endsWith("idempotency-answer-not-kept");
        // the client left while the 201 was written: the body is not known whole, the request still ran
        claim(g, post("/orders/1", "gone"), "x").claim().finish(201, null, 201, json, null, 0);
        assertThat(claim(g, post("/orders/1", "gone"), "x").rejection().status()).isEqualTo(409);
        // an application still running whose end will not be reported: held until the lease ends
        claim(g, post("/orders/1", "held"), "x").claim().hold();
        assertThat(claim(g, post("/orders/1", "held"), "x").rejection().type()).endsWith("idempotency-in-progress");
        clock.advance(Duration.ofSeconds(30));
        assertThat(claim(g, post("/orders/1", "held"), "x").kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(g.counted(IdempotencyGuard.Settled.HELD)).isEqualTo(1);
        // a header that could split a response is never kept; the rest of the answer is
        Decision split = claim(g, post("/orders/1", "split"), "x");
        split.claim().finish(200, List.of(new Rejection.Header("X-Bad", "a\r\nSet-Cookie: s=1"),
                new Rejection.Header("X-Good", "1")), ok, ok.length);
        assertThat(claim(g, post("/orders/1", "split"), "x").replay().headers()).extracting(Rejection.Header::name)
                .containsExactly("X-Good", IdempotencyGuard.REPLAYED, IdempotencyGuard.LIFETIME);
    }

    @Test
    void anAnswerTooLargeToKeepLeavesAMarkerNotASecondRun() {
        IdempotencyGuard g = guard("/orders/1");
        Decision d = claim(g, post("/orders/1", "big"), "x");
        d.claim().finish(200, List.of(), null, 0);
        Decision again = claim(g, post("/orders/1", "big"), "x");
        assertThat(again.rejection().status()).isEqualTo(409);
        assertThat(again.rejection().type()).endsWith("idempotency-answer-not-kept");
        assertThat(again.rejection().header("Retry-After")).isNull();
    }

    @Test
    void fiftyCopiesAtOnceRunOnce() throws Exception {
        IdempotencyGuard g = guard("/orders/1");
        int n = 50;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Decision>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(() -> {
                    start.await();
                    return claim(g, post("/orders/1", "race"), "{\"qty\":1}");
                }));
            }
            start.countDown();
            List<Decision> runs = new ArrayList<>();
            for (Future<Decision> f : all) {
                Decision d = f.get(30, TimeUnit.SECONDS);
                if (d.kind() == Decision.Kind.RUN) {
                    runs.add(d);
                } else {
                    assertThat(d.rejection().status()).isEqualTo(409);
                }
            }
            assertThat(runs).hasSize(1);
            finish(runs.get(0), 201, "made");
        } finally {
            pool.shutdownNow();
        }
        assertThat(claim(g, post("/orders/1", "race"), "{\"qty\":1}").kind()).isEqualTo(Decision.Kind.REPLAY);
    }

    /** A shared store that is down, to see every on-failure mode. */
    private static class DownStore implements IdempotencyStore {
        @Override
        public Present putIfAbsent(String key, byte[] value, long ttlMillis) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public boolean replace(String key, byte[] expected, byte[] value, long ttlMillis) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public boolean remove(String key, byte[] expected) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public String describe() {
            return "down";
        }
    }

    private IdempotencyGuard withStore(IdempotencyStore store, IdempotencyConfig.OnFailure mode) {
        IdempotencyConfig c = IdempotencyConfig.builder().onFailure(mode).build();
        return new IdempotencyGuard("p", c, null, KeyResolvers.ip(TrustedProxies.of(List.of()), 64), store,
                s -> s.hashCode() * 31L, clock);
    }

    @Test
    void aStoreThatIsDownFollowsOnFailure() {
        IdempotencyGuard local = withStore(new DownStore(), IdempotencyConfig.OnFailure.LOCAL);
        Decision d = claim(local, post("/x", "k"), "x");
        assertThat(d.kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(claim(local, post("/x", "k"), "x").rejection().status()).isEqualTo(409);
        finish(d, 200, "kept here");
        assertThat(claim(local, post("/x", "k"), "x").kind()).isEqualTo(Decision.Kind.REPLAY);
        assertThat(local.storeDown()).isTrue();
        assertThat(local.storeFailures()).isGreaterThanOrEqualTo(3);

        IdempotencyGuard allow = withStore(new DownStore(), IdempotencyConfig.OnFailure.ALLOW);
        assertThat(claim(allow, post("/x", "k"), "x").kind()).isEqualTo(Decision.Kind.UNPROTECTED);
        assertThat(allow.counted(IdempotencyGuard.Outcome.UNPROTECTED)).isEqualTo(1);

        IdempotencyGuard deny = withStore(new DownStore(), IdempotencyConfig.OnFailure.DENY);
        Rejection r = claim(deny, post("/x", "k"), "x").rejection();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.detail()).doesNotContain("down");
    }

    /** A shared store that can be switched off and on. */
    private static final class FlakyStore extends DownStore {
        final LocalIdempotencyStore backing;
        boolean down;

        FlakyStore(ManualClock clock) {
            this.backing = new LocalIdempotencyStore(1 << 20, clock);
        }

        @Override
        public Present putIfAbsent(String key, byte[] value, long ttlMillis) {
            return down ? super.putIfAbsent(key, value, ttlMillis) : backing.putIfAbsent(key, value, ttlMillis);
        }

        @Override
        public boolean replace(String key, byte[] expected, byte[] value, long ttlMillis) {
            return down ? super.replace(key, expected, value, ttlMillis)
                    : backing.replace(key, expected, value, ttlMillis);
        }

        @Override
        public boolean remove(String key, byte[] expected) {
            return down ? super.remove(key, expected) : backing.remove(key, expected);
        }
    }

    @Test
    void aKeyThisNodeKeptDuringAnOutageStaysItsOwnAfterTheSharedStoreIsBack() {
        FlakyStore shared = new FlakyStore(clock);
        IdempotencyGuard g = withStore(shared, IdempotencyConfig.OnFailure.LOCAL);
        shared.down = true;
        finish(claim(g, post("/x", "outage"), "x"), 201, "made during the outage");
        shared.down = false;
        Decision after = claim(g, post("/x", "outage"), "x");
        assertThat(after.kind()).isEqualTo(Decision.Kind.REPLAY);
        assertThat(new String(after.replay().body(), StandardCharsets.UTF_8)).isEqualTo("made during the outage");
        assertThat(shared.backing.size()).as("the shared claim was given back").isZero();
        // a key the node never saw is claimed in the shared store as usual
        assertThat(claim(g, post("/x", "new"), "x").kind()).isEqualTo(Decision.Kind.RUN);
        assertThat(shared.backing.size()).isEqualTo(1);
    }

    @Test
    void aForeignRecordIsNeverReplayed() {
        IdempotencyStore garbage = new DownStore() {
            @Override
            public Present putIfAbsent(String key, byte[] value, long ttlMillis) {
                return new Present("not ours".getBytes(StandardCharsets.UTF_8), 1000);
            }
        };
        IdempotencyGuard g = withStore(garbage, IdempotencyConfig.OnFailure.DENY);
        Decision d = claim(g, post("/x", "k"), "x");
        assertThat(d.kind()).isEqualTo(Decision.Kind.REFUSE);
        assertThat(d.rejection().status()).isEqualTo(409);
        assertThat(g.corruptRecords()).isEqualTo(1);
        assertThat(g.storeDown()).as("a record nobody can read is not a store failure").isFalse();
    }

    @Test
    void storedKeysNeverHoldTheClientsKeyOrAddress() {
        List<String> keys = new ArrayList<>();
        IdempotencyStore spy = new DownStore() {
            @Override
            public Present putIfAbsent(String key, byte[] value, long ttlMillis) {
                keys.add(key);
                return null;
            }
        };
        IdempotencyGuard g = withStore(spy, IdempotencyConfig.OnFailure.DENY);
        claim(g, post("/x", "secret-key-123"), "x");
        assertThat(keys).singleElement().satisfies(k -> {
            assertThat(k).matches("p:[0-9a-f]{32}");
            assertThat(k).doesNotContain("secret").doesNotContain("192.0.2.10");
        });
    }
}
