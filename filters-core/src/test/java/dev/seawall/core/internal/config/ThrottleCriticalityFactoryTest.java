package dev.seawall.core.internal.config;

import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.ThrottleConfig;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.throttle.PriorityClassifier;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a throttle's criticality, adaptive limit and mode become a stage. */
class ThrottleCriticalityFactoryTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock();

    private ThrottleStage stage(String yaml) {
        List<Policy> policies = PolicyFactory.policies(ConfigLoader.parse("seawall.yaml", yaml),
                new PolicyFactory.Context(clock, meters, null));
        return (ThrottleStage) policies.get(0).chain().stages().get(0);
    }

    @Test
    void theHeaderIsBelievedOnlyFromTrustedPeersAndRulesGoPathsRolesHeader() {
        ThrottleConfig.Criticality c = new ThrottleConfig.Criticality("X-Criticality",
                Map.of("critical", List.of("operator"), "sheddable", List.of("batch")),
                Map.of("sheddable", List.of("/api/prefetch/*"), "critical", List.of("/api/pay")), 10, null);
        PriorityClassifier k = StageResolvers.criticality(c, TrustedProxies.of(List.of("10.0.0.0/8")));
        assertThat(k.classify(FakeRequest.get("/api/x").from("10.1.2.3").header("X-Criticality", "critical")))
                .isEqualTo(PriorityClassifier.HIGH);
        assertThat(k.classify(FakeRequest.get("/api/x").from("10.1.2.3").header("X-Criticality", " Sheddable ")))
                .isEqualTo(PriorityClassifier.LOW);
        assertThat(k.classify(FakeRequest.get("/api/x").from("[::ffff:10.1.2.3]").header("X-Criticality", "critical")))
                .as("an IPv4-mapped peer is the same peer").isEqualTo(PriorityClassifier.HIGH);
        assertThat(k.classify(FakeRequest.get("/api/x").from("192.0.2.9").header("X-Criticality", "critical")))
                .as("an untrusted peer claiming critical is default").isEqualTo(PriorityClassifier.NORMAL);
        assertThat(k.classify(FakeRequest.get("/api/x").from("not-an-ip").header("X-Criticality", "critical")))
                .isEqualTo(PriorityClassifier.NORMAL);
        assertThat(k.classify(FakeRequest.get("/api/x").from("10.1.2.3").header("X-Criticality", "critical".repeat(40))))
                .isEqualTo(PriorityClassifier.NORMAL);
        assertThat(k.classify(FakeRequest.get("/api/prefetch/a").from("10.1.2.3").header("X-Criticality", "critical")))
                .as("paths first").isEqualTo(PriorityClassifier.LOW);
        assertThat(k.classify(FakeRequest.get("/api/pay"))).isEqualTo(PriorityClassifier.HIGH);
        assertThat(k.classify(FakeRequest.get("/api/x").role("batch").from("10.1.2.3").header("X-Criticality", "critical")))
                .as("roles before the header").isEqualTo(PriorityClassifier.LOW);
        assertThat(k.classify(FakeRequest.get("/api/x").role("operator"))).isEqualTo(PriorityClassifier.HIGH);
        assertThat(k.classify(FakeRequest.get("/api/x"))).isEqualTo(PriorityClassifier.NORMAL);
    }

    @Test
    void aCriticalityHeaderWithoutTrustedProxiesIsAConfigError() {
        assertThatThrownBy(() -> stage("""
                policies:
                  - name: api
                    paths: [/api/*]
                    throttle:
                      max-concurrent: 4
                      criticality: {header: X-Criticality}
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("policy api, throttle")
                .hasMessageContaining("trusted-proxies is empty");
    }

    @Test
    void aCriticalityStageWithATrustedHeaderReservesAndRegistersItsMeters() {
        ThrottleStage t = stage("""
                trusted-proxies: [127.0.0.1]
                policies:
                  - name: api
                    paths: [/api/*]
                    throttle:
                      max-concurrent: 10
                      criticality: {header: X-Criticality, reserve: 20, cohort-rotation: 1m}
                """);
        assertThat(t.criticality()).isTrue();
        assertThat(t.statusView().reserved()).isEqualTo(2);
        assertThat(meters.get("seawall.throttle.shed.level").tags("policy", "api", "class", "sheddable").gauge()
                .value()).isZero();
        assertThat(meters.get("seawall.throttle.shed").tags("policy", "api", "class", "critical").functionCounter()
                .count()).isZero();
    }

    @Test
    void adaptiveAndShadowStagesAreBuiltFromTheirKeys() {
        ThrottleStage t = stage("""
                policies:
                  - name: api
                    paths: [/api/*]
                    throttle:
                      max-concurrent: adaptive
                      limit: {initial: 12, min: 2, max: 40}
                      mode: shadow
                """);
        assertThat(t.shadow()).isTrue();
        assertThat(t.maxConcurrent()).isEqualTo(12);
        assertThat(t.statusView().mode()).isEqualTo("shadow");
        assertThat(meters.get("seawall.throttle.decisions").tags("policy", "api", "outcome", "would-reject", "reason",
                "queue-full").functionCounter().count()).isZero();
        assertThat(meters.get("seawall.throttle.limit").tags("policy", "api").gauge().value()).isEqualTo(12);
        ThrottleStage fixed = stage("""
                policies:
                  - name: api
                    paths: [/api/*]
                    throttle: {max-concurrent: 3}
                """);
        assertThat(fixed.shadow()).isFalse();
        assertThat(fixed.criticality()).isFalse();
        assertThat(fixed.limit().adaptive()).isFalse();
        assertThat(Duration.ofMinutes(5)).isEqualTo(ThrottleConfig.DEFAULT_COHORT_ROTATION);
    }

    @Test
    void callersWithoutAFairShareIdentityFallInCohortsByTheirClientIp() {
        ThrottleStage t = stage("""
                policies:
                  - name: api
                    paths: [/api/*]
                    throttle:
                      max-concurrent: 1
                      max-concurrent-per-key: 1
                      per-key: user
                      criticality: {paths: {sheddable: [/api/*]}}
                """);
        assertThat(t.admit(FakeRequest.get("/api/x").from("192.0.2.1"), clock.nanoTime()).admitted()).isTrue();
        // raise sheddable's level to 50 with queue-full refusals of anonymous callers, one rise per 100 ms
        for (int rise = 0; rise < 10; rise++) {
            clock.advance(Duration.ofMillis(100));
            for (int i = 0; i < 250; i++) {
                Object reason = t.admit(FakeRequest.get("/api/x").from("203.0.113." + i), clock.nanoTime())
                        .rejection().extensions().get("reason");
                if ("queue-full".equals(reason)) {
                    break;
                }
            }
        }
        int shed = 0;
        for (int i = 0; i < 100; i++) {
            Object reason = t.admit(FakeRequest.get("/api/x").from("10.0.0." + i), clock.nanoTime())
                    .rejection().extensions().get("reason");
            shed += "shed".equals(reason) ? 1 : 0;
        }
        assertThat(t.shedLevel("sheddable")).isEqualTo(50);
        assertThat(shed).as("anonymous callers are spread over cohorts, not all in one").isBetween(25, 75);
    }
}
