package dev.seawall.core.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** ${NAME} and ${NAME:default} in values: the environment is injected, never the process's own. */
class SubstitutionTest {

    private static final String SECRET = "s3cr3t-10/xyz-value";

    private static Function<String, String> env(Map<String, String> vars) {
        return vars::get;
    }

    private static SeawallConfig load(String yaml, Map<String, String> vars) {
        return ConfigLoader.parse("seawall.yaml", yaml, env(vars));
    }

    private static ConfigException failure(String yaml, Map<String, String> vars) {
        return catchThrowableOfType(ConfigException.class, () -> load(yaml, vars));
    }

    private static String policy(String limit) {
        return "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n      - by: ip\n        limit: "
                + limit + "\n";
    }

    @Test
    void aVariableIsSubstitutedInAValue() {
        SeawallConfig c = load(policy("${RATE}"), Map.of("RATE", "10/1s"));
        assertThat(c.policies().get(0).rateLimits().get(0).rates().get(0).tokens()).isEqualTo(10);
    }

    @Test
    void theDefaultAppliesWhenTheVariableIsUnsetOrEmpty() {
        assertThat(load(policy("${RATE:7/1s}"), Map.of()).policies().get(0).rateLimits().get(0).rates().get(0)
                .tokens()).isEqualTo(7);
        assertThat(load(policy("${RATE:7/1s}"), Map.of("RATE", "")).policies().get(0).rateLimits().get(0).rates()
                .get(0).tokens()).isEqualTo(7);
        assertThat(load(policy("${RATE:7/1s}"), Map.of("RATE", "9/1s")).policies().get(0).rateLimits().get(0)
                .rates().get(0).tokens()).isEqualTo(9);
    }

