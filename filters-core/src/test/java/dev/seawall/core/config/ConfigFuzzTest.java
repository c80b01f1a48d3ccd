package dev.seawall.core.config;

import dev.seawall.core.Seawall;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Broken configuration files: a corpus of hand-written ones (each names the error it must give in its first line,
 * {@code # expect: ...}), and seeded random mutations of a valid file. Every one gives a clear
 * {@code file:line: key: problem} error or a working engine; never another exception, a stack trace or a Java name.
 */
class ConfigFuzzTest {

    /** What a configuration error looks like: a file name, usually a line, then the message. */
    private static final Pattern ERROR = Pattern.compile("^seawall\\.yaml(:\\d+)?: .+", Pattern.DOTALL);

    private static final String VALID = """
            trusted-proxies: [10.0.0.0/8]
            headers:
              rate-limit: both
            policies:
              - name: api
                paths: [/api/*, "*.json"]
                methods: [GET, POST]
                rate-limits:
                  - by: ip
                    limit: [10/1s, 300/1m]
                  - by: api-key
                    on-missing: reject
                    limit: 100/1h
                    plans: {pro: 1000/1h}
                    plan-of: {k1: pro}
                throttle: {max-concurrent: 4, queue: 8, max-wait: 500ms}
                circuit-breaker: {failure-rate: 50, minimum-calls: 10, open-for: 10s}
                timeout: 2s
                fallback: {status: 503, body: '{"degraded":true}', stale-cache: 1m}
              - name: login
                paths: [/login]
                rate-limits:
                  - {by: ip, limit: 5/1m}
                fail-closed: true
            """;

    private static Path corpus() throws URISyntaxException {
        return Path.of(ConfigFuzzTest.class.getResource("/config-corpus").toURI());
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusFileFailsWithItsOwnMessage() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(corpus())) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(30);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            String first = text.lines().findFirst().orElse("");
            assertThat(first).startsWith("# expect: ");
            String expected = first.substring("# expect: ".length()).trim();
            String message = failure(text);
            assertThat(message).as(f.getFileName().toString()).matches(ERROR);
            if (expected.startsWith("seawall.yaml")) {
                assertThat(message).startsWith(expected);
            } else {
                assertThat(message).contains(expected);
            }
        }));
    }

    @Test
    void theUnmutatedFileIsValid() {
        try (Seawall engine = build(VALID)) {
            assertThat(engine.policies()).hasSize(2);
        }
    }

    @Test
    void randomMutationsGiveAWorkingEngineOrAPreciseErrorNeverAnotherException() {
        Random random = new Random(20261126L);
        String alphabet = "-:[]{}#&*!|>'\"%@`,?\t\n \u0000\u00ff0123456789/aemsx.";
        int errors = 0;
        for (int i = 0; i < 3_000; i++) {
            StringBuilder sb = new StringBuilder(VALID);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(sb.length());
                switch (random.nextInt(4)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 2 -> sb.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> {
                        int to = Math.min(sb.length(), at + 1 + random.nextInt(40));
                        sb.insert(random.nextInt(sb.length()), sb.substring(at, to));
                    }
                }
            }
            String text = sb.toString();
            try (Seawall engine = build(text)) {
                assertThat(engine.policies()).isNotEmpty();
            } catch (ConfigException ex) {
                errors++;
                assertThat(ex.getMessage()).as("mutation %d:%n%s", i, text).matches(ERROR)
                        .doesNotContain("Exception").doesNotContain("org.yaml").doesNotContain("java.");
                assertThat(ex.getStackTrace()).isEmpty();
            } catch (RuntimeException | StackOverflowError ex) {
                fail("mutation %d threw %s instead of a config error:%n%s", i, ex, text);
            }
        }
        assertThat(errors).as("most mutations break the file").isGreaterThan(1_000);
    }

    private static Seawall build(String text) {
        return Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", text).build();
    }

    private static String failure(String text) throws IOException {
        try (Seawall ignored = build(text)) {
            throw new AssertionError("no error for:\n" + text);
        } catch (ConfigException e) {
            assertThat(e.getStackTrace()).isEmpty();
            assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("org.yaml");
            return e.getMessage();
        }
    }
}
