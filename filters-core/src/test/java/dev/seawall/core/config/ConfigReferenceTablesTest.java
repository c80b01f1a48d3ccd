package dev.seawall.core.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration reference lists every key of every block, and no other: each block's table (the first column,
 * {@code | `key` |}) holds exactly the keys {@link ConfigSchema} gives the block, the loader's own list. A dotted
 * key ({@code priority.header}, {@code backoff.base}) is a key of the block its first part names, listed in the
 * parent's table.
 */
class ConfigReferenceTablesTest {

    private static final Path REFERENCE = Path.of("../docs/operations/configuration-reference.md");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{2,3} (.+)$");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\|");

    /** The reference's headings and the block each one's table describes. */
    private static final Map<String, ConfigSchema.Block> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put("Top level", ConfigSchema.ROOT);
        TABLES.put("Policy", ConfigSchema.POLICY);
        TABLES.put("Rate-limit item", ConfigSchema.RATE_LIMIT);
        TABLES.put("`throttle`", ConfigSchema.THROTTLE);
        TABLES.put("`throttle.limit`", ConfigSchema.ADAPTIVE_LIMIT);
        TABLES.put("`circuit-breaker`", ConfigSchema.BREAKER);
        TABLES.put("`timeout`", ConfigSchema.TIMEOUT);
        TABLES.put("`fallback`", ConfigSchema.FALLBACK);
        TABLES.put("`idempotency`", ConfigSchema.IDEMPOTENCY);
        TABLES.put("`clients`", ConfigSchema.CLIENT);
        TABLES.put("Client `retry`", ConfigSchema.RETRY);
        TABLES.put("Client `budget`", ConfigSchema.BUDGET);
        TABLES.put("Client `timeout`", ConfigSchema.CLIENT_TIMEOUT);
        TABLES.put("Client `hedge`", ConfigSchema.HEDGE);
    }

    /** Blocks listed with dotted keys in their parent's table, by the parent key naming them. */
    private static final Map<String, ConfigSchema.Block> DOTTED = Map.of(
            "headers", ConfigSchema.HEADERS, "client-ip", ConfigSchema.CLIENT_IP, "exempt", ConfigSchema.EXEMPT,
            "priority", ConfigSchema.PRIORITY, "criticality", ConfigSchema.CRITICALITY,
            "backoff", ConfigSchema.BACKOFF);

    @Test
    void everyBlockTableListsExactlyTheLoadersKeys() throws IOException {
        String text = Files.readString(REFERENCE, StandardCharsets.UTF_8);
        Map<String, String> sections = new LinkedHashMap<>();
        Matcher h = HEADING.matcher(text);
        String heading = null;
        int from = 0;
        while (h.find()) {
            if (heading != null) {
                sections.put(heading, text.substring(from, h.start()));
            }
            heading = h.group(1).trim();
            from = h.end();
        }
        sections.put(heading, text.substring(from));
        Set<String> documentedBlocks = new TreeSet<>();
        for (Map.Entry<String, ConfigSchema.Block> t : TABLES.entrySet()) {
            String section = sections.get(t.getKey());
            assertThat(section).as("heading " + t.getKey()).isNotNull();
            ConfigSchema.Block block = t.getValue();
            Set<String> keys = new TreeSet<>();
            Map<String, Set<String>> dotted = new LinkedHashMap<>();
            Matcher row = ROW.matcher(section);
            while (row.find()) {
                String key = row.group(1);
                int dot = key.indexOf('.');
                if (dot < 0) {
                    keys.add(key);
                } else {
                    keys.add(key.substring(0, dot));
                    dotted.computeIfAbsent(key.substring(0, dot), k -> new TreeSet<>()).add(key.substring(dot + 1));
                }
            }
            assertThat(keys).as("the keys of the table under " + t.getKey())
                    .containsExactlyInAnyOrderElementsOf(block.names());
            documentedBlocks.add(block.id());
            dotted.forEach((parent, children) -> {
                ConfigSchema.Block child = DOTTED.get(parent);
                assertThat(child).as(t.getKey() + ": a block for " + parent + ".*").isNotNull();
                assertThat(children).as("the keys of " + parent + " under " + t.getKey())
                        .containsExactlyInAnyOrderElementsOf(child.names());
                documentedBlocks.add(child.id());
            });
        }
        Set<String> undocumented = new TreeSet<>();
        ConfigSchema.BLOCKS.forEach(b -> undocumented.add(b.id()));
        undocumented.removeAll(documentedBlocks);
        // the store's keys belong to the store module (its own table, checked by the Spring Boot metadata test);
        // a client's circuit-breaker is a policy breaker, whose table is shared
        assertThat(undocumented).containsExactlyInAnyOrder("store");
    }
}
