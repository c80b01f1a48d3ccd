package dev.seawall.core.config;

import dev.seawall.core.config.AdaptiveLimitConfig.Algorithm;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

import java.io.StringReader;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A throttle's {@code limit} block: its builder's rules, and the YAML reader forwarding to them. */
class AdaptiveLimitConfigTest {

    private static final String PATH = "policies[0].throttle.limit";

    private static InvalidSettingException refusal(Runnable r) {
        return catchThrowableOfType(InvalidSettingException.class, r::run);
    }

    /** Reads {@code yaml} (the block's keys) as a throttle's limit block; the problems, if any, land in reader. */
    private static AdaptiveLimitConfig read(YamlReader reader, String yaml) {
        Node root = new Yaml().compose(new StringReader("limit:\n" + yaml.indent(2)));
        Node block = ((MappingNode) root).getValue().get(0).getValueNode();
        return new YamlAdaptiveLimit(reader).read(block, PATH);
    }

    private static List<String> problems(String yaml) {
        YamlReader reader = new YamlReader("seawall.yaml");
        assertThat(reader.attempt(() -> read(reader, yaml))).isNull();
        return reader.problems().stream().map(ConfigException.Problem::toString).toList();
    }

    @Test
    void defaults() {
        AdaptiveLimitConfig c = AdaptiveLimitConfig.builder().build();
        assertThat(c.algorithm()).isEqualTo(Algorithm.GRADIENT2);
        assertThat(c.initial()).isEqualTo(20);
        assertThat(c.min()).isEqualTo(1);
        assertThat(c.max()).isEqualTo(200);
        assertThat(c.window()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.windowSamples()).isEqualTo(10);
        assertThat(c.latencyTolerance()).isEqualTo(1.5);
        assertThat(c.maxGrowth()).isEqualTo(0.1);
        assertThat(c.probeInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.dropShare()).isEqualTo(0.1);
        assertThat(c.smoothing()).isEqualTo(0.2);
        assertThat(c.longWindow()).isEqualTo(600);
        assertThat(c.rttTolerance()).isEqualTo(1.5);
        assertThat(c.queueSize()).isEqualTo(4);
        AdaptiveLimitConfig vegas = AdaptiveLimitConfig.builder().algorithm(Algorithm.VEGAS).build();
        assertThat(vegas.smoothing()).isEqualTo(1.0);
        assertThat(vegas.alpha()).isZero();
        assertThat(vegas.beta()).isZero();
        AdaptiveLimitConfig aimd = AdaptiveLimitConfig.builder().algorithm(Algorithm.AIMD).build();
        assertThat(aimd.backoffRatio()).isEqualTo(0.9);
        assertThat(aimd.latencyThreshold()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void theDefaultInitialLimitIsKeptWithinTheBounds() {
        assertThat(AdaptiveLimitConfig.builder().max(10).build().initial()).isEqualTo(10);
        assertThat(AdaptiveLimitConfig.builder().min(50).build().initial()).isEqualTo(50);
    }

    @Test
    void minAboveMaxNamesBothKeys() {
        InvalidSettingException e = refusal(() -> AdaptiveLimitConfig.builder().min(50).max(10).build());
        assertThat(e.key()).isEqualTo("min");
        assertThat(e.getMessage()).isEqualTo("min: 50 is above max (10)");
    }

    @Test
    void anInitialLimitOutsideTheBoundsIsRefused() {
        InvalidSettingException e = refusal(() -> AdaptiveLimitConfig.builder().min(5).max(50).initial(60).build());
        assertThat(e.key()).isEqualTo("initial");
        assertThat(e.problem()).isEqualTo("60 is outside min-max (5-50)");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().min(5).initial(2).build()).key()).isEqualTo("initial");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().initial(0)).getMessage())
                .isEqualTo("initial: 0 is outside 1-100000");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().max(100_001)).key()).isEqualTo("max");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().min(0)).key()).isEqualTo("min");
    }

    @Test
    void anAlgorithmsParameterIsRefusedForAnotherAlgorithm() {
        InvalidSettingException e = refusal(() -> AdaptiveLimitConfig.builder().algorithm(Algorithm.AIMD)
                .queueSize(8).build());
        assertThat(e.key()).isEqualTo("queue-size");
        assertThat(e.problem()).isEqualTo("applies only with algorithm gradient2 (this limit is aimd)");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().alpha(3).build()).key()).isEqualTo("alpha");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().backoffRatio(0.8).build()).key())
                .isEqualTo("backoff-ratio");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().algorithm(Algorithm.VEGAS)
                .latencyThreshold(Duration.ofSeconds(1)).build()).key()).isEqualTo("latency-threshold");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().algorithm(Algorithm.AIMD).smoothing(0.5).build())
                .getMessage()).isEqualTo("smoothing: applies only with algorithm gradient2 or vegas");
        // the order of the setters does not matter: the rule is checked when the block is built
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().longWindow(100).algorithm(Algorithm.VEGAS).build())
                .key()).isEqualTo("long-window");
    }

    @Test
    void parametersAreCheckedAgainstTheirRanges() {
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().latencyTolerance(1.0)).getMessage())
                .isEqualTo("latency-tolerance: 1 is outside 1 (excluded) to 10");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().maxGrowth(0)).key()).isEqualTo("max-growth");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().maxGrowth(Double.NaN)).key()).isEqualTo("max-growth");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().smoothing(1.5)).key()).isEqualTo("smoothing");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().rttTolerance(0.9)).key()).isEqualTo("rtt-tolerance");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().backoffRatio(1.0)).key()).isEqualTo("backoff-ratio");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().backoffRatio(0.4)).key()).isEqualTo("backoff-ratio");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().window(Duration.ofMinutes(2))).key())
                .isEqualTo("window");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().window(Duration.ZERO)).key()).isEqualTo("window");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().windowSamples(0)).key()).isEqualTo("window-samples");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().probeInterval(Duration.ofMillis(10))).key())
                .isEqualTo("probe-interval");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().longWindow(5)).key()).isEqualTo("long-window");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().queueSize(-1)).key()).isEqualTo("queue-size");
        InvalidSettingException e = refusal(() -> AdaptiveLimitConfig.builder().algorithm(Algorithm.VEGAS)
                .alpha(6).beta(3).build());
        assertThat(e.key()).isEqualTo("beta");
        assertThat(e.problem()).isEqualTo("3 must be above alpha (6)");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().dropShare(0)).key()).isEqualTo("drop-share");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().dropShare(1.5)).getMessage())
                .isEqualTo("drop-share: 1.5 is outside 0 (excluded) to 1");
        assertThat(AdaptiveLimitConfig.builder().dropShare(1).build().dropShare()).isEqualTo(1.0);
    }

    @Test
    void vegasAlphaAndBetaAreGivenTogether() {
        // the default beta is 6 × max(1, log10(limit)): 6 below a limit of 100, so a fixed alpha of 8 alone would
        // leave the limit's "grow" threshold above its "shrink" threshold
        InvalidSettingException alone = refusal(() -> AdaptiveLimitConfig.builder().algorithm(Algorithm.VEGAS)
                .alpha(8).build());
        assertThat(alone.key()).isEqualTo("beta");
        assertThat(alone.problem()).startsWith("is required when alpha is given");
        assertThat(refusal(() -> AdaptiveLimitConfig.builder().algorithm(Algorithm.VEGAS).beta(2).build()).key())
                .isEqualTo("alpha");
        AdaptiveLimitConfig both = AdaptiveLimitConfig.builder().algorithm(Algorithm.VEGAS).alpha(8).beta(20).build();
        assertThat(both.alpha()).isEqualTo(8);
        assertThat(both.beta()).isEqualTo(20);
        assertThat(problems("{algorithm: vegas, alpha: 8}")).singleElement().asString()
                .contains(PATH + ".beta: is required when alpha is given");
    }

    @Test
    void theYamlBlockForwardsEveryKey() {
        YamlReader reader = new YamlReader("seawall.yaml");
        AdaptiveLimitConfig g = read(reader, """
                algorithm: gradient2
                initial: 30
                min: 5
                max: 400
                window: 500ms
                window-samples: 20
                latency-tolerance: 2
                max-growth: 0.25
                probe-interval: 30s
                drop-share: 0.25
                smoothing: 0.5
                long-window: 100
                rtt-tolerance: 1.2
                queue-size: 8
                """);
        assertThat(reader.problems()).isEmpty();
        assertThat(g).isEqualTo(new AdaptiveLimitConfig(Algorithm.GRADIENT2, 30, 5, 400, Duration.ofMillis(500), 20,
                2.0, 0.25, Duration.ofSeconds(30), 0.25, 0.5, 100, 1.2, 8, 0, 0, 0.9, Duration.ofSeconds(5)));
        AdaptiveLimitConfig v = read(reader, "{algorithm: vegas, alpha: 2, beta: 5, smoothing: 0.4}");
        assertThat(v.algorithm()).isEqualTo(Algorithm.VEGAS);
        assertThat(v.alpha()).isEqualTo(2);
        assertThat(v.beta()).isEqualTo(5);
        assertThat(v.smoothing()).isEqualTo(0.4);
        AdaptiveLimitConfig a = read(reader, "{algorithm: aimd, backoff-ratio: 0.75, latency-threshold: 2s}");
        assertThat(a.algorithm()).isEqualTo(Algorithm.AIMD);
        assertThat(a.backoffRatio()).isEqualTo(0.75);
        assertThat(a.latencyThreshold()).isEqualTo(Duration.ofSeconds(2));
        assertThat(reader.problems()).isEmpty();
    }

    @Test
    void yamlErrorsNameTheKeyPath() {
        assertThat(problems("{min: 50, max: 10}")).containsExactly("seawall.yaml:2: " + PATH + ".min: 50 is above max (10)");
        assertThat(problems("{algorithm: cubic}")).singleElement().asString()
                .contains(PATH + ".algorithm").contains("\"cubic\" is not an algorithm (expected gradient2, vegas or aimd)");
        assertThat(problems("{algorithm: GRADIENT2}")).singleElement().asString().contains(PATH + ".algorithm");
        assertThat(problems("{max-concurent: 10}")).singleElement().asString()
                .contains(PATH + ".max-concurent: unknown key");
        assertThat(problems("{algorithm: aimd, queue-size: 4}")).containsExactly(
                "seawall.yaml:2: " + PATH + ".queue-size: applies only with algorithm gradient2 (this limit is aimd)");
        assertThat(problems("{latency-tolerance: 1e3}")).singleElement().asString()
                .contains(PATH + ".latency-tolerance").contains("is not a decimal number");
        assertThat(problems("{drop-share: 10%}")).singleElement().asString()
                .contains(PATH + ".drop-share").contains("is not a decimal number");
        assertThat(problems("{drop-share: 0}")).singleElement().asString().contains(PATH + ".drop-share");
        assertThat(problems("{max-growth: -0.5}")).singleElement().asString().contains(PATH + ".max-growth");
        assertThat(problems("{smoothing: .nan}")).singleElement().asString().contains(PATH + ".smoothing");
        assertThat(problems("{initial: 99999999999}")).singleElement().asString()
                .contains(PATH + ".initial").contains("99999999999");
        assertThat(problems("{window: 2m}")).singleElement().asString().contains(PATH + ".window");
        assertThat(problems("{latency-threshold: soon, algorithm: aimd}")).singleElement().asString()
                .contains(PATH + ".latency-threshold");
        assertThat(problems("[gradient2]")).singleElement().asString().contains(PATH)
                .contains("expected a mapping");
    }

    @Test
    void theReferenceAndTheAlgorithmsPageListEveryKey() throws java.io.IOException {
        String reference = java.nio.file.Files.readString(
                java.nio.file.Path.of("../docs/operations/configuration-reference.md"));
        int start = reference.indexOf("### `throttle.limit`");
        assertThat(start).isPositive();
        String table = reference.substring(start, reference.indexOf("\n\n", reference.indexOf("| key |", start)));
        String page = java.nio.file.Files.readString(
                java.nio.file.Path.of("../docs/operations/adaptive-limit-algorithms.md"));
        for (String key : YamlAdaptiveLimit.KEYS) {
            assertThat(table).as(key).contains("| `" + key + "` |");
            assertThat(page).as(key).contains("`" + key + "`");
        }
    }
}
