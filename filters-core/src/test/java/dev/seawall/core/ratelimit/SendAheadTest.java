package dev.seawall.core.ratelimit;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.github.bucket4j.ConsumptionProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store that sends ahead ({@link BucketStore.Buckets#sendsAhead}, like Redis) gets every limit's take of a
 * request before the first answer is awaited, and the stage's decisions, headers, counts and buckets are exactly
 * those of the limit-by-limit walk over a store that does not.
 */
class SendAheadTest {

    private final ManualClock clock = new ManualClock();
    /** What the sending-ahead store saw, in order: "send" and "join" per take. */
    private final List<String> events = new ArrayList<>();

    /** Local buckets behind a store that takes when asked and gives the answer when joined. */
    private final BucketStore ahead = new BucketStore() {
        @Override
        public Buckets buckets(BucketSpec spec) {
            Buckets local = LocalBucketStore.INSTANCE.buckets(spec);
            return new Buckets() {
                @Override
                public ConsumptionProbe tryConsumeOne(Object key) {
                    return local.tryConsumeOne(key);
                }

                @Override
                public ConsumptionProbe tryConsume(Object key, long tokens) {
                    return local.tryConsume(key, tokens);
                }

                @Override
                public Pending tryConsumeAhead(Object key, long tokens) {
                    events.add("send");
                    ConsumptionProbe p = local.tryConsume(key, tokens);
                    return () -> {
                        events.add("join");
                        return p;
                    };
                }

                @Override
                public boolean sendsAhead() {
                    return true;
                }

                @Override
                public void refundOne(Object key) {
                    local.refundOne(key);
                }

                @Override
                public void refund(Object key, long tokens) {
                    local.refund(key, tokens);
                }

                @Override
                public long trackedKeys() {
                    return local.trackedKeys();
                }
            };
        }

        @Override
        public String describe() {
            return "sends ahead";
        }
    };

    private RateLimitStage stage(String policy, BucketStore store) {
        ClientIpResolver ip = new ClientIpResolver(TrustedProxies.none(), 64);
        return RateLimitStage.builder(policy).clock(clock)
                .limit(LimitSpec.builder("ip", ip).rates(List.of(new Rate(6, Duration.ofSeconds(1)))).store(store)
                        .build())
                .limit(LimitSpec.builder("watch", ip).rates(List.of(new Rate(3, Duration.ofSeconds(1))))
                        .shadow(true).store(store).build())
                .limit(LimitSpec.builder("key", new ApiKeyResolver("X-API-Key"))
                        .rates(List.of(new Rate(4, Duration.ofSeconds(1)), new Rate(200, Duration.ofMinutes(1))))
                        .onMissing(OnMissing.REJECT).cost(new RequestCost(Map.of("POST", 2L), 1, "cost"))
                        .store(store).build())
                .build();
    }

    private static Map<String, String> outcome(Admission a) {
        Map<String, String> h = new LinkedHashMap<>();
        if (a.admitted()) {
            h.put(":status", "admitted");
            a.permit().writeHeaders(h::put);
        } else {
            h.put(":status", String.valueOf(a.rejection().status()));
            a.rejection().headers().forEach(x -> h.put(x.name(), x.value()));
        }
        return h;
    }

    @Test
    void decisionsHeadersAndCountsAreTheWalks() {
        RateLimitStage walk = stage("walk", LocalBucketStore.INSTANCE);
        RateLimitStage sent = stage("sent", ahead);
        Random random = new Random(7);
        String[] ips = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};
        String[] keys = {"k1", "k2", null};
        int admitted = 0;
        int refused = 0;
        for (int i = 0; i < 2_000; i++) {
            FakeRequest r = FakeRequest.get("/api").from(ips[random.nextInt(ips.length)])
                    .method(random.nextInt(4) == 0 ? "POST" : "GET");
            String key = keys[random.nextInt(keys.length)];
            if (key != null) {
                r.header("X-API-Key", key);
            }
            if (random.nextInt(10) == 0) {
                r.attribute("cost", random.nextInt(6) + 1L); // up to 6: more than the key limit's 4 holds
            }
            boolean release = random.nextInt(5) == 0;
            events.clear();
            Admission a = walk.admit(r, clock.nanoTime());
            Admission b = sent.admit(r, clock.nanoTime());
            assertThat(outcome(b)).as("request %d", i).isEqualTo(outcome(a));
            int sends = (int) events.stream().filter("send"::equals).count();
            assertThat(events.subList(0, sends)).as("request %d: every take sent before any is awaited", i)
                    .allMatch("send"::equals);
            if (a.admitted()) {
                admitted++;
                if (release) {
                    a.permit().release();
                    b.permit().release();
                } else {
                    a.permit().complete(null);
                    b.permit().complete(null);
                }
            } else {
                refused++;
            }
            clock.advance(Duration.ofMillis(random.nextInt(120)));
        }
        assertThat(admitted).isGreaterThan(300);
        assertThat(refused).isGreaterThan(300);
        for (int l = 0; l < 3; l++) {
            for (Decision d : Decision.values()) {
                assertThat(sent.limits().get(l).count(d)).as("limit %d %s", l, d)
                        .isEqualTo(walk.limits().get(l).count(d));
            }
        }
    }

    @Test
    void aRefusalBeforeAnyTakeIsAwaitedGivesBackWhatWasSent() {
        RateLimitStage sent = stage("sent", ahead);
        // the key limit rejects a request without X-API-Key (on-missing: reject) after the ip limits were sent
        Admission a = sent.admit(FakeRequest.get("/api").from("192.0.2.9"), clock.nanoTime());
        assertThat(a.admitted()).isFalse();
        assertThat(a.rejection().status()).isEqualTo(401);
        assertThat(events).containsExactly("send", "send", "join", "join");
        // nothing stayed taken: six requests with a key still pass the ip limit of 6
        for (int i = 0; i < 4; i++) {
            assertThat(sent.admit(FakeRequest.get("/api").from("192.0.2.9").header("X-API-Key", "k" + i),
                    clock.nanoTime()).admitted()).as("request %d", i).isTrue();
        }
    }
}
