package dev.seawall.spring;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The IDE metadata names every starter property and every key of the configuration reference's top level and
 * {@code store} tables (the inline keys an IDE can complete), each with a description.
 */
class MetadataTest {

    private static final Path REFERENCE = Path.of("../docs/operations/configuration-reference.md");

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> properties() throws Exception {
        String json;
        try (var in = MetadataTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("metadata on the class path").isNotNull();
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Map<String, Object> root = new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
        Map<String, Map<String, Object>> byName = new java.util.HashMap<>();
        for (Object o : (List<Object>) root.get("properties")) {
            Map<String, Object> p = (Map<String, Object>) o;
            byName.put((String) p.get("name"), p);
        }
        return byName;
    }

    /** @return the {@code key} column of the markdown table under {@code heading} */
    private static List<String> tableKeys(String heading) throws Exception {
        String text = Files.readString(REFERENCE);
        int at = text.indexOf("\n## " + heading + "\n");
        assertThat(at).as(heading).isPositive();
        int end = text.indexOf("\n## ", at + 4);
        Matcher m = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\|").matcher(text.substring(at, end));
        List<String> keys = new ArrayList<>();
        while (m.find()) {
            keys.add(m.group(1));
        }
        assertThat(keys).as(heading).isNotEmpty();
        return keys;
    }

    @Test
    void everyStarterPropertyAndEveryTopLevelAndStoreKeyHasADescribedEntry() throws Exception {
        Map<String, Map<String, Object>> props = properties();
        Set<String> expected = new HashSet<>(List.of("seawall.enabled", "seawall.config", "seawall.watch",
                "seawall.filter.order", "seawall.filter.before-security"));
        for (String key : tableKeys("Top level")) {
            if (!key.equals("store")) {
                expected.add("seawall." + key);
            }
        }
        for (String key : tableKeys("`store`")) {
            expected.add("seawall.store." + key);
        }
        assertThat(props.keySet()).containsAll(expected);
        for (Map<String, Object> p : props.values()) {
            assertThat((String) p.get("description")).as((String) p.get("name")).isNotBlank();
            assertThat((String) p.get("name")).startsWith("seawall.");
        }
        assertThat(props.get("seawall.enabled").get("defaultValue")).isEqualTo(true);
    }
}
