package dev.seawall.core.breaker;

import dev.seawall.core.breaker.SharedBreakerState.Phase;
import dev.seawall.core.breaker.SharedBreakerState.State;
import dev.seawall.core.chain.Admission;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared breakers over an in-memory store: several nodes in one JVM, on one manual clock. */
class SharedBreakerTest {

    private static final int MINIMUM_CALLS = 4;
    private static final int HALF_OPEN_CALLS = 2;

    private final ManualClock clock = new ManualClock();
    private final InMemorySharedBreakerState store = new InMemorySharedBreakerState();

    /** One node's breaker and stage, with its own meters. */
    private final class Node {
        final Breaker breaker = Breaker.builder("payments").minimumCalls(MINIMUM_CALLS).windowCalls(10)
                .openFor(Duration.ofSeconds(30)).halfOpenCalls(HALF_OPEN_CALLS).clock(clock).build();
        final BreakerStage stage = BreakerStage.builder("pay", breaker).build();
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();

        Node() {
            breaker.shareThrough(store);
            SeawallMeters.bind(meters, stage);
        }

        Admission admit() {
            return stage.admit(FakeRequest.get("/pay"), clock.nanoTime());
        }

        Admission call(int status) {
            Admission a = admit();
            if (a.admitted()) {
                a.permit().complete(new Outcome(status, null, clock.nanoTime(), clock.nanoTime(), false));
            }
            return a;
        }

        void failUntilOpen() {
            for (int i = 0; i < MINIMUM_CALLS; i++) {
                call(500);
            }
            assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        }

        double degradedGauge() {
            return meters.get("seawall.breaker.shared.degraded").tag("breaker", "payments").gauge().value();
        }
    }

    private static void complete(Admission a, int status, ManualClock clock) {
        a.permit().complete(new Outcome(status, null, clock.nanoTime(), clock.nanoTime(), false));
    }

