package dev.seawall.core.ratelimit;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rate limits in shadow mode, and requests costing more than one token. */
class ShadowAndCostTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private static LimitSpec.Builder ip(String name, long tokens) {
        return LimitSpec.builder(name, new ClientIpResolver(TrustedProxies.none(), 64))
                .rates(List.of(new Rate(tokens, Duration.ofMinutes(1))));
    }

    private RateLimitStage stage(LimitSpec... limits) {
        RateLimitStage.Builder b = RateLimitStage.builder("api").clock(clock);
        for (LimitSpec l : limits) {
            b.limit(l);
        }
        return SeawallMeters.bind(meters, b.build());
    }

    private Admission admit(RateLimitStage s, FakeRequest r) {
        return s.admit(r, clock.nanoTime());
    }

    private static FakeRequest get() {
        return FakeRequest.get("/api").from("192.0.2.1");
    }

    private static FakeRequest post() {
        return FakeRequest.get("/api").method("POST").from("192.0.2.1");
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

    private double decisions(String limit, String outcome) {
        return meters.get("seawall.ratelimit.decisions").tag("limit", limit).tag("outcome", outcome).functionCounter().count();
    }

    @Test
    void aShadowLimitRefusesNothingCountsWhatItWouldRefuseAndTellsTheClientNothing() {
        RateLimitStage s = stage(ip("ip", 2).shadow(true).build());
        for (int i = 0; i < 5; i++) {
            Admission a = admit(s, get());
            assertThat(a.admitted()).as("request " + i).isTrue();
            assertThat(headers(a)).as("no rate-limit header for a limit that is not enforced").isEmpty();
            a.permit().complete(null);
        }
        assertThat(s.limits().get(0).shadow()).isTrue();
        assertThat(s.limits().get(0).admitted()).isEqualTo(2);
        assertThat(s.limits().get(0).wouldReject()).isEqualTo(3);
        assertThat(s.limits().get(0).rejected()).isZero();
        assertThat(decisions("ip", "would-reject")).isEqualTo(3);
    }

    @Test
    void aRequestAShadowLimitWouldRefuseSpendsNothingSoTheCountIsWhatEnforcingWouldRefuse() {
        RateLimitStage shadow = stage(ip("ip", 2).shadow(true).build());
        RateLimitStage enforced = stage(ip("ip", 2).build());
        int refused = 0;
        for (int second = 0; second < 120; second += 5) { // one request every 5 s for 2 min, then a burst
            assertThat(admit(shadow, get()).admitted()).isTrue();
            if (!admit(enforced, get()).admitted()) {
                refused++;
            }
            clock.advance(Duration.ofSeconds(5));
        }
        for (int i = 0; i < 10; i++) {
            admit(shadow, get());
            if (!admit(enforced, get()).admitted()) {
                refused++;
            }
        }
        assertThat(shadow.limits().get(0).wouldReject()).isEqualTo(refused).isPositive();
        assertThat(shadow.limits().get(0).admitted()).isEqualTo(enforced.limits().get(0).admitted());
        // after a flood the shadow bucket is empty, not in debt: one token is back after 30 s
        clock.advance(Duration.ofSeconds(30));
        long admittedBefore = shadow.limits().get(0).admitted();
        admit(shadow, get());
        assertThat(shadow.limits().get(0).admitted()).isEqualTo(admittedBefore + 1);
    }

    @Test
    void enforcedAndShadowLimitsMixInOnePolicyAndOnlyTheEnforcedOneIsDescribedOrRefuses() {
        RateLimitStage s = stage(ip("trial", 1).shadow(true).build(), ip("ip", 3).build());
        for (int i = 0; i < 3; i++) {
            Admission a = admit(s, get());
            assertThat(a.admitted()).isTrue();
            Map<String, String> h = headers(a);
            assertThat(h.get("RateLimit-Policy")).isEqualTo("\"ip\";q=3;w=60");
            assertThat(h.get("RateLimit")).startsWith("\"ip\";r=" + (2 - i) + ";");
        }
        Admission fourth = admit(s, get());
        assertThat(fourth.rejection().status()).isEqualTo(429);
        assertThat(fourth.rejection().detail()).contains("'ip'").doesNotContain("trial");
        assertThat(s.limits().get(0).wouldReject()).isEqualTo(3);
        assertThat(s.limits().get(0).admitted()).isEqualTo(1);
        assertThat(s.limits().get(1).rejected()).isEqualTo(1);
    }

    @Test
    void aShadowLimitLetsARequestWithoutItsIdentityPassAndCountsIt() {
        RateLimitStage s = stage(LimitSpec.builder("api-key", new ApiKeyResolver(null))
                .rates(List.of(new Rate(5, Duration.ofMinutes(1)))).onMissing(OnMissing.REJECT).shadow(true).build());
        assertThat(admit(s, get()).admitted()).isTrue();
        assertThat(s.limits().get(0).missing()).isEqualTo(1);
    }

    @Test
    void aCostByMethodSpendsSeveralTokensAndTheHeadersAndRetryAfterSayItInTokens() {
        RateLimitStage s = stage(ip("ip", 10).cost(new RequestCost(Map.of("POST", 4L), 1, null)).build());
        assertThat(headers(admit(s, post())).get("RateLimit")).isEqualTo("\"ip\";r=6;t=24");
        assertThat(headers(admit(s, post())).get("RateLimit")).isEqualTo("\"ip\";r=2;t=48");
        Admission third = admit(s, post());
        assertThat(third.admitted()).isFalse();
        Map<String, String> h = headers(third);
        assertThat(h.get("Retry-After")).as("two tokens more are needed, one every 6 s").isEqualTo("12");
        assertThat(h.get("RateLimit")).isEqualTo("\"ip\";r=2;t=48");
        assertThat(headers(admit(s, get())).get("RateLimit")).as("a GET costs one").isEqualTo("\"ip\";r=1;t=54");
    }

    @Test
    void aReleasedPermitGivesTheWholeCostBack() {
        RateLimitStage s = stage(ip("ip", 10).cost(new RequestCost(Map.of("POST", 4L), 1, null)).build());
        Permit p = admit(s, post()).permit();
        Map<String, String> released = new LinkedHashMap<>();
        p.writeReleasedHeaders(released::put);
        assertThat(released.get("RateLimit")).isEqualTo("\"ip\";r=10;t=0");
        p.release();
        assertThat(headers(admit(s, post())).get("RateLimit")).isEqualTo("\"ip\";r=6;t=24");
    }

    @Test
    void severalLimitsTakeEachItsCostAndARefusalRefundsTheEarlierOnesCost() {
        RateLimitStage s = stage(ip("a", 10).cost(new RequestCost(Map.of("POST", 5L), 1, null)).build(),
                ip("b", 3).build());
        for (int i = 0; i < 3; i++) {
            assertThat(admit(s, get()).admitted()).isTrue();
        }
        Admission refused = admit(s, post());
        assertThat(refused.admitted()).isFalse();
        assertThat(headers(refused).get("RateLimit")).as("a's 5 tokens given back").startsWith("\"a\";r=7;");
        assertThat(headers(admit(s, FakeRequest.get("/api").method("POST").from("192.0.2.2"))).get("RateLimit"))
                .startsWith("\"a\";r=5;");
    }

    @Test
    void aCostAttributeSetByTheApplicationIsSpentAndABadOneFallsBackToTheMethodCostCounted() {
        RateLimitStage s = stage(ip("ip", 20).cost(new RequestCost(Map.of(), 2, "seawall.cost")).build());
        assertThat(headers(admit(s, get().attribute("seawall.cost", 7))).get("RateLimit")).startsWith("\"ip\";r=13;");
        assertThat(headers(admit(s, get().attribute("seawall.cost", "3"))).get("RateLimit")).startsWith("\"ip\";r=10;");
        assertThat(headers(admit(s, get())).get("RateLimit")).as("absent: the default").startsWith("\"ip\";r=8;");
        assertThat(headers(admit(s, get().attribute("seawall.cost", "lots"))).get("RateLimit")).startsWith("\"ip\";r=6;");
        assertThat(headers(admit(s, get().attribute("seawall.cost", 0))).get("RateLimit")).startsWith("\"ip\";r=4;");
        assertThat(headers(admit(s, get().attribute("seawall.cost", 2.5))).get("RateLimit")).startsWith("\"ip\";r=2;");
        assertThat(s.limits().get(0).costDefaulted()).isEqualTo(4);
        assertThat(meters.get("seawall.ratelimit.cost.defaulted").functionCounter().count()).isEqualTo(4);
    }

    @Test
    void aCostAttributeAboveWhatTheBucketHoldsIsRefusedWithoutRetryAfterAndSpendsNothing() {
        RateLimitStage s = stage(ip("ip", 10).cost(new RequestCost(Map.of(), 1, "seawall.cost")).build());
        Admission a = admit(s, get().attribute("seawall.cost", 11));
        Rejection r = a.rejection();
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.headers()).noneMatch(h -> h.name().equals("Retry-After"));
        assertThat(r.detail()).contains("costs more tokens than the rate limit 'ip' of policy 'api' holds");
        assertThat(headers(admit(s, get())).get("RateLimit")).startsWith("\"ip\";r=9;");
        RateLimitStage shadow = stage(ip("ip", 10).cost(new RequestCost(Map.of(), 1, "seawall.cost")).shadow(true)
                .build());
        assertThat(admit(shadow, get().attribute("seawall.cost", 11)).admitted()).isTrue();
        assertThat(shadow.limits().get(0).wouldReject()).isEqualTo(1);
    }

    @Test
    void aMethodCostThatNoBucketCouldHoldIsRefusedWhenTheLimitIsBuilt() {
        assertThatThrownBy(() -> ip("ip", 10).cost(new RequestCost(Map.of("POST", 11L), 1, null)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cost of 11");
        assertThatThrownBy(() -> ip("ip", 10).plan("free", List.of(new Rate(2, Duration.ofMinutes(1))))
                .planResolver((kind, identity) -> null).cost(new RequestCost(Map.of(), 3, null)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plan free");
    }

    @Test
    void hostileCostsAreRefused() {
        assertThatThrownBy(() -> new RequestCost(Map.of("POST", 0L), 1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequestCost(Map.of("post", 2L), 1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequestCost(Map.of(), RequestCost.MAX + 1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequestCost(Map.of(), 1, " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RequestCost.attributeCost("99999999999999999999")).isEqualTo(RequestCost.INVALID);
        assertThat(RequestCost.attributeCost("-3")).isEqualTo(RequestCost.INVALID);
        assertThat(RequestCost.attributeCost(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }
}
