package dev.seawall.core.throttle;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Deferral;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Criticality in the throttle: class order, reserve, displacement, cohort shedding, all under a manual clock. */
class ThrottleCriticalityTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** The class is the X-Class header: critical, default or sheddable. */
    private static final PriorityClassifier BY_HEADER = r -> {
        String c = r.header("X-Class");
        return c == null ? PriorityClassifier.NORMAL : switch (c) {
            case "critical" -> PriorityClassifier.HIGH;
            case "sheddable" -> PriorityClassifier.LOW;
            default -> PriorityClassifier.NORMAL;
        };
    };

    private ThrottleStageBuilder throttle(int max, int queue, int reserve) {
        return ThrottleStage.builder("api").maxConcurrent(max).queue(queue).maxWait(Duration.ofSeconds(2))
                .clock(clock).seed(42)
                .criticality(BY_HEADER, reserve, new ClientIpResolver(TrustedProxies.none(), 64), Duration.ofMinutes(5));
    }

    private Admission admit(ThrottleStage t, String cls, String ip) {
        return t.admit(FakeRequest.get("/api").header("X-Class", cls).from(ip), clock.nanoTime());
    }

    private Admission admit(ThrottleStage t, String cls) {
        return admit(t, cls, "192.0.2.1");
    }

    private Outcome ok() {
        return new Outcome(200, null, clock.nanoTime(), clock.nanoTime(), false);
    }

    private static Deferral watch(Admission a, List<String> order, String name) {
        assertThat(a.deferred()).as(name).isTrue();
        Deferral d = (Deferral) a;
        d.onDecided(() -> order.add(name));
        return d;
    }

    @Test
    void criticalIsResumedBeforeDefaultBeforeSheddable() {
        ThrottleStage t = throttle(1, 5, 0).build();
        Admission running = admit(t, "default");
        List<String> order = new ArrayList<>();
        Deferral sheddable = watch(admit(t, "sheddable"), order, "sheddable");
        Deferral normal = watch(admit(t, "default"), order, "default");
        Deferral critical = watch(admit(t, "critical"), order, "critical");
        running.permit().complete(ok());
        critical.outcome().permit().complete(ok());
        normal.outcome().permit().complete(ok());
        sheddable.outcome().permit().complete(ok());
        assertThat(order).containsExactly("critical", "default", "sheddable");
        assertThat(t.inFlight()).isZero();
        assertThat(t.queued()).isZero();
    }

    @Test
    void theReserveIsKeptForCriticalRequests() {
        // limit 10, reserve 30 %: default and sheddable may hold 7 slots, critical all 10
        ThrottleStage t = throttle(10, 0, 30).build();
        for (int i = 0; i < 7; i++) {
            assertThat(admit(t, i % 2 == 0 ? "default" : "sheddable").admitted()).isTrue();
        }
        Admission eighth = admit(t, "default");
        assertThat(eighth.rejection()).isNotNull();
        assertThat(eighth.rejection().extensions()).containsEntry("reason", "queue-full");
        assertThat(admit(t, "sheddable").admitted()).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(admit(t, "critical").admitted()).as("critical %d", i).isTrue();
        }
        assertThat(admit(t, "critical").admitted()).isFalse();
        assertThat(t.inFlight()).isEqualTo(10);
        assertThat(t.statusView().reserved()).isEqualTo(3);
    }

    @Test
    void aQueuedDefaultRequestWaitsForRoomBelowTheReserveWhileCriticalIsGrantedFirst() {
        ThrottleStage t = throttle(2, 5, 50).build();
        Admission first = admit(t, "default");
        assertThat(first.admitted()).isTrue();
        List<String> order = new ArrayList<>();
        Deferral normal = watch(admit(t, "default"), order, "default");
        Admission critical = admit(t, "critical");
        assertThat(critical.admitted()).as("the reserved slot is free for critical").isTrue();
        critical.permit().complete(ok());
        assertThat(order).as("in-flight 1 is not below the default cap of 1").isEmpty();
        first.permit().complete(ok());
        assertThat(order).containsExactly("default");
        normal.outcome().permit().complete(ok());
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void aHigherClassDisplacesTheNewestWaiterOfTheLowestLowerClassFromAFullQueue() {
        ThrottleStage t = throttle(1, 3, 0).build();
        SeawallMeters.bind(meters, t);
        admit(t, "critical");
        List<String> order = new ArrayList<>();
        Deferral olderSheddable = watch(admit(t, "sheddable"), order, "older sheddable");
        Deferral newerSheddable = watch(admit(t, "sheddable"), order, "newer sheddable");
        Deferral normal = watch(admit(t, "default"), order, "default");
        Deferral critical = watch(admit(t, "critical"), order, "critical");
        assertThat(order).containsExactly("newer sheddable");
        assertThat(newerSheddable.outcome().rejection().status()).isEqualTo(503);
        assertThat(newerSheddable.outcome().rejection().extensions()).containsEntry("reason", "displaced");
        assertThat(olderSheddable.outcome()).isNull();
        // a default request displaces the remaining sheddable one, never the critical one
        Deferral second = watch(admit(t, "default"), order, "second default");
        assertThat(order).containsExactly("newer sheddable", "older sheddable");
        // a full queue of default and critical: a sheddable arrival has nobody below it and is refused itself
        Admission late = admit(t, "sheddable");
        assertThat(late.rejection().extensions()).containsEntry("reason", "queue-full");
        // and so is a default arrival: nobody below default is left
        assertThat(admit(t, "default").rejection().extensions()).containsEntry("reason", "queue-full");
        assertThat(t.queued()).isEqualTo(3);
        assertThat(critical.outcome()).isNull();
        assertThat(normal.outcome()).isNull();
        assertThat(second.outcome()).isNull();
        assertThat(t.rejections(ThrottleStage.Reason.DISPLACED)).isEqualTo(2);
        assertThat(t.refused("sheddable")).isEqualTo(3);
        assertThat(t.refused("default")).isEqualTo(1);
        assertThat(t.refused("critical")).isZero();
        assertThat(meters.get("seawall.throttle.shed").tags("policy", "api", "class", "sheddable").functionCounter()
                .count()).isEqualTo(3);
        assertThat(meters.get("seawall.throttle.rejections").tags("policy", "api", "reason", "displaced")
                .functionCounter().count()).isEqualTo(2);
    }

    @Test
    void theShedLevelRisesOnOverloadRefusalsAtMostOncePerIntervalAndDecaysWithoutThem() {
        ThrottleStage t = throttle(1, 0, 0).build();
        admit(t, "default");
        for (int i = 0; i < 20; i++) {
            assertThat(admit(t, "sheddable", "198.51.100." + i).admitted()).isFalse();
        }
        assertThat(t.shedLevel("sheddable")).as("one rise for a burst").isEqualTo(ShedLevels.STEP);
        assertThat(t.shedLevel("default")).isZero();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofMillis(100));
            admitFromCohortAtOrAboveLevel(t, "sheddable");
        }
        assertThat(t.shedLevel("sheddable")).isEqualTo(11 * ShedLevels.STEP);
        clock.advance(Duration.ofSeconds(1));
        assertThat(t.shedLevel("sheddable")).isEqualTo(11 * ShedLevels.STEP - ShedLevels.DECAY_PER_SECOND);
        clock.advance(Duration.ofSeconds(60));
        assertThat(t.shedLevel("sheddable")).isZero();
        assertThat(t.statusView().shedLevels()).containsEntry("sheddable", 0).containsKeys("critical", "default");
    }

    /** Sends a request of this class from a caller whose cohort is not shed, so that it is refused queue-full. */
    private void admitFromCohortAtOrAboveLevel(ThrottleStage t, String cls) {
        for (int i = 0; i < 1000; i++) {
            Admission a = admit(t, cls, "203.0.113." + (i % 250));
            if ("queue-full".equals(a.rejection().extensions().get("reason"))) {
                return;
            }
        }
        throw new AssertionError("no cohort above the level");
    }

    @Test
    void callersBelowTheLevelAreShedAtOnceAndConsistentlyUntilTheEpochRotates() {
        ThrottleStage t = throttle(1, 0, 0).build();
        admit(t, "default");
        // raise sheddable's level to 50; the requests below come within the rise interval, so it stays there
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofMillis(100));
            admitFromCohortAtOrAboveLevel(t, "sheddable");
        }
        assertThat(t.shedLevel("sheddable")).isEqualTo(50);
        long shedBefore = t.rejections(ThrottleStage.Reason.SHED);
        List<String> shed = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String ip = "10.0.0." + i;
            String reason = String.valueOf(admit(t, "sheddable", ip).rejection().extensions().get("reason"));
            (reason.equals("shed") ? shed : kept).add(ip);
        }
        assertThat(shed).as("about the level's share of callers is shed").hasSizeBetween(25, 75);
        assertThat(kept).isNotEmpty();
        // the same callers again, a while later within the epoch: the same answer each time
        clock.advance(Duration.ofMillis(30));
        for (String ip : shed) {
            assertThat(admit(t, "sheddable", ip).rejection().extensions()).containsEntry("reason", "shed");
        }
        for (String ip : kept) {
            assertThat(admit(t, "sheddable", ip).rejection().extensions()).containsEntry("reason", "queue-full");
        }
        // a critical caller of a shed cohort is judged by its own class's level, still 0
        assertThat(admit(t, "critical", shed.get(0)).rejection().extensions()).containsEntry("reason", "queue-full");
        assertThat(t.rejections(ThrottleStage.Reason.SHED) - shedBefore).isEqualTo(2L * shed.size());
        assertThat(t.shedLevel("sheddable")).isEqualTo(50);
    }

    @Test
    void cohortsAreStableWithinAnEpochAndReshuffledByTheNext() {
        ShedLevels levels = new ShedLevels(Duration.ofMinutes(5).toNanos(), 7);
        long start = Duration.ofMinutes(10).toNanos();
        int changed = 0;
        for (int i = 0; i < 200; i++) {
            String id = "198.51.100." + i;
            int c = levels.cohort(id, start);
            assertThat(c).isBetween(0, ShedLevels.COHORTS - 1);
            assertThat(levels.cohort(id, start + Duration.ofMinutes(4).toNanos())).isEqualTo(c);
            if (levels.cohort(id, start + Duration.ofMinutes(5).toNanos()) != c) {
                changed++;
            }
        }
        assertThat(changed).as("the next epoch moves most callers").isGreaterThan(150);
        assertThat(levels.cohort(null, start)).isBetween(0, ShedLevels.COHORTS - 1);
    }

    @Test
    void aCriticalRequestTakesAReservedSlotAtOnceInsteadOfDisplacingAWaiterFromAFullQueue() {
        ThrottleStage t = throttle(4, 2, 50).build();
        admit(t, "default");
        admit(t, "default");
        List<String> order = new ArrayList<>();
        Deferral first = watch(admit(t, "default"), order, "first");
        Deferral second = watch(admit(t, "sheddable"), order, "second");
        Admission critical = admit(t, "critical");
        assertThat(critical.admitted()).isTrue();
        assertThat(order).as("nobody displaced").isEmpty();
        assertThat(t.rejections(ThrottleStage.Reason.DISPLACED)).isZero();
        assertThat(t.queued()).isEqualTo(2);
        assertThat(first.outcome()).isNull();
        assertThat(second.outcome()).isNull();
    }

    @Test
    void theBuilderRefusesImpossibleCriticalitySettings() {
        ClientIpResolver ip = new ClientIpResolver(TrustedProxies.none(), 64);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ThrottleStage.builder("api").maxConcurrent(1)
                .criticality(BY_HEADER, 101, ip, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ThrottleStage.builder("api").maxConcurrent(1)
                .criticality(BY_HEADER, -1, ip, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ThrottleStage.builder("api").maxConcurrent(1)
                .criticality(BY_HEADER, 10, ip, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ThrottleStage.builder("api").maxConcurrent(1)
                .criticality(BY_HEADER, 10, ip, Duration.ofDays(400_000_000L)))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ThrottleStage.builder("api").queue(1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrent is required");
    }

    @Test
    void aReserveOfAllTheLimitLetsOnlyCriticalRequestsIn() {
        ThrottleStage t = throttle(2, 0, 100).build();
        assertThat(admit(t, "default").admitted()).isFalse();
        assertThat(admit(t, "sheddable").admitted()).isFalse();
        Admission critical = admit(t, "critical");
        assertThat(critical.admitted()).isTrue();
        critical.permit().complete(ok());
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void withFreeCapacityNothingIsShedWhateverTheLevel() {
        ThrottleStage t = throttle(1, 0, 0).build();
        Admission running = admit(t, "default");
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofMillis(100));
            admitFromCohortAtOrAboveLevel(t, "sheddable");
        }
        assertThat(t.shedLevel("sheddable")).isEqualTo(100);
        assertThat(admit(t, "sheddable", "192.0.2.77").rejection().extensions()).containsEntry("reason", "shed");
        running.permit().complete(ok());
        Admission a = admit(t, "sheddable", "192.0.2.77");
        assertThat(a.admitted()).isTrue();
        a.permit().complete(ok());
    }

    @Test
    void withFairShareAndARaisedLevelARequestFindingAFreeSlotIsNotShed() {
        ClientIpResolver ip = new ClientIpResolver(TrustedProxies.none(), 64);
        ThrottleStage t = throttle(1, 0, 0).fairShare(ip, 1).build();
        Admission running = admit(t, "default");
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofMillis(100));
            admitFromCohortAtOrAboveLevel(t, "sheddable");
        }
        assertThat(t.shedLevel("sheddable")).isEqualTo(100);
        assertThat(admit(t, "sheddable", "192.0.2.77").rejection().extensions()).containsEntry("reason", "shed");
        running.permit().complete(ok());
        assertThat(t.inFlight()).isZero();
        for (int i = 0; i < 20; i++) {
            Admission a = admit(t, "sheddable", "198.51.100." + i);
            assertThat(a.admitted()).as("caller %d with the only slot free", i).isTrue();
            a.permit().complete(ok());
        }
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void aCriticalRequestFindingAFreeReservedSlotBehindLowerWaitersIsNotShed() {
        // limit 2, reserve 50 %: default may hold 1 slot, critical 2
        ThrottleStage t = throttle(2, 1, 50).build();
        Admission c1 = admit(t, "critical");
        Admission c2 = admit(t, "critical");
        Deferral waiting = (Deferral) admit(t, "critical");
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofMillis(100));
            admitFromCohortAtOrAboveLevel(t, "critical");
        }
        assertThat(t.shedLevel("critical")).isEqualTo(50);
        c1.permit().complete(ok());
        c2.permit().complete(ok());
        waiting.outcome().permit().complete(ok());
        assertThat(t.inFlight()).isZero();
        Admission normal = admit(t, "default");
        assertThat(normal.admitted()).isTrue();
        Deferral queuedDefault = (Deferral) admit(t, "default");
        assertThat(t.queued()).isEqualTo(1);
        for (int i = 0; i < 30; i++) {
            Admission a = admit(t, "critical", "10.1.0." + i);
            assertThat(a.admitted()).as("critical caller %d with the reserved slot free", i).isTrue();
            a.permit().complete(ok());
        }
        assertThat(t.rejections(ThrottleStage.Reason.SHED)).isZero();
        assertThat(queuedDefault.outcome()).as("in-flight 1 is not below the default cap of 1").isNull();
        normal.permit().complete(ok());
        queuedDefault.outcome().permit().complete(ok());
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void refusalsWhileTheLimitProbesDoNotRaiseTheShedLevels() {
        boolean[] probing = {true};
        ConcurrencyLimit probe = new ConcurrencyLimit() {
            @Override
            public int current() {
                return 1;
            }

            @Override
            public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
                // fixed for the test
            }

            @Override
            public boolean probing() {
                return probing[0];
            }
        };
        ThrottleStage t = throttle(1, 1, 0).limit(probe).build();
        Admission running = admit(t, "default");
        Deferral waiting = (Deferral) admit(t, "sheddable");
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofMillis(100));
            assertThat(admit(t, "sheddable", "198.51.100." + i).rejection().extensions())
                    .containsEntry("reason", "queue-full");
        }
        clock.advance(Duration.ofSeconds(2));
        running.permit().complete(ok());
        assertThat(waiting.outcome().rejection().extensions()).containsEntry("reason", "wait-expired");
        assertThat(t.shedLevel("sheddable")).as("the probe's own squeeze is not overload").isZero();
        assertThat(t.refused("sheddable")).isEqualTo(11);
        probing[0] = false;
        Admission again = admit(t, "default");
        Deferral next = (Deferral) admit(t, "sheddable", "198.51.100.200");
        assertThat(admit(t, "sheddable", "198.51.100.201").rejection().extensions())
                .containsEntry("reason", "queue-full");
        assertThat(t.shedLevel("sheddable")).as("outside a probe, overload raises the level")
                .isEqualTo(ShedLevels.STEP);
        again.permit().complete(ok());
        next.outcome().permit().complete(ok());
        assertThat(t.inFlight()).isZero();
    }

    @Test
    void theReserveRoundsUpSoThatASmallLimitStillKeepsASlotForCritical() {
        ThrottleStage t = throttle(4, 0, 20).build();
        assertThat(t.statusView().reserved()).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            assertThat(admit(t, "default").admitted()).isTrue();
        }
        assertThat(admit(t, "default").admitted()).as("the fourth slot is critical's").isFalse();
        assertThat(admit(t, "critical").admitted()).isTrue();
        assertThat(throttle(1, 0, 20).build().statusView().reserved()).as("a limit of 1 keeps its slot for all")
                .isZero();
        assertThat(throttle(1, 0, 100).build().statusView().reserved()).isEqualTo(1);
        assertThat(throttle(10, 0, 99).build().statusView().reserved()).as("below 100 %, one slot stays open")
                .isEqualTo(9);
        assertThat(throttle(10, 0, 30).build().statusView().reserved()).isEqualTo(3);
    }
}
