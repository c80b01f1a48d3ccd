package dev.seawall.core.internal.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.config.ThrottleConfig;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.throttle.PriorityClassifier;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyFactoryTest {

    @Test
    void priorityRulesApplyPathsThenRolesThenTheHeader() {
        PriorityClassifier c = StageResolvers.classifier(new ThrottleConfig.Priority("X-Priority",
                Map.of("high", List.of("admin"), "low", List.of("batch")),
                Map.of("low", List.of("/reports/export/*"), "high", List.of("/reports/live"))));
        FakeRequest admin = new FakeRequest().user("ann").role("admin");
        assertThat(c.classify(FakeRequest.get("/reports/export/big").header("X-Priority", "high")))
                .isEqualTo(PriorityClassifier.LOW);
        assertThat(c.classify(FakeRequest.get("/reports/live"))).isEqualTo(PriorityClassifier.HIGH);
        assertThat(c.classify(admin.path("/reports/x").header("X-Priority", "low"))).isEqualTo(PriorityClassifier.HIGH);
        assertThat(c.classify(FakeRequest.get("/reports/x").header("X-Priority", "LOW"))).isEqualTo(PriorityClassifier.LOW);
        assertThat(c.classify(FakeRequest.get("/reports/x").header("X-Priority", "urgent!"))).isEqualTo(PriorityClassifier.NORMAL);
        assertThat(c.classify(FakeRequest.get("/reports/x"))).isEqualTo(PriorityClassifier.NORMAL);
    }

    @Test
    void aPolicyWithLimitsAndAThrottleChainsThemRateLimitsFirstAndRegistersThrottleMeters() {
        SeawallConfig config = ConfigLoader.parse("seawall.yaml", """
                policies:
                  - name: reports
                    paths: [/reports/*]
                    rate-limits:
                      - by: ip
                        limit: 10/1m
                    throttle:
                      max-concurrent: 2
                      queue: 5
                      max-wait: 1s
                """);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<Policy> policies = PolicyFactory.policies(config, new PolicyFactory.Context(new ManualClock(), meters, null));
        assertThat(policies.get(0).chain().stages()).extracting(s -> s.kind())
                .containsExactly(StageKind.RATE_LIMIT, StageKind.THROTTLE);
        ThrottleStage t = (ThrottleStage) policies.get(0).chain().stages().get(1);
        assertThat(t.maxConcurrent()).isEqualTo(2);
        assertThat(t.queueCapacity()).isEqualTo(5);
        assertThat(meters.get("seawall.throttle.in.flight").tag("policy", "reports").gauge().value()).isZero();
        assertThat(meters.get("seawall.throttle.queued").tag("policy", "reports").gauge().value()).isZero();
        assertThat(meters.get("seawall.throttle.queue.wait").tag("policy", "reports").functionTimer().count()).isZero();
        assertThat(meters.get("seawall.throttle.rejections").tags("policy", "reports", "reason", "queue-full")
                .functionCounter().count()).isZero();
    }

    @Test
    void aNamedBreakerIsSharedAndMustBeDeclaredAlikeEverywhere() {
        String yaml = """
                policies:
                  - name: orders
                    paths: [/orders/*]
                    circuit-breaker: {name: payments, failure-rate: 50, minimum-calls: 4}
                  - name: refunds
                    paths: [/refunds/*]
                    circuit-breaker: {name: payments, failure-rate: 50, minimum-calls: 4}
                """;
        List<Policy> policies = PolicyFactory.policies(ConfigLoader.parse("seawall.yaml", yaml),
                new PolicyFactory.Context(new ManualClock(), new SimpleMeterRegistry(), null));
        var a = (dev.seawall.core.breaker.BreakerStage) policies.get(0).chain().stages().get(0);
        var b = (dev.seawall.core.breaker.BreakerStage) policies.get(1).chain().stages().get(0);
        assertThat(a.breaker()).isSameAs(b.breaker());

        String clashing = """
                policies:
                  - name: orders
                    paths: [/orders/*]
                    circuit-breaker: {name: payments, failure-rate: 50}
                  - name: refunds
                    paths: [/refunds/*]
                    circuit-breaker: {name: payments, failure-rate: 60}
                """;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PolicyFactory.policies(
                        ConfigLoader.parse("seawall.yaml", clashing),
                        new PolicyFactory.Context(new ManualClock(), new SimpleMeterRegistry(), null)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("seawall.yaml:7: policy refunds, circuit-breaker: the shared breaker \"payments\"");
    }
}
