package dev.seawall.core.ratelimit;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantResolver;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.key.UserResolver;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitStageTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private static Rate rate(long n, Duration d) {
        return new Rate(n, d);
    }

    private static LimitSpec ip(Rate... rates) {
        return LimitSpec.builder("ip", new ClientIpResolver(TrustedProxies.none(), 64)).rates(List.of(rates)).build();
    }

    private static LimitSpec apiKey(OnMissing onMissing, Rate... rates) {
        return LimitSpec.builder("api-key", new ApiKeyResolver(null)).rates(List.of(rates)).onMissing(onMissing).build();
    }

    private RateLimitStage.Builder stage() {
        return RateLimitStage.builder("api").clock(clock);
    }

    /** Binds the stage's meters to this test's registry, as an engine does when it takes the stage into service. */
    private RateLimitStage bind(RateLimitStage stage) {
        SeawallMeters.bind(meters, stage);
        return stage;
    }

    private static Map<String, String> headers(Admission a) {
        Map<String, String> h = new LinkedHashMap<>();
        if (a.admitted()) {
            a.permit().writeHeaders(h::put);
        } else {
            a.rejection().headers().forEach(x -> h.put(x.name(), x.value()));
        }
        return h;
    }

    private static FakeRequest from(String ip) {
        return FakeRequest.get("/api").from(ip);
    }

    @Test
    void rejectsTheSixthRequestWithinAMinuteAndRefillsOverTime() {
        RateLimitStage s = bind(stage().limit(ip(rate(5, Duration.ofMinutes(1)))).build());
        for (int i = 0; i < 5; i++) {
            assertThat(s.admit(from("192.0.2.1"), clock.nanoTime()).admitted()).isTrue();
        }
        Admission sixth = s.admit(from("192.0.2.1"), clock.nanoTime());
        assertThat(sixth.admitted()).isFalse();
        assertThat(sixth.rejection().status()).isEqualTo(429);
        assertThat(sixth.rejection().header("Retry-After")).isEqualTo("12");
        clock.advance(Duration.ofSeconds(12));
        assertThat(s.admit(from("192.0.2.1"), clock.nanoTime()).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1"), clock.nanoTime()).admitted()).isFalse();
        assertThat(s.admit(from("192.0.2.2"), clock.nanoTime()).admitted()).isTrue();
    }

    @Test
    void aFloodingClientIsRefusedWithOneReusedRejectionUntilItsRetryAfterChanges() {
        RateLimitStage s = bind(stage().limit(ip(rate(1, Duration.ofMinutes(1)))).build());
        s.admit(from("192.0.2.1"), clock.nanoTime());
        Rejection first = s.admit(from("192.0.2.1"), clock.nanoTime()).rejection();
        Rejection again = s.admit(from("192.0.2.1"), clock.nanoTime()).rejection();
        assertThat(again).isSameAs(first);
        assertThat(first.header("Retry-After")).isEqualTo("60");
        assertThat(first.header("RateLimit")).isEqualTo("\"ip\";r=0;t=60");

        clock.advance(Duration.ofSeconds(30));
        Rejection later = s.admit(from("192.0.2.1"), clock.nanoTime()).rejection();
        assertThat(later).isNotSameAs(first);
        assertThat(later.header("Retry-After")).isEqualTo("30");
        assertThat(later.header("RateLimit")).isEqualTo("\"ip\";r=0;t=30");
        assertThat(later.detail()).contains("retry after 30 seconds");
    }

    @Test
    void aRejectionAfterAnAdmittingLimitReportsThatLimitsCurrentRemainder() {
        RateLimitStage s = bind(stage().limit(ip(rate(100, Duration.ofMinutes(1))))
                .limit(apiKey(OnMissing.SKIP, rate(1, Duration.ofMinutes(1)))).build());
        FakeRequest a = from("192.0.2.1").header("X-API-Key", "k");
        FakeRequest b = from("192.0.2.2").header("X-API-Key", "k");
        s.admit(a, clock.nanoTime());
        s.admit(a, clock.nanoTime());
        s.admit(a, clock.nanoTime()).rejection();
        // another address, same exhausted key: the ip part of the header is that address's own, never a reused one,
        // and says what the address has after its token was given back
        assertThat(s.admit(b, clock.nanoTime()).rejection().header("RateLimit")).startsWith("\"ip\";r=100;t=0,");
        assertThat(s.admit(a, clock.nanoTime()).rejection().header("RateLimit")).startsWith("\"ip\";r=99;t=1,");
    }

    @Test
    void retryAfterIsRoundedUpToWholeSecondsAndAtLeastOne() {
        RateLimitStage s = bind(stage().limit(ip(rate(10, Duration.ofSeconds(1)))).build());
        for (int i = 0; i < 10; i++) {
            s.admit(from("192.0.2.1"), clock.nanoTime());
        }
        // one token per 100 ms: 0.1 s to wait is answered as 1 s, never 0
        assertThat(s.admit(from("192.0.2.1"), clock.nanoTime()).rejection().header("Retry-After")).isEqualTo("1");
        RateLimitStage slow = bind(stage().limit(ip(rate(2, Duration.ofSeconds(3)))).build());
        slow.admit(from("192.0.2.1"), clock.nanoTime());
        slow.admit(from("192.0.2.1"), clock.nanoTime());
        clock.advanceNanos(1);
        // 1.5 s minus 1 ns to wait: rounded up to 2
        assertThat(slow.admit(from("192.0.2.1"), clock.nanoTime()).rejection().header("Retry-After")).isEqualTo("2");
    }

    @Test
    void severalBandwidthsOnOneBucketAreAllEnforced() {
        RateLimitStage s = bind(stage().limit(ip(rate(2, Duration.ofSeconds(1)), rate(3, Duration.ofMinutes(1)))).build());
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isFalse(); // per-second bandwidth
        clock.advance(Duration.ofSeconds(1));
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        Admission fifth = s.admit(from("192.0.2.1"), 0);
        assertThat(fifth.admitted()).isFalse(); // per-minute bandwidth: 3 used
        assertThat(Long.parseLong(fifth.rejection().header("Retry-After"))).isBetween(10L, 20L);
        assertThat(headers(fifth).get("RateLimit-Policy")).isEqualTo("\"ip\";q=2;w=1, \"ip-2\";q=3;w=60");
    }

    @Test
    void a429ReportsTheOtherLimitsAsTheyStandAfterTheirRefund() {
        RateLimitStage s = bind(stage()
                .limit(ip(rate(10, Duration.ofMinutes(1))))
                .limit(apiKey(OnMissing.SKIP, rate(1, Duration.ofMinutes(1))))
                .build());
        FakeRequest req = from("192.0.2.1").header("X-API-Key", "k1");
        assertThat(s.admit(req, 0).admitted()).isTrue();
        Admission refused = s.admit(req, 0);
        // the ip limit took a token and got it back: 9 of 10 left, full again in one refill interval (6 s)
        assertThat(headers(refused).get("RateLimit")).isEqualTo("\"ip\";r=9;t=6, \"api-key\";r=0;t=60");
        // and that is what the next request of this address finds
        Admission next = s.admit(from("192.0.2.1"), 0);
        assertThat(headers(next).get("RateLimit")).startsWith("\"ip\";r=8;t=12");
    }

    @Test
    void aPermitsReleasedHeadersReportItsLimitsAfterTheRefund() {
        // a rate-limit filter stacked after this one refused: the headers joined into its 429 describe this stage's
        // limits as the client has them once this permit is released
        RateLimitStage one = bind(stage().limit(ip(rate(10, Duration.ofMinutes(1)))).build());
        Admission a = one.admit(from("192.0.2.1"), 0);
        assertThat(headers(a).get("RateLimit")).isEqualTo("\"ip\";r=9;t=6");
        Map<String, String> released = new LinkedHashMap<>();
        a.permit().writeReleasedHeaders(released::put);
        assertThat(released.get("RateLimit")).isEqualTo("\"ip\";r=10;t=0");
        a.permit().release();
        assertThat(headers(one.admit(from("192.0.2.1"), 0)).get("RateLimit")).isEqualTo("\"ip\";r=9;t=6");

        RateLimitStage two = RateLimitStage.builder("two").clock(clock).limit(ip(rate(10, Duration.ofMinutes(1))))
                .limit(apiKey(OnMissing.SKIP, rate(5, Duration.ofMinutes(1)))).build();
        Admission b = two.admit(from("192.0.2.1").header("X-API-Key", "k"), 0);
        Map<String, String> both = new LinkedHashMap<>();
        b.permit().writeReleasedHeaders(both::put);
        assertThat(both.get("RateLimit")).isEqualTo("\"ip\";r=10;t=0, \"api-key\";r=5;t=0");
    }

    @Test
    void aLimitOfTwoRatesNamesTheRateWhoseRemainderItReports() {
        RateLimitStage s = bind(stage().limit(apiKey(OnMissing.SKIP, rate(100, Duration.ofMinutes(1)),
                rate(20, Duration.ofSeconds(1)))).build());
        FakeRequest req = from("192.0.2.1").header("X-API-Key", "k1");
        Map<String, String> first = headers(s.admit(req, 0));
        assertThat(first.get("RateLimit-Policy")).isEqualTo("\"api-key\";q=100;w=60, \"api-key-2\";q=20;w=1");
        // 99 of 100 per minute, 19 of 20 per second: the 19 belongs to the per-second item
        assertThat(first.get("RateLimit")).isEqualTo("\"api-key-2\";r=19;t=1");
        for (int i = 0; i < 19; i++) {
            s.admit(req, 0);
        }
        Admission refused = s.admit(req, 0);
        assertThat(refused.admitted()).isFalse();
        assertThat(headers(refused).get("RateLimit")).isEqualTo("\"api-key-2\";r=0;t=12");
        // a second later the per-second rate is full again, and the per-minute one holds the fewest tokens
        clock.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 20; i++) {
            s.admit(req, clock.nanoTime());
        }
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            for (int k = 0; k < 20; k++) {
                s.admit(req, clock.nanoTime());
            }
        }
        // 120 requests tried, 100 per minute at most: the per-minute rate is empty, the per-second one is not
        clock.advance(Duration.ofSeconds(1));
        Map<String, String> later = headers(s.admit(req, clock.nanoTime()));
        assertThat(later.get("RateLimit")).startsWith("\"api-key\";r=");
    }

    @Test
    void aLaterRejectionRefundsTheEarlierLimits() {
        RateLimitStage s = bind(stage()
                .limit(ip(rate(5, Duration.ofMinutes(1))))
                .limit(apiKey(OnMissing.SKIP, rate(1, Duration.ofMinutes(1))))
                .build());
        FakeRequest req = from("192.0.2.1").header("X-API-Key", "k1");
        assertThat(headers(s.admit(req, 0)).get("RateLimit")).isEqualTo("\"ip\";r=4;t=12, \"api-key\";r=0;t=60");
        for (int i = 0; i < 10; i++) {
            Admission a = s.admit(req, 0);
            assertThat(a.admitted()).isFalse();
            assertThat(a.rejection().extensions()).containsEntry("limit", "api-key").containsEntry("policy", "api");
            // the ip limit is reported as it stands after its token was given back
            assertThat(headers(a).get("RateLimit")).isEqualTo("\"ip\";r=4;t=12, \"api-key\";r=0;t=60");
        }
        // ten rejected requests cost nothing: the ip limit still has 4 tokens
        for (int i = 0; i < 4; i++) {
            assertThat(s.admit(from("192.0.2.1").header("X-API-Key", "k" + (i + 2)), 0).admitted()).isTrue();
        }
        assertThat(s.admit(from("192.0.2.1").header("X-API-Key", "k9"), 0).admitted()).isFalse();
    }

    @Test
    void releasingThePermitRefundsItsTokens() {
        RateLimitStage s = bind(stage().limit(ip(rate(1, Duration.ofHours(1)))).build());
        Admission a = s.admit(from("192.0.2.1"), 0);
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isFalse();
        a.permit().release();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
    }

    @Test
    void aRefundNeverOverfillsABucket() {
        RateLimitStage s = bind(stage().limit(ip(rate(2, Duration.ofSeconds(1)))).build());
        Admission a = s.admit(from("192.0.2.1"), 0);
        clock.advance(Duration.ofSeconds(5)); // refilled to full meanwhile
        a.permit().release();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isFalse();
    }

    @Test
    void headersFollowTheConfiguredMode() {
        FakeRequest req = from("192.0.2.1");
        Map<String, String> ietf = headers(stage().limit(ip(rate(100, Duration.ofMinutes(1)))).build().admit(req, 0));
        assertThat(ietf).containsOnlyKeys("RateLimit-Policy", "RateLimit");
        assertThat(ietf.get("RateLimit-Policy")).isEqualTo("\"ip\";q=100;w=60");
        assertThat(ietf.get("RateLimit")).isEqualTo("\"ip\";r=99;t=1");

        Map<String, String> legacy = headers(stage().headers(RateLimitHeaders.LEGACY)
                .limit(ip(rate(100, Duration.ofMinutes(1)))).build().admit(req, 0));
        assertThat(legacy).containsExactly(Map.entry("X-RateLimit-Limit", "100"),
                Map.entry("X-RateLimit-Remaining", "99"), Map.entry("X-RateLimit-Reset", "1"));

        assertThat(headers(stage().headers(RateLimitHeaders.BOTH).limit(ip(rate(100, Duration.ofMinutes(1)))).build()
                .admit(req, 0))).containsKeys("RateLimit", "X-RateLimit-Limit");
        assertThat(headers(stage().headers(RateLimitHeaders.NONE).limit(ip(rate(100, Duration.ofMinutes(1)))).build()
                .admit(req, 0))).isEmpty();
        RateLimitStage none = bind(stage().headers(RateLimitHeaders.NONE).limit(ip(rate(1, Duration.ofMinutes(1)))).build());
        none.admit(req, 0);
        assertThat(headers(none.admit(req, 0))).containsOnlyKeys("Retry-After");
    }

    @Test
    void skippedLimitsAreLeftOutOfTheHeaders() {
        RateLimitStage s = bind(stage().limit(ip(rate(3, Duration.ofMinutes(1))))
                .limit(apiKey(OnMissing.SKIP, rate(9, Duration.ofMinutes(1)))).build());
        assertThat(headers(s.admit(from("192.0.2.1"), 0)).get("RateLimit-Policy")).isEqualTo("\"ip\";q=3;w=60");
        // both applied: the joined value prepared at build time, and each limit's own state, in order
        Map<String, String> both = headers(s.admit(from("192.0.2.1").header("X-API-Key", "k"), 0));
        assertThat(both.get("RateLimit-Policy")).isEqualTo("\"ip\";q=3;w=60, \"api-key\";q=9;w=60");
        assertThat(both.get("RateLimit")).startsWith("\"ip\";r=1;").contains(", \"api-key\";r=8;");
    }

    @Test
    void missingIdentityFollowsOnMissing() {
        RateLimitStage reject = bind(stage().limit(apiKey(OnMissing.REJECT, rate(5, Duration.ofMinutes(1)))).build());
        Rejection r = reject.admit(from("192.0.2.1"), 0).rejection();
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.type()).endsWith("identity-required");
        assertThat(r.header("WWW-Authenticate")).isEqualTo("ApiKey header=\"X-API-Key\"");

        RateLimitStage shared = bind(stage().limit(apiKey(OnMissing.SHARED, rate(2, Duration.ofMinutes(1)))).build());
        assertThat(shared.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        assertThat(shared.admit(from("192.0.2.2"), 0).admitted()).isTrue();
        assertThat(shared.admit(from("192.0.2.3"), 0).admitted()).isFalse();
        assertThat(shared.admit(from("192.0.2.3").header("X-API-Key", "own"), 0).admitted()).isTrue();

        RateLimitStage skip = bind(stage().limit(apiKey(OnMissing.SKIP, rate(1, Duration.ofMinutes(1)))).build());
        for (int i = 0; i < 5; i++) {
            assertThat(skip.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        }
        RateLimitStage tenant = bind(stage().limit(LimitSpec.builder("tenant", new TenantResolver(TenantSource.HEADER, null, -1))
                .rates(List.of(rate(1, Duration.ofMinutes(1)))).onMissing(OnMissing.REJECT).build()).build());
        assertThat(tenant.admit(from("192.0.2.1"), 0).rejection().status()).isEqualTo(400);
        RateLimitStage user = bind(stage().limit(LimitSpec.builder("user", new UserResolver(null))
                .rates(List.of(rate(1, Duration.ofMinutes(1)))).onMissing(OnMissing.REJECT).build()).build());
        assertThat(user.admit(from("192.0.2.1"), 0).rejection().status()).isEqualTo(401);
    }

    @Test
    void aMalformedIdentityIs400AndRefundsEarlierLimits() {
        RateLimitStage s = bind(stage().limit(ip(rate(1, Duration.ofMinutes(1))))
                .limit(apiKey(OnMissing.SKIP, rate(5, Duration.ofMinutes(1)))).build());
        Rejection r = s.admit(from("192.0.2.1").header("X-API-Key", "bad key"), 0).rejection();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.type()).endsWith("invalid-identity");
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
    }

    @Test
    void plansGiveKeysTheirOwnRates() {
        LimitSpec spec = LimitSpec.builder("api-key", new ApiKeyResolver(null))
                .rates(List.of(rate(1, Duration.ofMinutes(1))))
                .plan("pro", List.of(rate(3, Duration.ofMinutes(1))))
                .planResolver(new MapPlanResolver(Map.of("gold-key", "pro", "typo-key", "platinum")))
                .build();
        RateLimitStage s = bind(stage().limit(spec).build());
        for (int i = 0; i < 3; i++) {
            Admission a = s.admit(from("192.0.2.1").header("X-API-Key", "gold-key"), 0);
            assertThat(a.admitted()).isTrue();
            assertThat(headers(a).get("RateLimit-Policy")).isEqualTo("\"api-key\";q=3;w=60");
        }
        assertThat(s.admit(from("192.0.2.1").header("X-API-Key", "gold-key"), 0).admitted()).isFalse();
        assertThat(s.admit(from("192.0.2.1").header("X-API-Key", "free-key"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1").header("X-API-Key", "free-key"), 0).admitted()).isFalse();
        // an unknown plan name falls back to the default rates
        assertThat(s.admit(from("192.0.2.1").header("X-API-Key", "typo-key"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1").header("X-API-Key", "typo-key"), 0).admitted()).isFalse();
    }

    @Test
    void anIdleBucketIsEvictedOnlyOnceItWouldBeFullAgainSoNothingIsLost() {
        RateLimitStage s = bind(stage().limit(ip(rate(3, Duration.ofMinutes(1)))).build());
        for (int i = 0; i < 3; i++) {
            s.admit(from("192.0.2.1"), 0);
        }
        clock.advance(Duration.ofSeconds(59));
        s.cleanUp();
        assertThat(s.limits().get(0).trackedKeys()).isEqualTo(1);
        // 59 s of refill: 2 tokens back, not 3 — the state survived
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isFalse();
        clock.advance(LocalBucketStore.idleFor(Duration.ofMinutes(1)));
        s.cleanUp();
        assertThat(s.limits().get(0).trackedKeys()).isZero();
        // recreated full: exactly what the old bucket would have held
        for (int i = 0; i < 3; i++) {
            assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
        }
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isFalse();
    }

    @Test
    void trackedKeysStayWithinMaxKeysUnderAFloodOfDistinctKeys() {
        LimitSpec spec = LimitSpec.builder("api-key", new ApiKeyResolver(null))
                .rates(List.of(rate(10, Duration.ofHours(1)))).maxKeys(1_000).build();
        RateLimitStage s = bind(stage().limit(spec).build());
        for (int i = 0; i < 50_000; i++) {
            s.admit(from("192.0.2.1").header("X-API-Key", "flood-" + i), 0);
        }
        s.cleanUp();
        assertThat(s.limits().get(0).trackedKeys()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void identitiesAreHashedBeforeTheyAreStored() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RateLimitStage s = RateLimitStage.builder("api").clock(clock)
                .limit(apiKey(OnMissing.SKIP, rate(5, Duration.ofMinutes(1)))).build();
        SeawallMeters.bind(registry, s);
        Admission a = s.admit(from("192.0.2.1").header("X-API-Key", "super-secret-key"), 0);
        assertThat(a.admitted()).isTrue();
        assertThat(headers(a).toString()).doesNotContain("super-secret-key");
        registry.getMeters().forEach(m -> assertThat(m.getId().toString()).doesNotContain("super-secret"));
        // the limit view exposes counts only
        assertThat(s.limits().get(0).kind()).isEqualTo(KeyKind.API_KEY);
    }

    @Test
    void decisionsAreCountedByOutcome() {
        RateLimitStage s = bind(stage().limit(ip(rate(1, Duration.ofMinutes(1))))
                .limit(apiKey(OnMissing.REJECT, rate(5, Duration.ofMinutes(1)))).build());
        s.admit(from("192.0.2.1").header("X-API-Key", "k"), 0); // admitted by both
        s.admit(from("192.0.2.1").header("X-API-Key", "k"), 0); // ip rejects
        s.admit(from("192.0.2.2"), 0);                          // ip admits, api-key missing: ip refunded
        s.admit(from("192.0.2.3").header("X-API-Key", "a b"), 0); // invalid
        assertThat(meters.get("seawall.ratelimit.decisions").tags("policy", "api", "limit", "ip", "outcome", "admitted")
                .functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("seawall.ratelimit.decisions").tags("limit", "ip", "outcome", "rejected").functionCounter().count())
                .isEqualTo(1);
        assertThat(meters.get("seawall.ratelimit.decisions").tags("limit", "api-key", "outcome", "missing").functionCounter()
                .count()).isEqualTo(1);
        assertThat(meters.get("seawall.ratelimit.decisions").tags("limit", "api-key", "outcome", "invalid").functionCounter()
                .count()).isEqualTo(1);
        LimitView ipView = s.limits().get(0);
        assertThat(ipView.admitted()).isEqualTo(1);
        assertThat(ipView.rejected()).isEqualTo(1);
    }

    @Test
    void manyThreadsOnOneKeyNeverGetMoreThanTheBucketHolds() throws Exception {
        RateLimitStage s = bind(stage().limit(ip(rate(1_000, Duration.ofHours(1)))).build());
        int threads = 8;
        int perThread = 500;
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        if (s.admit(from("192.0.2.1"), 0).admitted()) {
                            admitted.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get()).isEqualTo(1_000);
    }

    @Test
    void concurrentRejectionsByASecondLimitGiveEveryFirstLimitTokenBack() throws Exception {
        RateLimitStage s = bind(stage().limit(ip(rate(100_000, Duration.ofHours(1))))
                .limit(apiKey(OnMissing.SKIP, rate(10, Duration.ofHours(1)))).build());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger admitted = new AtomicInteger();
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 1_000; i++) {
                        if (s.admit(from("192.0.2.1").header("X-API-Key", "one-key"), 0).admitted()) {
                            admitted.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get()).isEqualTo(10);
        // 7,990 rejected requests cost the ip limit nothing: exactly 10 tokens are gone
        Admission next = s.admit(from("192.0.2.1"), 0);
        assertThat(headers(next).get("RateLimit")).startsWith("\"ip\";r=" + (100_000 - 11) + ";");
    }

    @Test
    void worksInsideAChainAndReleaseThroughTheExchangeRefunds() {
        RateLimitStage s = bind(stage().limit(ip(rate(1, Duration.ofHours(1)))).build());
        Exchange ex = ChainBuilder.create().add(s).build().admit(from("192.0.2.1"), 0);
        assertThat(ex.admitted()).isTrue();
        ex.release();
        assertThat(s.admit(from("192.0.2.1"), 0).admitted()).isTrue();
    }

    @Test
    void builderRefusesBadInputNamingTheField() {
        assertThatThrownBy(() -> RateLimitStage.builder("Bad Name")).hasMessageContaining("policyName");
        assertThatThrownBy(() -> stage().build()).hasMessageContaining("at least one limit");
        assertThatThrownBy(() -> stage().limit(ip(rate(1, Duration.ofSeconds(1)))).limit(ip(rate(1, Duration.ofSeconds(1)))))
                .hasMessageContaining("two limits are named ip");
        assertThatThrownBy(() -> LimitSpec.builder("ip", new ClientIpResolver(TrustedProxies.none(), 64)).build())
                .hasMessageContaining("rates");
        assertThatThrownBy(() -> LimitSpec.builder("x", new ApiKeyResolver(null)).rates(List.of(rate(1, Duration.ofSeconds(1))))
                .plan("pro", List.of(rate(2, Duration.ofSeconds(1)))).build()).hasMessageContaining("planResolver");
        assertThatThrownBy(() -> LimitSpec.builder("x", new ApiKeyResolver(null)).maxKeys(0)).hasMessageContaining("maxKeys");
    }
}
