package dev.seawall.core.reload;

import dev.seawall.core.ConfigSource;
import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.config.ReloadCarry;
import dev.seawall.core.testing.TextSource;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ReloadCarry predicts (the command-line tool's diff) is what a reload does: for every policy and stage, a
 * stage predicted kept is the same object after the reload, and one predicted reset is a new one.
 */
class ReloadCarryTest {

    private static final String BASE = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 100/1m
                throttle: { max-concurrent: 4 }
                timeout: { after: 2s }
                fallback: { status: 503, body: "busy" }
              - name: orders
                paths: [/orders/*]
                circuit-breaker: { failure-rate: 50 }
                timeout: { after: 1s }
            """;

    @Test
    void thePredictionMatchesWhatAReloadKeeps() {
        List<String> variants = List.of(
                BASE,
                BASE.replace("100/1m", "50/1m"),
                BASE.replace("max-concurrent: 4", "max-concurrent: 5"),
                BASE.replace("after: 2s", "after: 3s"),
                BASE.replace("failure-rate: 50", "failure-rate: 60"),
                BASE.replace("\"busy\"", "\"later\""),
                "trusted-proxies: [10.0.0.0/8]\n" + BASE,
                "headers: { rate-limit: legacy }\n" + BASE);
        int kept = 0;
        int reset = 0;
        for (String next : variants) {
            int k = check(BASE, next);
            kept += k;
            reset += 6 - k; // BASE has 6 stages: 4 in api, 2 in orders
        }
        // both outcomes were exercised, so the agreement above is not vacuous
        assertThat(kept).isPositive();
        assertThat(reset).isPositive();
    }

    /** @return how many stages were kept */
    private static int check(String oldText, String nextText) {
        int keptStages = 0;
        ManualClock clock = new ManualClock();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TextSource source = new TextSource("seawall.yaml", oldText);
        Seawall engine = Seawall.builder().clock(clock).meterRegistry(meters).yaml(source.name(), oldText).build();
        try (LiveSeawall live = new LiveSeawall(engine, (ConfigSource) source, oldText, meters,
                Clock.fixed(Instant.parse("2026-11-26T06:00:00Z"), ZoneOffset.UTC))) {
            Seawall before = live.current();
            source.text = nextText;
            live.reload();
            Seawall after = live.current();
            SeawallConfig o = ConfigLoader.parse("seawall.yaml", oldText);
            SeawallConfig n = ConfigLoader.parse("seawall.yaml", nextText);
            for (String policy : List.of("api", "orders")) {
                for (StageKind kind : StageKind.values()) {
                    Stage was = before.policy(policy).chain().stage(kind);
                    Stage is = after.policy(policy).chain().stage(kind);
                    if (was == null) {
                        continue;
                    }
                    boolean predicted = ReloadCarry.keeps(o, n, policy, kind, true);
                    boolean kept = kind == StageKind.CIRCUIT_BREAKER
                            ? ((dev.seawall.core.breaker.BreakerStage) was).breaker()
                                    == ((dev.seawall.core.breaker.BreakerStage) is).breaker()
                            : was == is;
                    keptStages += kept ? 1 : 0;
                    assertThat(predicted).as("%s %s after %s", policy, kind, nextText.equals(oldText) ? "no change"
                            : "a change").isEqualTo(kept);
                }
            }
        }
        return keptStages;
    }
}
