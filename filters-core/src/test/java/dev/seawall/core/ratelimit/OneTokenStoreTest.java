package dev.seawall.core.ratelimit;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.github.bucket4j.ConsumptionProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A third-party store that only knows one token at a time (the default {@link BucketStore.Buckets#tryConsume}): a
 * cost is taken whole or given back, the work is bounded by what the bucket holds, and the wait Seawall answers with
 * is for the whole cost, the same as the local store's atomic take.
 */
class OneTokenStoreTest {

    private static final long TOKEN = TimeUnit.MILLISECONDS.toNanos(100); // 10 per second
    private static final String KEY = "192.0.2.1";

    private final ManualClock clock = new ManualClock();
    private final AtomicInteger takes = new AtomicInteger();
    private final AtomicInteger refunds = new AtomicInteger();
    /** Tokens another request takes between this request's first and second take, or 0. */
    private final AtomicInteger raceAfterFirstTake = new AtomicInteger();

    /** Keeps its buckets in the local store, but offers Seawall only the one-token calls. */
    private final BucketStore oneToken = new BucketStore() {
        @Override
        public Buckets buckets(BucketSpec spec) {
            Buckets local = LocalBucketStore.INSTANCE.buckets(spec);
            return new Buckets() {
                @Override
                public ConsumptionProbe tryConsumeOne(Object key) {
                    ConsumptionProbe p = local.tryConsumeOne(key);
                    if (takes.incrementAndGet() == 1 && raceAfterFirstTake.get() > 0) {
                        assertThat(local.tryConsume(key, raceAfterFirstTake.get()).isConsumed()).isTrue();
                    }
                    return p;
                }

                @Override
                public void refundOne(Object key) {
                    refunds.incrementAndGet();
                    local.refundOne(key);
                }

                @Override
                public long trackedKeys() {
                    return local.trackedKeys();
                }
            };
        }

        @Override
        public String describe() {
            return "one token at a time";
        }
    };

    private Tier tier(BucketStore store) {
        return new Tier("p", "ip", "default", List.of(new Rate(10, Duration.ofSeconds(1))), 10, clock, store);
    }

    /** Spends {@code n} tokens of the key without counting them as the store's calls. */
    private void spend(Tier t, long n) {
        assertThat(t.buckets.tryConsume(KEY, n).isConsumed()).isTrue();
        takes.set(0);
        refunds.set(0);
    }

    @Test
    void onlyAStoreWithoutItsOwnTryConsumeHasItsWaitsCompleted() {
        assertThat(Tier.usesDefaultTryConsume(tier(oneToken).buckets)).isTrue();
        assertThat(Tier.usesDefaultTryConsume(tier(LocalBucketStore.INSTANCE).buckets)).isFalse();
    }

    @Test
    void aCostTheBucketHoldsIsTakenWhole() {
        Tier t = tier(oneToken);
        ConsumptionProbe p = t.tryConsume(KEY, 4);
        assertThat(p.isConsumed()).isTrue();
        assertThat(p.getRemainingTokens()).isEqualTo(6);
        assertThat(takes.get()).isEqualTo(4);
        assertThat(refunds.get()).isZero();
    }

    @Test
    void aCostTheBucketCannotCoverFailsFastAndSpendsNothing() {
        Tier t = tier(oneToken);
        spend(t, 4); // 6 left
        ConsumptionProbe p = t.tryConsume(KEY, 8);
        assertThat(p.isConsumed()).isFalse();
        assertThat(p.getRemainingTokens()).isEqualTo(6);
        assertThat(takes.get()).as("one take told it the other 7 were not there").isEqualTo(1);
        assertThat(refunds.get()).isEqualTo(1);
        // the wait is for the 2 missing tokens, as the local store's atomic take says
        assertThat(p.getNanosToWaitForRefill()).isEqualTo(2 * TOKEN);
        Tier local = tier(LocalBucketStore.INSTANCE);
        assertThat(local.tryConsume(KEY, 4).isConsumed()).isTrue();
        assertThat(local.tryConsume(KEY, 8).getNanosToWaitForRefill()).isEqualTo(2 * TOKEN);
        // nothing was spent: all 6 are still there
        assertThat(t.buckets.tryConsume(KEY, 6).isConsumed()).isTrue();
    }

    @Test
    void anEmptyBucketCostsOneCallAndWaitsForTheWholeCost() {
        Tier t = tier(oneToken);
        Tier local = tier(LocalBucketStore.INSTANCE);
        spend(t, 10);
        assertThat(local.tryConsume(KEY, 10).isConsumed()).isTrue();
        clock.advance(Duration.ofMillis(50)); // half of the next token under way
        ConsumptionProbe p = t.tryConsume(KEY, 3);
        assertThat(p.isConsumed()).isFalse();
        assertThat(takes.get()).isEqualTo(1);
        assertThat(refunds.get()).isZero();
        long atomic = local.tryConsume(KEY, 3).getNanosToWaitForRefill();
        assertThat(atomic).isEqualTo(TOKEN / 2 + 2 * TOKEN);
        assertThat(p.getNanosToWaitForRefill()).as("not the wait for one token").isEqualTo(atomic);
    }

    @Test
    void aPartialTakeLostToAConcurrentRequestIsGivenBack() {
        Tier t = tier(oneToken);
        spend(t, 5); // 5 left: enough for a cost of 4 when the first take looks
        raceAfterFirstTake.set(3); // then another request takes 3 of the 4 left
        ConsumptionProbe p = t.tryConsume(KEY, 4);
        assertThat(p.isConsumed()).isFalse();
        assertThat(takes.get()).as("bounded by what the bucket held").isEqualTo(3);
        assertThat(refunds.get()).as("both tokens it had taken").isEqualTo(2);
        assertThat(p.getRemainingTokens()).isEqualTo(2);
        assertThat(p.getNanosToWaitForRefill()).as("until 4 are there: 2 more tokens").isEqualTo(2 * TOKEN);
        assertThat(t.buckets.tryConsume(KEY, 2).isConsumed()).as("the 2 given back").isTrue();
        assertThat(t.buckets.tryConsumeOne(KEY).isConsumed()).isFalse();
    }

    @Test
    void theStageAnswersAThirdPartyStoresRefusalLikeTheLocalStores() {
        for (BucketStore store : List.of(oneToken, LocalBucketStore.INSTANCE)) {
            RateLimitStage s = RateLimitStage.builder("api").clock(clock)
                    .limit(LimitSpec.builder("ip", new ClientIpResolver(TrustedProxies.none(), 64))
                            .rates(List.of(new Rate(10, Duration.ofMinutes(1))))
                            .cost(new RequestCost(Map.of("POST", 4L), 1, null)).store(store).build())
                    .build();
            FakeRequest post = FakeRequest.get("/api").method("POST").from("192.0.2.1");
            assertThat(s.admit(post, clock.nanoTime()).admitted()).isTrue();
            assertThat(s.admit(post, clock.nanoTime()).admitted()).isTrue();
            Admission third = s.admit(post, clock.nanoTime());
            assertThat(third.admitted()).isFalse();
            Map<String, String> h = new LinkedHashMap<>();
            third.rejection().headers().forEach(x -> h.put(x.name(), x.value()));
            assertThat(h.get("Retry-After")).as(store.describe() + ": two tokens more, one every 6 s").isEqualTo("12");
            assertThat(h.get("RateLimit")).as(store.describe()).isEqualTo("\"ip\";r=2;t=48");
        }
    }

    @Test
    void aCostOfOneIsOneCall() {
        Tier t = tier(oneToken);
        spend(t, 10);
        ConsumptionProbe p = t.tryConsume(KEY, 1);
        assertThat(p.isConsumed()).isFalse();
        assertThat(p.getNanosToWaitForRefill()).isEqualTo(TOKEN);
        assertThat(takes.get()).isEqualTo(1);
    }
}
