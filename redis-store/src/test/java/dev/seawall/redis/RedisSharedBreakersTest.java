package dev.seawall.redis;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.breaker.SharedBreakerState;
import dev.seawall.core.chain.Admission;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.NanoClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Shared breakers on a real Redis: several "nodes" (each its own store, with its own connections and subscription,
 * and its own breaker) in one JVM, on the system clock, since messages travel in real time.
 */
class RedisSharedBreakersTest {

    private static final int MINIMUM_CALLS = 4;
    private static final NanoClock CLOCK = NanoClock.system();

    private EmbeddedRedis redis;
    private final List<RedisBucketStore> stores = new ArrayList<>();
    private RedisClient raw;
    private StatefulRedisConnection<String, String> rawConnection;

    @BeforeEach
    void start() {
        redis = EmbeddedRedis.start();
        raw = RedisClient.create(redis.uri());
        rawConnection = raw.connect();
    }

    @AfterEach
    void stop() {
        rawConnection.close();
        raw.shutdown();
        stores.forEach(RedisBucketStore::close);
        redis.close();
    }

    /** One node: a store of its own and the breaker {@code name}, shared through it. */
    private final class Node {
        final RedisBucketStore store;
        final Breaker breaker;
        final BreakerStage stage;
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();

        Node(String name, Duration openFor, int halfOpenCalls) {
            store = new RedisBucketStore(RedisTestSupport.config(redis.uri(), RedisStoreSettings.OnFailure.LOCAL, 1),
                    CLOCK, meters, false);
            stores.add(store);
            breaker = Breaker.builder(name).minimumCalls(MINIMUM_CALLS).windowCalls(10).openFor(openFor)
                    .halfOpenCalls(halfOpenCalls).build();
            breaker.shareThrough(store.sharedBreakers());
            stage = BreakerStage.builder("pay", breaker).build();
            SeawallMeters.bind(meters, stage);
            await().atMost(Duration.ofSeconds(5)).until(store.sharedBreakers()::subscribed);
        }

        Node() {
            this("payments", Duration.ofSeconds(30), 2);
        }

        Admission admit() {
            return stage.admit(FakeRequest.get("/pay"), CLOCK.nanoTime());
        }

        boolean call(int status) {
            Admission a = admit();
            if (a.admitted()) {
                complete(a, status);
            }
            return a.admitted();
        }

        void failUntilOpen() {
            for (int i = 0; i < MINIMUM_CALLS; i++) {
                call(500);
            }
            assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        }

        double degraded() {
            return meters.get("seawall.breaker.shared.degraded").gauge().value();
        }
    }

    private static void complete(Admission a, int status) {
        a.permit().complete(new Outcome(status, null, CLOCK.nanoTime(), CLOCK.nanoTime(), false));
    }

    @Test
    void aBreakerOpenedByFailuresOnOneNodeRefusesOnTheOthersWithinASecond() {
        Node a = new Node();
        Node b = new Node();
        Node c = new Node();
        assertThat(b.call(200)).isTrue();
        a.failUntilOpen();
        for (Node n : List.of(b, c)) {
            await().atMost(Duration.ofSeconds(1)).until(() -> n.breaker.state() == CircuitBreaker.State.OPEN);
            Admission refused = n.admit();
            assertThat(refused.rejection().status()).isEqualTo(503);
            assertThat(refused.rejection().extensions()).containsEntry("breaker", "payments");
        }
        assertThat(rawConnection.sync().get("seawall-test:brk:{payments}")).isEqualTo("1:1");
        assertThat(b.breaker.failures()).isZero(); // B opened on A's judgement, not on failures of its own
    }

