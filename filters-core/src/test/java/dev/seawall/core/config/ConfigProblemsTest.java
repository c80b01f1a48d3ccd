package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A file with several mistakes reports every one, capped, each as file:line: key.path: problem. */
class ConfigProblemsTest {

    private static ConfigException failure(String yaml) {
        return catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("seawall.yaml", yaml));
    }

    @Test
    void everyIndependentMistakeIsReportedInFileOrder() {
        ConfigException e = failure("""
                headers:
                  rate-limit: fancy
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 10/xyz
                    circuit-breaker:
                      failure-rate: 101
                      window: 500ms
                      mode: loud
                    timeout: { after: soon, status: 418 }
                  - name: other
                    paths: [/other/*]
                    throttle: { max-concurrent: 0, queu: 5 }
                """);
        assertThat(e.problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:2: headers.rate-limit: \"fancy\" is not a header mode (expected ietf, legacy, both or"
                        + " none)",
                "seawall.yaml:8: policies[0].rate-limits[0].limit: \"10/xyz\" is not a rate (expected N/duration, like"
                        + " 100/1m)",
                "seawall.yaml:10: policies[0].circuit-breaker.failure-rate: 101 is outside 1-100",
                "seawall.yaml:11: policies[0].circuit-breaker.window: a time window must be at least 1s",
                "seawall.yaml:12: policies[0].circuit-breaker.mode: \"loud\" is not a mode (expected enforce or"
                        + " shadow)",
                "seawall.yaml:13: policies[0].timeout.after: \"soon\" is not a duration (expected a whole number and"
                        + " a unit ms, s, m, h or d, like 250ms or 30s)",
                "seawall.yaml:13: policies[0].timeout.status: 418 is not a timeout status (expected 503, or 504 for a"
                        + " gateway)",
                "seawall.yaml:16: policies[1].throttle.queu: unknown key (did you mean queue?)",
                "seawall.yaml:16: policies[1].throttle.max-concurrent: 0 is outside 1-100000");
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems().stream().map(Object::toString).toList()));
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.keyPath()).isEqualTo("headers.rate-limit");
    }

    @Test
    void aSingleProblemReadsExactlyAsItAlwaysHas() {
        ConfigException e = failure("policies:\n  - name: api\n    paths: [/api/*]\n    timeout: soon\n");
        assertThat(e.problems()).hasSize(1);
        assertThat(e.getMessage()).isEqualTo("seawall.yaml:4: policies[0].timeout: \"soon\" is not a duration"
                + " (expected a whole number and a unit ms, s, m, h or d, like 250ms or 30s)");
    }

    @Test
    void theRulesBetweenKeysAreCheckedOnceEveryValueIsValidAndThenAllReported() {
        ConfigException e = failure("""
                policies:
                  - name: a
                    paths: [/a/*]
                  - name: b
                    paths: [/b/*]
                    throttle: { max-concurrent: 2, per-key: user }
                """);
        assertThat(e.problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:2: policies[0]: policy \"a\" has no stage (add rate-limits, throttle, circuit-breaker,"
                        + " timeout, fallback or idempotency)",
                "seawall.yaml:6: policies[1].throttle.per-key: applies only with max-concurrent-per-key");
    }

    @Test
    void manyMistakesAreCappedWithACount() {
        StringBuilder yaml = new StringBuilder("policies:\n");
        for (int i = 0; i < 30; i++) {
            yaml.append("  - name: p").append(i).append("\n    paths: [/p").append(i).append("/*]\n")
                    .append("    timeout: ").append(i).append("x\n");
        }
        ConfigException e = failure(yaml.toString());
        assertThat(e.problems()).hasSize(30);
        String[] lines = e.getMessage().split("\n");
        assertThat(lines).hasSize(ConfigException.MAX_REPORTED + 1);
        assertThat(lines[0]).isEqualTo("seawall.yaml:4: policies[0].timeout: \"0x\" is not a duration (expected a"
                + " whole number and a unit ms, s, m, h or d, like 250ms or 30s)");
        assertThat(lines[ConfigException.MAX_REPORTED]).isEqualTo("... and 10 more");
    }

    @Test
    void aHostileFileWithThousandsOfMistakesStopsAtABoundAndStaysCheap() {
        StringBuilder yaml = new StringBuilder("policies:\n  - name: p\n    paths: [/p/*]\n    rate-limits:\n");
        for (int i = 0; i < 999; i++) {
            yaml.append("      - {by: nobody, limit: x, bogus: 1}\n");
        }
        ConfigException e = failure(yaml.toString());
        assertThat(e.problems()).hasSizeLessThanOrEqualTo(YamlReader.MAX_PROBLEMS + 2);
        assertThat(e.getMessage().split("\n")).hasSize(ConfigException.MAX_REPORTED + 1);
        assertThat(e.getMessage()).endsWith("more");
    }

    @Test
    void aFileThatIsNotAMappingIsOneProblem() {
        for (String yaml : List.of("- a\n- b\n", "just text\n", "42\n")) {
            ConfigException e = failure(yaml);
            assertThat(e.problems()).as(yaml).hasSize(1);
            assertThat(e.getMessage()).as(yaml).startsWith("seawall.yaml:1: (root): expected a mapping of keys, found");
        }
        assertThat(failure("policies: {name: api}\n").getMessage())
                .isEqualTo("seawall.yaml:1: policies: expected a list, found a mapping");
    }

    @Test
    void deepNestingIsRefusedBeforeAnyWalk() {
        String deep = "policies: " + "[".repeat(200) + "]".repeat(200) + "\n";
        assertThat(failure(deep).getMessage()).isEqualTo("seawall.yaml: the file is nested too deeply (at most "
                + ConfigLoader.MAX_NESTING + " levels)");
        StringBuilder mappings = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            mappings.append("  ".repeat(i)).append("k").append(i).append(":\n");
        }
        mappings.append("  ".repeat(40)).append("v\n");
        assertThat(failure(mappings.toString()).problems()).hasSize(1);
    }

    @Test
    void aMisspeltKeyIsNotAlsoReportedMissing() {
        ConfigException e = failure("policies:\n  - name: api\n    path: [/api/*]\n    timeout: 1s\n");
        assertThat(e.problems()).extracting(Object::toString)
                .containsExactly("seawall.yaml:3: policies[0].path: unknown key (did you mean paths?)");
        assertThatThrownBy(() -> ConfigLoader.parse("seawall.yaml", "polices: []\n"))
                .hasMessage("seawall.yaml:1: polices: unknown key (did you mean policies?)");
    }

    @Test
    void theYamlAndTheBuilderRefuseAWindowTheSameWay() {
        for (String w : List.of("500ms", "1500ms")) {
            String yaml = "policies:\n  - name: api\n    paths: [/api/*]\n    circuit-breaker:\n      window: " + w + "\n";
            String problem = catchThrowableOfType(InvalidSettingException.class,
                    () -> CircuitBreakerConfig.builder().windowTime(ConfigValues.parseDuration(w))).problem();
            assertThat(failure(yaml).getMessage())
                    .isEqualTo("seawall.yaml:5: policies[0].circuit-breaker.window: " + problem);
        }
    }
}
