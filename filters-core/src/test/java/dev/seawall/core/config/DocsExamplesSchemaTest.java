package dev.seawall.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every {@code ```yaml} example in the product docs ({@code docs/**}{@code /*.md} and {@code README.md}) validates
 * against the generated schema and loads with the real loader, and together they use every key of the schema. A
 * block that is not a whole {@code seawall.yaml} says so on the line above its fence:
 * <ul>
 *   <li>{@code <!-- schema-example: invalid -->}: a file with mistakes, shown for its error report; the schema and
 *       the loader must both refuse it;</li>
 *   <li>{@code <!-- schema-example: spring-boot -->}: an {@code application.yml}; its {@code seawall:} keys, less
 *       the starter's own, are checked as a file;</li>
 *   <li>{@code <!-- schema-example: fragment -->}: lines of a block shown alone; not checked;</li>
 *   <li>{@code <!-- schema-example: other -->}: YAML that is not Seawall's (a CI pipeline, a Kubernetes
 *       manifest); not checked.</li>
 * </ul>
 * {@code src/test/resources/config/every-key.yaml} adds the keys no page shows, and the configurations the
 * repository ships (the demo's) are checked the same way.
 * A file with a store other than local is loaded without its {@code store:} block (the store module is not on this
 * module's class path; its own tests load its examples), after the block was validated with the rest.
 */
class DocsExamplesSchemaTest {

    private static final Path ROOT = Path.of("..");
    /**
     * The configurations the repository ships or runs, checked like the docs' (the benchmark's are templates with
     * placeholders, not files).
     */
    private static final List<Path> SHIPPED = List.of(
            ROOT.resolve("demo-webapp/src/main/resources/webapp/WEB-INF/seawall.yaml"),
            ROOT.resolve("servlet-integration/src/test/resources/locator/sample.yaml"));
    /** The keys no example in the docs shows (algorithm-specific settings and the like), checked the same way. */
    private static final Path EVERY_KEY = Path.of("src/test/resources/config/every-key.yaml");
    private static final Pattern FENCE = Pattern.compile("(?m)^(?:<!-- schema-example: ([a-z-]+) -->\\n)?```yaml\\n"
            + "(.*?)^```", Pattern.DOTALL);
    /** A top-level {@code store:} block: its line and the indented or blank lines after it. */
    private static final Pattern STORE_BLOCK = Pattern.compile("(?m)^store:.*\\n(?:(?:[ #].*)?\\n)*");
    /** The Spring Boot starter's own keys under {@code seawall:} (SeawallProperties.STARTER_KEYS). */
    private static final Set<String> STARTER_KEYS = Set.of("enabled", "config", "filter", "watch");

    record Example(String file, int line, String kind, String yaml) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }

    static List<Example> examples() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<Example> out = new ArrayList<>();
        out.add(new Example(EVERY_KEY.toString(), 1, "file", Files.readString(EVERY_KEY, StandardCharsets.UTF_8)));
        for (Path f : SHIPPED) {
            out.add(new Example(ROOT.relativize(f).toString(), 1, "file", Files.readString(f, StandardCharsets.UTF_8)));
        }
        for (Path f : files) {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            Matcher m = FENCE.matcher(text);
            while (m.find()) {
                int line = (int) text.substring(0, m.start(2)).chars().filter(c -> c == '\n').count() + 1;
                out.add(new Example(ROOT.relativize(f).toString(), line, m.group(1) == null ? "file" : m.group(1),
                        m.group(2)));
            }
        }
        return out;
    }

    @Test
    void everyExampleValidatesAndLoads() throws IOException {
        Schema schema = ConfigSchemaTest.schema();
        List<Example> examples = examples();
        assertThat(examples).as("yaml examples found in the docs").hasSizeGreaterThan(10);
        Set<String> used = new TreeSet<>();
        for (Example e : examples) {
            assertThat(e.kind()).as(e + ": marker").isIn("file", "invalid", "spring-boot", "fragment", "other");
            if (e.kind().equals("fragment") || e.kind().equals("other")) {
                continue;
            }
            JsonNode tree = ConfigSchemaTest.YAML.valueToTree(ConfigSchemaTest.parse(e.yaml()));
            assertThat(tree.isObject()).as(e + " is not a mapping: if it is not a seawall.yaml, mark it (see this"
                    + " test's Javadoc)").isTrue();
            if (e.kind().equals("spring-boot")) {
                ObjectNode seawall = ((ObjectNode) tree.path("seawall")).deepCopy();
                seawall.remove(STARTER_KEYS);
                tree = seawall;
            }
            List<String> errors = ConfigSchemaTest.errors(schema, tree);
            if (e.kind().equals("invalid")) {
                assertThat(errors).as(e + ": the schema refuses the invalid example").isNotEmpty();
                String yaml = e.yaml();
                assertThatThrownBy(() -> ConfigLoader.parse(e.toString(), yaml)).as(e.toString())
                        .isInstanceOf(ConfigException.class);
                continue;
            }
            assertThat(errors).as(e + ": schema errors").isEmpty();
            // the text as written, so that the loader reads what the reader of the docs reads (re-written YAML would
            // turn off into false); a store block other than local is cut out as lines
            String yaml = e.kind().equals("spring-boot") ? ConfigSchemaTest.YAML.writeValueAsString(tree) : e.yaml();
            if (!"local".equals(tree.path("store").path("type").asText("local"))) {
                yaml = STORE_BLOCK.matcher(yaml).replaceAll("");
            }
            String text = yaml;
            try {
                assertThat(ConfigLoader.parse(e.toString(), text)).as(e.toString()).isNotNull();
            } catch (ConfigException ex) {
                throw new AssertionError(e + " does not load: " + ex.getMessage(), ex);
            }
            keys(ConfigSchema.ROOT, tree, used);
        }
        Set<String> all = new TreeSet<>();
        all.addAll(keysOf(ConfigSchema.ROOT));
        ConfigSchema.BLOCKS.forEach(b -> all.addAll(keysOf(b)));
        all.removeAll(used);
        assertThat(all).as("keys of the schema that no example in the docs (or every-key.yaml) uses").isEmpty();
    }

    /**
     * The other way round: every key of the schema is read by the loader, not only allowed. In the first example
     * that uses a key, its value is replaced by one of the wrong shape (a mapping for a value or a list, a list for
     * a mapping); the schema and the loader must both refuse the file, the loader at that key's path. A key the
     * schema listed but no reader looked at would be let through by the loader.
     */
    @Test
    void everyKeyOfTheSchemaIsReadByTheLoader() throws IOException {
        Schema schema = ConfigSchemaTest.schema();
        Set<String> checked = new TreeSet<>();
        for (Example e : examples()) {
            if (!e.kind().equals("file")) {
                continue;
            }
            JsonNode parsed = ConfigSchemaTest.YAML.valueToTree(ConfigSchemaTest.parse(e.yaml()));
            assertThat(parsed.isObject()).as(e + " is not a mapping: if it is not a seawall.yaml, mark it (see this"
                    + " test's Javadoc)").isTrue();
            ObjectNode tree = (ObjectNode) parsed;
            if (!"local".equals(tree.path("store").path("type").asText("local"))) {
                tree.remove("store"); // the store module's keys are its own tests' business (every-key.yaml: local)
            }
            mutate(e, schema, tree, tree, ConfigSchema.ROOT, "", checked);
        }
        Set<String> all = new TreeSet<>();
        all.addAll(keysOf(ConfigSchema.ROOT));
        ConfigSchema.BLOCKS.forEach(b -> all.addAll(keysOf(b)));
        all.removeAll(checked);
        assertThat(all).as("keys never checked").isEmpty();
    }

    private static void mutate(Example e, Schema schema, ObjectNode file, ObjectNode node, ConfigSchema.Block block,
                               String path, Set<String> checked) throws IOException {
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        for (String name : fields) {
            ConfigSchema.Key key = block.keys().stream().filter(k -> k.name().equals(name)).findFirst()
                    .orElse(null);
            if (key == null) {
                continue;
            }
            String keyPath = path.isEmpty() ? name : path + "." + name;
            JsonNode original = node.get(name);
            if (checked.add(block.id() + "." + name)) {
                JsonNode wrong = original.isObject()
                        ? ConfigSchemaTest.YAML.createArrayNode().add("x")
                        : ConfigSchemaTest.YAML.createObjectNode().set("x",
                                ConfigSchemaTest.YAML.createObjectNode().put("y", 1));
                node.set(name, wrong);
                String yaml = ConfigSchemaTest.YAML.writeValueAsString(file);
                node.set(name, original);
                assertThat(ConfigSchemaTest.errors(schema, ConfigSchemaTest.YAML.readTree(yaml)))
                        .as(e + ": the schema refuses a wrong " + keyPath).isNotEmpty();
                assertThatThrownBy(() -> ConfigLoader.parse(e.toString(), yaml))
                        .as(e + ": the loader refuses a wrong " + keyPath)
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining(keyPath);
            }
            ConfigSchema.Block child = child(key.value().keywords());
            if (child == null) {
                continue;
            }
            if (original.isObject()) {
                mutate(e, schema, file, (ObjectNode) original, child, keyPath, checked);
            } else if (original.isArray()) {
                for (int i = 0; i < original.size(); i++) {
                    if (original.get(i).isObject()) {
                        mutate(e, schema, file, (ObjectNode) original.get(i), child, keyPath + "[" + i + "]",
                                checked);
                    }
                }
            }
        }
    }

    private static List<String> keysOf(ConfigSchema.Block b) {
        return b.names().stream().map(k -> b.id() + "." + k).toList();
    }

    /** Records {@code block.key} for every key of {@code node}, descending into the blocks the keys refer to. */
    private static void keys(ConfigSchema.Block block, JsonNode node, Set<String> used) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            ConfigSchema.Key key = block.keys().stream().filter(k -> k.name().equals(f.getKey())).findFirst()
                    .orElse(null);
            if (key == null) {
                continue; // a key of an open block (the store module's), validated already
            }
            used.add(block.id() + "." + f.getKey());
            ConfigSchema.Block child = child(key.value().keywords());
            if (child == null) {
                continue;
            }
            JsonNode v = f.getValue();
            if (v.isObject()) {
                keys(child, v, used);
            } else if (v.isArray()) {
                for (JsonNode item : v) {
                    if (item.isObject()) {
                        keys(child, item, used);
                    }
                }
            }
        }
    }

    /** The block a key's schema refers to, found by its {@code $ref}, or null for a plain value. */
    private static ConfigSchema.Block child(Object schema) {
        if (schema instanceof Map<?, ?> m) {
            Object ref = m.get("$ref");
            if (ref instanceof String s) {
                String id = s.substring(s.lastIndexOf('/') + 1);
                for (ConfigSchema.Block b : ConfigSchema.BLOCKS) {
                    if (b.id().equals(id)) {
                        return b;
                    }
                }
            }
            for (Object v : m.values()) {
                ConfigSchema.Block b = child(v);
                if (b != null) {
                    return b;
                }
            }
        } else if (schema instanceof List<?> l) {
            for (Object v : l) {
                ConfigSchema.Block b = child(v);
                if (b != null) {
                    return b;
                }
            }
        }
        return null;
    }
}
