package dev.seawall.core.config;

import com.networknt.schema.Schema;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The corpus of broken files ({@code src/test/resources/config-corpus}) against the schema: the loader refuses every
 * one, and the schema (as an editor shows it) refuses every one too, unless the mistake is a rule only the loader
 * can check. Those are listed here with the reason, so that the schema's reach is written down and a file the
 * schema stops refusing fails this test.
 */
class SchemaCorpusTest {

    private static final Path CORPUS = Path.of("src/test/resources/config-corpus");

    /** Files whose mistake the schema cannot see, and why (docs/operations/configuration-schema.md lists them). */
    private static final Map<String, String> ONLY_THE_LOADER = Map.of(
            "05-duplicate-names.yaml", "names unique across policies",
            "06-pattern-tie.yaml", "a path pattern claimed by two policies",
            "23-fail-closed-cache.yaml", "fail-closed with a fallback: a rule between two keys",
            "25-duplicate-key.yaml", "a key given twice (YAML language servers report duplicate keys themselves)",
            "27-rate-too-fast.yaml", "a rate refilling faster than one token per nanosecond",
            "31-client-host-tie.yaml", "a host claimed by two clients",
            "33-client-host-is-a-url.yaml", "the host pattern syntax");

    @Test
    void theSchemaRefusesEveryBrokenFileButTheRulesOnlyTheLoaderChecks() throws IOException {
        Schema schema = ConfigSchemaTest.schema();
        Map<String, String> accepted = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(CORPUS)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(30);
        for (Path f : files) {
            String name = f.getFileName().toString();
            byte[] bytes = Files.readAllBytes(f);
            String text = new String(bytes, StandardCharsets.UTF_8);
            assertThatThrownBy(() -> ConfigLoader.parse(name, text)).as(name).isInstanceOf(ConfigException.class);
            boolean refused;
            try {
                refused = !ConfigSchemaTest.errors(schema, ConfigSchemaTest.YAML.readTree(bytes)).isEmpty();
            } catch (IOException e) {
                refused = true; // not YAML an editor can read: it reports the syntax error itself
            }
            if (!refused) {
                accepted.put(name, ONLY_THE_LOADER.getOrDefault(name, "(no reason given)"));
            }
        }
        assertThat(accepted).as("broken files the schema accepts").isEqualTo(new TreeMap<>(ONLY_THE_LOADER));
    }
}
