package dev.seawall.core.config;

import dev.seawall.core.key.KeyKind;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The throttle's adaptive limit, criticality and mode keys, and the values they refuse. */
class ThrottleAdaptiveConfigTest {

    private static final String HEAD = "policies:\n  - name: api\n    paths: [/api/*]\n    throttle:\n";

    private static ThrottleConfig throttle(String body) {
        return ConfigLoader.load("seawall.yaml", new StringReader(HEAD + body),
                java.util.EnumSet.allOf(dev.seawall.core.chain.StageKind.class)).policies().get(0).throttle();
    }

    private static void fails(String body, String message) {
        assertThatThrownBy(() -> throttle(body)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void adaptiveTakesTheLimitBlockOrItsDefaults() {
        ThrottleConfig t = throttle("      max-concurrent: adaptive\n      limit: {initial: 10, min: 2, max: 50}\n");
        assertThat(t.adaptive()).isTrue();
        assertThat(t.maxConcurrent()).isZero();
        assertThat(t.limit().initial()).isEqualTo(10);
        assertThat(t.limit().min()).isEqualTo(2);
        assertThat(t.limit().max()).isEqualTo(50);
        ThrottleConfig defaults = throttle("      max-concurrent: adaptive\n");
        assertThat(defaults.limit()).isEqualTo(AdaptiveLimitConfig.builder().build());
        assertThat(throttle("      max-concurrent: 8\n").adaptive()).isFalse();
        assertThat(throttle("      max-concurrent: 8\n").limit()).isNull();
    }

    @Test
    void aLimitBlockWithoutAdaptiveAndAnythingButANumberOrAdaptiveAreRefused() {
        fails("      max-concurrent: 8\n      limit: {initial: 10}\n",
                "policies[0].throttle.limit: applies only with max-concurrent: adaptive");
        fails("      max-concurrent: adaptiv\n",
                "policies[0].throttle.max-concurrent: \"adaptiv\" is neither a whole number nor adaptive");
        fails("      max-concurrent: ADAPTIVE!\n", "is neither a whole number nor adaptive");
        fails("      max-concurrent: -3\n", "policies[0].throttle.max-concurrent");
        fails("      max-concurrent: {n: 3}\n", "policies[0].throttle.max-concurrent");
        fails("      max-concurrent: 0\n", "policies[0].throttle.max-concurrent: 0 is outside 1-100000");
        fails("      max-concurrent: 99999999999999999999\n", "policies[0].throttle.max-concurrent");
        fails("      queue: 3\n", "policies[0].throttle.max-concurrent: is required");
        assertThatThrownBy(() -> ThrottleConfig.builder().adaptive().maxConcurrent(3).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("not both");
    }

    @Test
    void fairShareUnderAnAdaptiveLimitIsBoundedByItsMax() {
        ThrottleConfig t = throttle("      max-concurrent: adaptive\n      limit: {max: 40}\n"
                + "      max-concurrent-per-key: 40\n");
        assertThat(t.maxPerKey()).isEqualTo(40);
        fails("      max-concurrent: adaptive\n      limit: {max: 40}\n      max-concurrent-per-key: 41\n",
                "max-concurrent-per-key: 41 is outside 1-40");
    }

    @Test
    void modeIsEnforceOrShadow() {
        assertThat(throttle("      max-concurrent: 4\n").mode()).isEqualTo("enforce");
        assertThat(throttle("      max-concurrent: 4\n      mode: shadow\n").shadow()).isTrue();
        fails("      max-concurrent: 4\n      mode: dry-run\n",
                "policies[0].throttle.mode: \"dry-run\" is not a mode (expected enforce or shadow)");
        fails("      max-concurrent: 4\n      mode: [shadow]\n", "policies[0].throttle.mode");
    }

    @Test
    void criticalityRulesReserveAndRotation() {
        ThrottleConfig t = throttle("""
                      max-concurrent: adaptive
                      criticality:
                        header: X-Criticality
                        roles: {critical: [operator], sheddable: [batch]}
                        paths: {critical: [/api/pay/*], sheddable: [/api/prefetch/*]}
                        reserve: 20%
                        cohort-rotation: 2m
                      max-concurrent-per-key: 4
                      per-key: user
                """);
        ThrottleConfig.Criticality c = t.criticality();
        assertThat(c.header()).isEqualTo("X-Criticality");
        assertThat(c.roles()).containsEntry("critical", List.of("operator")).containsEntry("sheddable", List.of("batch"));
        assertThat(c.paths()).containsEntry("critical", List.of("/api/pay/*"));
        assertThat(c.reserve()).isEqualTo(20);
        assertThat(c.cohortRotation()).isEqualTo(Duration.ofMinutes(2));
        assertThat(t.perKey()).isEqualTo(KeyKind.USER);
        ThrottleConfig.Criticality plain = throttle("      max-concurrent: 4\n      criticality: {reserve: 10,"
                + " paths: {default: [/api/x], critical: [/api/pay]}}\n").criticality();
        assertThat(plain.reserve()).isEqualTo(10);
        assertThat(plain.cohortRotation()).isEqualTo(ThrottleConfig.DEFAULT_COHORT_ROTATION);
        assertThat(throttle("      max-concurrent: 4\n      criticality: {roles: {critical: [a]}}\n")
                .criticality().reserve()).isZero();
    }

    @Test
    void hostileCriticalityValuesAreRefusedWithTheirPath() {
        String base = "      max-concurrent: 4\n      criticality:\n";
        fails(base + "        reserve: 101\n        roles: {critical: [a]}\n",
                "policies[0].throttle.criticality.reserve: 101 is outside 0-100");
        fails(base + "        reserve: 250%\n        roles: {critical: [a]}\n",
                "policies[0].throttle.criticality.reserve: 250 is outside 0-100");
        fails(base + "        reserve: -5\n        roles: {critical: [a]}\n",
                "policies[0].throttle.criticality.reserve: \"-5\" is not a whole percent 0-100");
        fails(base + "        reserve: 12.5\n        roles: {critical: [a]}\n", "is not a whole percent 0-100");
        fails(base + "        reserve: 99999999999999999999\n        roles: {critical: [a]}\n",
                "is not a whole percent 0-100");
        fails(base + "        roles: {urgent: [a]}\n", "policies[0].throttle.criticality.roles.urgent: unknown key");
        fails(base + "        roles: {high: [a]}\n", "policies[0].throttle.criticality.roles.high: unknown key");
        fails(base + "        paths: {critical: [/x*]}\n", "policies[0].throttle.criticality.paths.critical[0]");
        fails(base + "        header: \"X Crit\"\n", "policies[0].throttle.criticality.header");
        fails(base + "        reserve: 10\n", "needs at least one of header, roles or paths");
        fails(base + "        reserve: 100%\n        paths: {sheddable: [/x/*]}\n",
                "policies[0].throttle.criticality: reserve 100% keeps slots that no request can use");
        fails(base + "        reserve: 20\n        roles: {default: [a], sheddable: [b]}\n",
                "name critical paths or roles, or a header");
        fails(base + "        cohort-rotation: 0s\n        roles: {critical: [a]}\n",
                "policies[0].throttle.criticality.cohort-rotation");
        fails(base + "        cohort-rotation: soon\n        roles: {critical: [a]}\n",
                "policies[0].throttle.criticality.cohort-rotation");
        fails(base + "        shed: fast\n        roles: {critical: [a]}\n",
                "policies[0].throttle.criticality.shed: unknown key");
    }

    @Test
    void priorityAndCriticalityTogetherAreRefused() {
        fails("      max-concurrent: 4\n      priority: {header: X-Priority}\n"
                + "      criticality: {roles: {critical: [a]}}\n",
                "policies[0].throttle.criticality: cannot be combined with priority");
    }
}