    @Test
    void halfOpenProbesAreLimitedAcrossTheFleetAndTheirResultsReachEveryNode() {
        int halfOpenCalls = 3;
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            nodes.add(new Node("payments", Duration.ofSeconds(1), halfOpenCalls));
        }
        nodes.get(0).failUntilOpen();
        for (Node n : nodes) {
            await().atMost(Duration.ofSeconds(1)).until(() -> n.breaker.state() == CircuitBreaker.State.OPEN);
        }
        // every node asks, in turns, until the open period ends and the fleet's permits are all taken
        List<Admission> probes = new ArrayList<>();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            for (Node n : nodes) {
                Admission a = n.admit();
                if (a.admitted()) {
                    probes.add(a);
                }
            }
            return probes.size() >= halfOpenCalls;
        });
        for (int round = 0; round < 20; round++) {
            for (Node n : nodes) {
                Admission a = n.admit();
                if (a.admitted()) {
                    probes.add(a);
                }
            }
        }
        assertThat(probes).hasSize(halfOpenCalls); // not halfOpenCalls per node: 4 nodes, 3 probes in all
        for (Admission p : probes) {
            complete(p, 200);
        }
        for (Node n : nodes) {
            await().atMost(Duration.ofSeconds(1)).until(() -> n.breaker.state() == CircuitBreaker.State.CLOSED);
            assertThat(n.call(200)).isTrue();
        }
        assertThat(rawConnection.sync().get("seawall-test:brk:{payments}")).isEqualTo("2:0");
    }

    @Test
    void aReleasedProbeGivesItsPermitBackAndAFailedProbeReopensEveryNode() {
        Node a = new Node("payments", Duration.ofSeconds(1), 1);
        Node b = new Node("payments", Duration.ofSeconds(1), 1);
        a.failUntilOpen();
        await().atMost(Duration.ofSeconds(1)).until(() -> b.breaker.state() == CircuitBreaker.State.OPEN);
        Admission probe = await().atMost(Duration.ofSeconds(5)).until(a::admit, Admission::admitted);
        assertThat(b.admit().admitted()).isFalse();
        probe.permit().release(); // a later stage refused it: it never reached the dependency
        Admission second = await().atMost(Duration.ofSeconds(1)).until(b::admit, Admission::admitted);
        complete(second, 503);
        assertThat(rawConnection.sync().get("seawall-test:brk:{payments}")).isEqualTo("2:1");
        await().atMost(Duration.ofSeconds(1)).until(() -> a.breaker.state() == CircuitBreaker.State.OPEN);
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void oldMessagesAreIgnored() {
        Node a = new Node();
        Node b = new Node();
        Node marker = new Node("marker", Duration.ofSeconds(30), 2);
        a.failUntilOpen();
        a.breaker.close(); // generation 2, closed
        await().atMost(Duration.ofSeconds(1)).until(() -> b.breaker.state() == CircuitBreaker.State.CLOSED);
        // the first opening, delivered late, then a message for another breaker: messages arrive in order, so once
        // the marker's arrived, the old one was handled
        rawConnection.sync().publish("seawall-test:brk", "payments 1 1");
        rawConnection.sync().publish("seawall-test:brk", "payments 2 7"); // no such phase: ignored
        rawConnection.sync().publish("seawall-test:brk", "not a message");
        rawConnection.sync().publish("seawall-test:brk", "marker 1 2");
        await().atMost(Duration.ofSeconds(1)).until(() -> marker.breaker.state() == CircuitBreaker.State.FORCED_OPEN);
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(b.call(200)).isTrue();
    }

    @Test
    void forcedOpenAndClosedApplyToEveryNode() {
        Node a = new Node();
        Node b = new Node();
        a.breaker.forceOpen();
        await().atMost(Duration.ofSeconds(1)).until(() -> b.breaker.state() == CircuitBreaker.State.FORCED_OPEN);
        assertThat(b.admit().admitted()).isFalse();
        b.breaker.close();
        await().atMost(Duration.ofSeconds(1)).until(() -> a.breaker.state() == CircuitBreaker.State.CLOSED);
        assertThat(a.call(200)).isTrue();
        assertThat(rawConnection.sync().get("seawall-test:brk:{payments}")).isEqualTo("2:0");
    }

    @Test
    void whileRedisIsDownEachNodeJudgesAloneAndSaysSoThenTheFleetConverges() {
        Node a = new Node();
        Node b = new Node();
        redis.stop();
        // A's window opens A; the opening cannot be published, and A says so
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            a.call(500);
            return a.breaker.state() == CircuitBreaker.State.OPEN && a.breaker.sharedDegraded();
        });
        assertThat(a.degraded()).isEqualTo(1.0);
        // B's dependency answers B: B stays closed, and finds out on its next read that it is alone
        await().atMost(Duration.ofSeconds(5)).until(() -> b.call(200) && b.breaker.sharedDegraded());
        assertThat(b.degraded()).isEqualTo(1.0);

        redis.startAgain(); // empty: the record is gone
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            a.admit();
            Admission x = b.admit();
            if (x.admitted()) {
                complete(x, 200);
            }
            return !a.breaker.sharedDegraded() && !b.breaker.sharedDegraded()
                    && b.breaker.state() == CircuitBreaker.State.OPEN;
        });
        assertThat(a.degraded()).isZero();
        assertThat(b.degraded()).isZero();
        assertThat(rawConnection.sync().get("seawall-test:brk:{payments}")).isEqualTo("1:1");
        // and messages flow again once the subscriptions are back
        await().atMost(Duration.ofSeconds(15)).until(() -> a.store.sharedBreakers().subscribed()
                && b.store.sharedBreakers().subscribed());
        a.breaker.close();
        await().atMost(Duration.ofSeconds(1)).until(() -> b.breaker.state() == CircuitBreaker.State.CLOSED);
    }

    @Test
    void oneBreakersKeysShareAHashTagAndTheRecordParsesOnlyWhatTheScriptWrites() {
        Node a = new Node();
        a.failUntilOpen();
        await().atMost(Duration.ofSeconds(1)).until(() -> rawConnection.sync().get("seawall-test:brk:{payments}")
                != null);
        assertThat(rawConnection.sync().keys("seawall-test:brk:*")).allMatch(k -> k.contains("{payments}"));
        assertThat(RedisSharedBreakers.parse(null)).isEqualTo(SharedBreakerState.State.INITIAL);
        assertThat(RedisSharedBreakers.parse("7:2".getBytes())).isEqualTo(
                new SharedBreakerState.State(7, SharedBreakerState.Phase.FORCED_OPEN));
        for (String bad : List.of("", ":1", "7", "7:9", "x:1", "7:-1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisSharedBreakers.parse(bad.getBytes()))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