    @Test
    void referencesMayBePartOfAValueAndThereMayBeSeveral() {
        SeawallConfig c = load("""
                policies:
                  - name: api
                    paths: ["/${PREFIX}/*", "/${A}${B}/x"]
                    timeout: { after: "${N}${UNIT:s}" }
                """, Map.of("PREFIX", "api", "A", "v", "B", "2", "N", "30"));
        assertThat(c.policies().get(0).paths()).containsExactly("/api/*", "/v2/x");
        assertThat(c.policies().get(0).timeout().after()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void anUndefinedVariableWithoutDefaultNamesItAndItsLine() {
        ConfigException e = failure(policy("${RATE}"), Map.of());
        assertThat(e.problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:6: policies[0].rate-limits[0].limit: environment variable RATE is not set (give a"
                        + " default with ${RATE:default})");
    }

    @Test
    void everyUndefinedVariableIsReportedWithTheOtherMistakes() {
        ConfigException e = failure("""
                policies:
                  - name: api
                    paths: [/api/*]
                    timeout: { after: "${T}" }
                    throttle: { max-concurrent: "${MC}", queu: 1 }
                """, Map.of());
        assertThat(e.problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:4: policies[0].timeout.after: environment variable T is not set (give a default with"
                        + " ${T:default})",
                "seawall.yaml:5: policies[0].throttle.max-concurrent: environment variable MC is not set (give a"
                        + " default with ${MC:default})",
                "seawall.yaml:5: policies[0].throttle.queu: unknown key (did you mean queue?)");
    }

    @Test
    void aValueThatExpandsToSomethingInvalidIsReportedAgainstTheOriginalLineWithoutTheValue() {
        ConfigException e = failure("# a comment\n" + policy("${RATE}"), Map.of("RATE", SECRET));
        assertThat(e.problems()).hasSize(1);
        ConfigException.Problem p = e.problems().get(0);
        assertThat(p.line()).isEqualTo(7);
        assertThat(p.keyPath()).isEqualTo("policies[0].rate-limits[0].limit");
        assertThat(p.problem()).contains("is not a rate").contains("\"${RATE}\"").doesNotContain("s3cr3t")
                .doesNotContain("xyz-value");
        assertThat(e.getMessage()).doesNotContain("s3cr3t");
    }

    @Test
    void aLongSecretQuotedOnlyInPartIsStillHidden() {
        String secret = "x".repeat(59) + "SECRET" + "y".repeat(100);
        ConfigException e = failure(policy("${RATE}"), Map.of("RATE", secret));
        assertThat(e.getMessage()).doesNotContain("xxxxxxxxxx").doesNotContain("SECRET").contains("${RATE}");
    }

    @Test
    void aNumberOutOfRangeFromTheEnvironmentIsNotEchoed() {
        ConfigException e = failure("""
                policies:
                  - name: api
                    paths: [/api/*]
                    throttle: { max-concurrent: "${MC}" }
                """, Map.of("MC", "987654"));
        assertThat(e.problems()).hasSize(1);
        assertThat(e.getMessage()).startsWith("seawall.yaml:4: policies[0].throttle.max-concurrent: ")
                .doesNotContain("987654").contains("${MC}");
    }

    @Test
    void dollarDollarBraceIsALiteralAndALoneDollarIsItself() {
        SeawallConfig c = load("""
                policies:
                  - name: api
                    paths: ["/$${X}/*", "/a$b/*", "/c$/*"]
                    timeout: { after: 1s }
                """, Map.of("X", "no"));
        assertThat(c.policies().get(0).paths()).containsExactly("/${X}/*", "/a$b/*", "/c$/*");
    }

    @Test
    void keysAreNeverSubstituted() {
        ConfigException e = failure("""
                policies:
                  - name: api
                    paths: [/api/*]
                    ${KEY}: { after: 1s }
                """, Map.of("KEY", "timeout"));
        assertThat(e.problems()).extracting(ConfigException.Problem::keyPath).containsExactly("policies[0].${KEY}");
        assertThat(e.problems().get(0).problem()).startsWith("unknown key");
    }

    @Test
    void whatAVariableHoldsIsNotSubstitutedAgain() {
        SeawallConfig c = load(policy("${RATE}").replace("paths: [/api/*]", "paths: [\"${P}\"]"),
                Map.of("RATE", "1/1s", "P", "/${RATE}/*"));
        assertThat(c.policies().get(0).paths()).containsExactly("/${RATE}/*");
    }

    @Test
    void hostileReferencesAreRefusedWithClearMessages() {
        assertThat(failure(policy("\"${RATE\""), Map.of("RATE", "1/1s")).problem()).startsWith("unterminated ${");
        assertThat(failure(policy("\"${A:${B}}\""), Map.of()).problem())
                .startsWith("a reference inside a reference is not supported");
        assertThat(failure(policy("\"${}\""), Map.of()).problem()).startsWith("\"\" is not a variable name");
        assertThat(failure(policy("\"${1A}\""), Map.of()).problem()).startsWith("\"1A\" is not a variable name");
        assertThat(failure(policy("\"${A-B}\""), Map.of()).problem()).startsWith("\"A-B\" is not a variable name");
        assertThat(failure(policy("\"${A\\u0000}\""), Map.of()).problem())
                .startsWith("\"A?\" is not a variable name");
        assertThat(failure(policy("\"${" + "N".repeat(300) + "}\""), Map.of()).problem())
                .contains("is not a variable name").hasSizeLessThan(200);
    }

    @Test
    void aHugeDefaultOrValueIsRefusedNotKept() {
        String huge = "9".repeat(Substitution.MAX_EXPANDED + 1);
        assertThat(failure(policy("\"${R:" + huge + "}\""), Map.of()).problem())
                .isEqualTo("the value expands to more than " + Substitution.MAX_EXPANDED + " characters");
        ConfigException e = failure(policy("${R}"), Map.of("R", huge));
        assertThat(e.problem()).isEqualTo("the value expands to more than " + Substitution.MAX_EXPANDED
                + " characters");
        assertThat(e.getMessage()).hasSizeLessThan(300);
        assertThat(failure(policy("\"" + "${A:1}".repeat(Substitution.MAX_REFERENCES + 1) + "\""), Map.of())
                .problem()).isEqualTo("more than " + Substitution.MAX_REFERENCES + " references in one value");
    }

    @Test
    void dozensOfUndefinedVariablesAreAllReportedAndTheMessageIsCapped() {
        StringBuilder sb = new StringBuilder("policies:\n");
        for (int i = 0; i < 40; i++) {
            sb.append("  - name: p").append(i).append("\n    paths: [\"/${P").append(i).append("}/*\"]\n")
                    .append("    timeout: { after: 1s }\n");
        }
        ConfigException e = failure(sb.toString(), Map.of());
        assertThat(e.problems()).hasSize(40);
        assertThat(e.getMessage().lines()).hasSize(ConfigException.MAX_REPORTED + 1);
    }

    @Test
    void aFileWithoutReferencesNeverAsksTheEnvironment() {
        SeawallConfig c = ConfigLoader.parse("seawall.yaml", policy("10/1s"), name -> {
            throw new AssertionError("asked for " + name);
        });
        assertThat(c.policies()).hasSize(1);
    }

    /** A rule between keys may cite another key's line: a long value is hidden there too, a short one is not. */
    @Test
    void aLongValueIsHiddenFromMessagesAboutOtherLines() {
        Substitution sub = new Substitution("seawall.yaml", Map.of("TOKEN", "abcdef-secret", "N", "1")::get);
        org.yaml.snakeyaml.nodes.Node root = new org.yaml.snakeyaml.Yaml().compose(new java.io.StringReader(
                "a: ${TOKEN}\nb: ${N}\nc: x\n"));
        sub.apply(root);
        List<ConfigException.Problem> merged = sub.merge(List.of(
                new ConfigException.Problem("seawall.yaml", 3, "c", "differs from abcdef-secret and from 1"),
                new ConfigException.Problem("seawall.yaml", 2, "b", "1 is outside 5-10")));
        assertThat(merged).extracting(ConfigException.Problem::problem).containsExactly(
                "differs from (the value of the reference) and from 1 (after substituting \"${TOKEN}\")",
                "(the value of the reference) is outside 5-10 (after substituting \"${N}\")");
    }
}