    @Test
    void aBreakerOpenedByOneNodesWindowRefusesOnEveryNode() {
        Node a = new Node();
        Node b = new Node();
        Node c = new Node();
        a.failUntilOpen();
        assertThat(store.record("payments")).isEqualTo(new State(1, Phase.OPEN));
        for (Node n : List.of(b, c)) {
            assertThat(n.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
            Admission refused = n.admit();
            assertThat(refused.rejection().status()).isEqualTo(503);
            assertThat(refused.rejection().header("Retry-After")).isEqualTo("30");
        }
        // the other nodes never saw a failure: the opening is A's judgement alone
        assertThat(b.breaker.failures()).isZero();
        assertThat(a.degradedGauge()).isZero();
    }

    @Test
    void aLostMessageIsMadeUpForByTheNextReadWithinASecond() {
        Node a = new Node();
        Node b = new Node();
        store.dropMessages = true;
        a.failUntilOpen();
        assertThat(b.call(200).admitted()).isTrue(); // B read the record less than a second ago
        clock.advance(Duration.ofMillis(999));
        assertThat(b.admit().admitted()).isTrue();
        clock.advance(Duration.ofMillis(1));
        Admission refused = b.admit(); // this admission reads the record first, and is refused by it
        assertThat(refused.admitted()).isFalse();
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void halfOpenProbesAreLimitedAcrossTheFleetAndTheirResultsCloseEveryNode() {
        List<Node> nodes = List.of(new Node(), new Node(), new Node());
        nodes.get(0).failUntilOpen();
        clock.advance(Duration.ofMillis(30_001));
        List<Admission> probes = new ArrayList<>();
        int refused = 0;
        for (int round = 0; round < HALF_OPEN_CALLS; round++) {
            for (Node n : nodes) {
                Admission a = n.admit();
                if (a.admitted()) {
                    probes.add(a);
                } else {
                    refused++;
                }
            }
        }
        assertThat(probes).hasSize(HALF_OPEN_CALLS); // not HALF_OPEN_CALLS per node
        assertThat(refused).isEqualTo(3 * HALF_OPEN_CALLS - HALF_OPEN_CALLS);
        complete(probes.get(0), 200, clock);
        // one result decides nothing
        assertThat(nodes.get(2).breaker.state()).isNotEqualTo(CircuitBreaker.State.CLOSED);
        complete(probes.get(1), 200, clock);
        assertThat(store.record("payments")).isEqualTo(new State(2, Phase.CLOSED));
        for (Node n : nodes) {
            assertThat(n.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(n.call(200).admitted()).isTrue();
        }
    }

    @Test
    void failedProbesReopenEveryNodeForAFreshOpenPeriod() {
        Node a = new Node();
        Node b = new Node();
        a.failUntilOpen();
        clock.advance(Duration.ofMillis(30_001));
        Admission p1 = a.admit();
        Admission p2 = b.admit();
        assertThat(p1.admitted()).isTrue();
        assertThat(p2.admitted()).isTrue();
        complete(p1, 500, clock);
        complete(p2, 200, clock);
        assertThat(store.record("payments")).isEqualTo(new State(2, Phase.OPEN)); // 50% failed: open again
        for (Node n : List.of(a, b)) {
            assertThat(n.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
            assertThat(n.admit().rejection().header("Retry-After")).isEqualTo("30");
        }
    }

    @Test
    void aReleasedProbeGivesItsPermitBackAndAnExpiredLeaseLetsOthersProbe() {
        Node a = new Node();
        Node b = new Node();
        a.failUntilOpen();
        clock.advance(Duration.ofMillis(30_001));
        Admission p1 = a.admit();
        Admission p2 = a.admit();
        assertThat(b.admit().admitted()).isFalse();
        p1.permit().release(); // never reached the application
        Admission p3 = b.admit();
        assertThat(p3.admitted()).isTrue();
        assertThat(b.admit().admitted()).isFalse();
        // node A "crashes" holding p2: when the leases end, the fleet may probe again
        store.expireProbes();
        Admission p4 = b.admit();
        assertThat(p4.admitted()).isTrue();
        complete(p3, 200, clock);
        complete(p4, 200, clock);
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        complete(p2, 500, clock); // a late result of the old generation changes nothing
        assertThat(store.record("payments")).isEqualTo(new State(2, Phase.CLOSED));
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void oldOrRepeatedMessagesNeverUndoALaterState() {
        Node a = new Node();
        Node b = new Node();
        a.failUntilOpen();
        a.breaker.close(); // the operator closes the fleet: generation 2
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        store.deliver("payments", new State(1, Phase.OPEN)); // the first opening, delivered late
        store.deliver("payments", new State(2, Phase.CLOSED));
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(b.call(200).admitted()).isTrue();
    }

    @Test
    void operatorsForcingOpenAndClosedApplyToEveryNode() {
        Node a = new Node();
        Node b = new Node();
        b.breaker.forceOpen();
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
        assertThat(a.admit().admitted()).isFalse();
        clock.advance(Duration.ofMinutes(5));
        assertThat(a.admit().admitted()).isFalse(); // forced open has no end, reads keep it
        a.breaker.close();
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(b.call(200).admitted()).isTrue();
        assertThat(store.record("payments").phase()).isEqualTo(Phase.CLOSED);
    }

    @Test
    void whileTheStoreIsAwayEachNodeJudgesAloneAndSaysSoThenTheFleetConverges() {
        Node a = new Node();
        Node b = new Node();
        store.down = true;
        a.failUntilOpen(); // the opening cannot be published
        assertThat(a.degradedGauge()).isEqualTo(1.0);
        assertThat(a.breaker.sharedDegraded()).isTrue();
        assertThat(a.breaker.statusView(false)).extracting(BreakerStatus::shared, BreakerStatus::degraded)
                .containsExactly(true, true);
        assertThat(b.call(200).admitted()).isTrue(); // B judges alone, and its dependency answers it
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.call(200).admitted()).isTrue(); // B's read failed: B knows it is alone now
        assertThat(b.degradedGauge()).isEqualTo(1.0);

        store.down = false;
        clock.advance(Duration.ofSeconds(1));
        assertThat(a.admit().admitted()).isFalse(); // A reads the record, finds the fleet closed, publishes its opening
        assertThat(a.degradedGauge()).isZero();
        assertThat(store.record("payments")).isEqualTo(new State(1, Phase.OPEN));
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(b.admit().admitted()).isFalse(); // B's read succeeds too
        assertThat(b.degradedGauge()).isZero();
        assertThat(a.breaker.statusView(false)).extracting(BreakerStatus::shared, BreakerStatus::degraded)
                .containsExactly(true, false);
    }

    @Test
    void aLostRecordIsRebuiltFromTheNodesThatAreOpen() {
        Node a = new Node();
        Node b = new Node();
        a.breaker.forceOpen();
        a.breaker.close();
        a.failUntilOpen(); // generation 3, open on both
        store.forget(); // Redis restarted without its data: generations start again from 0
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.admit().admitted()).isFalse(); // B reads the lost record, and publishes the opening it follows
        assertThat(store.record("payments")).isEqualTo(new State(1, Phase.OPEN));
        a.breaker.close(); // generation 2: newer than the rebuilt record's, so every node takes it
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(store.record("payments")).isEqualTo(new State(2, Phase.CLOSED));
    }

    @Test
    void aHalfOpenNodeProbesAloneWhileTheStoreIsAway() {
        Node a = new Node();
        a.failUntilOpen();
        store.down = true;
        clock.advance(Duration.ofMillis(30_001));
        Admission p1 = a.admit();
        Admission p2 = a.admit();
        assertThat(p1.admitted()).isTrue();
        assertThat(p2.admitted()).isTrue();
        complete(p1, 200, clock);
        complete(p2, 200, clock);
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED); // its own probes decided
        assertThat(a.breaker.sharedDegraded()).isTrue();
    }

    @Test
    void aBreakerIsSharedOnceAndAnUnsharedOneHasNoDegradedGauge() {
        Node a = new Node();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.breaker.shareThrough(store))
                .isInstanceOf(IllegalStateException.class);
        Breaker alone = Breaker.builder("alone").clock(clock).build();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SeawallMeters.bind(meters, BreakerStage.builder("p", alone).build());
        assertThat(alone.isShared()).isFalse();
        assertThat(meters.find("seawall.breaker.shared.degraded").gauge()).isNull();
        a.breaker.unshare();
        store.deliver("payments", new State(5, Phase.FORCED_OPEN));
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aCloseThisNodesProbesDecidedWhileTheStoreWasAwayReachesTheFleetWhenItAnswers() {
        Node a = new Node();
        Node b = new Node();
        a.failUntilOpen();
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        store.down = true;
        clock.advance(Duration.ofMillis(30_001)); // open-for: A half-opens and probes alone, the store being away
        for (int i = 0; i < HALF_OPEN_CALLS; i++) {
            assertThat(a.call(200).admitted()).isTrue();
        }
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(store.record("payments")).isEqualTo(new State(1, Phase.OPEN)); // the fleet never heard

        store.down = false;
        clock.advance(Duration.ofSeconds(1));
        assertThat(a.call(200).admitted()).isTrue(); // A reads the record, finds its close unknown, reports it
        assertThat(store.record("payments")).isEqualTo(new State(2, Phase.CLOSED));
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        // and A's next opening is the fleet's again
        a.failUntilOpen();
        assertThat(store.record("payments")).isEqualTo(new State(3, Phase.OPEN));
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void anOperatorsForceTheStoreDidNotTakeIsPublishedOnceItAnswers() {
        Node a = new Node();
        Node b = new Node();
        store.down = true;
        a.breaker.forceOpen();
        assertThat(a.breaker.state()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);

        store.down = false;
        clock.advance(Duration.ofSeconds(1));
        assertThat(a.admit().admitted()).isFalse();
        assertThat(store.record("payments")).isEqualTo(new State(1, Phase.FORCED_OPEN));
        assertThat(b.breaker.state()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
    }
}
