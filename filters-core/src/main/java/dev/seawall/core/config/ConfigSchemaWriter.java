package dev.seawall.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link ConfigSchema} as a JSON Schema (draft-07, the newest draft every YAML language server reads) for
 * {@code seawall.yaml}. The output is deterministic (keys in declaration order, two-space indent, LF line ends), so
 * that the committed copies change only when the configuration's keys, defaults or ranges do.
 *
 * <p>Stateless; thread-safe.
 */
final class ConfigSchemaWriter {

    /** Where the schema is shipped inside the filters-core jar. */
    static final String RESOURCE = "dev/seawall/core/config/seawall.schema.json";

    private ConfigSchemaWriter() {
    }

    /** @return the schema document, ending with a line feed */
    static String json() {
        ConfigSchema.Block root = ConfigSchema.ROOT;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("$schema", "http://json-schema.org/draft-07/schema#");
        doc.put("title", "seawall.yaml");
        doc.putAll(object(root));
        Map<String, Object> defs = new LinkedHashMap<>();
        ConfigSchema.VALUES.forEach((name, f) -> defs.put(name, f.keywords()));
        for (ConfigSchema.Block b : ConfigSchema.BLOCKS) {
            defs.put(b.id(), object(b));
        }
        doc.put("definitions", defs);
        StringBuilder out = new StringBuilder();
        write(doc, 0, out);
        return out.append('\n').toString();
    }

    private static Map<String, Object> object(ConfigSchema.Block b) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("description", b.description());
        o.put("type", "object");
        Map<String, Object> props = new LinkedHashMap<>();
        for (ConfigSchema.Key k : b.keys()) {
            props.put(k.name(), k.value().keywords());
        }
        o.put("properties", props);
        if (!b.required().isEmpty()) {
            o.put("required", b.required());
        }
        o.put("additionalProperties", b.open() ? SchemaFragment.scalar().keywords() : false);
        if (b.rules() != null) {
            o.putAll(b.rules().keywords());
        }
        return o;
    }

    private static void write(Object v, int depth, StringBuilder out) {
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            for (int i = 0; i < entries.size(); i++) {
                indent(depth + 1, out);
                string(String.valueOf(entries.get(i).getKey()), out);
                out.append(": ");
                write(entries.get(i).getValue(), depth + 1, out);
                out.append(i + 1 < entries.size() ? ",\n" : "\n");
            }
            indent(depth, out);
            out.append('}');
        } else if (v instanceof List<?> l) {
            if (l.stream().allMatch(e -> !(e instanceof Map<?, ?>) && !(e instanceof List<?>))) {
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    write(l.get(i), depth, out);
                    out.append(i + 1 < l.size() ? ", " : "");
                }
                out.append(']');
                return;
            }
            out.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                indent(depth + 1, out);
                write(l.get(i), depth + 1, out);
                out.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            indent(depth, out);
            out.append(']');
        } else if (v instanceof String s) {
            string(s, out);
        } else if (v instanceof Number || v instanceof Boolean) {
            out.append(v);
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v);
        }
    }

    private static void indent(int depth, StringBuilder out) {
        out.append("  ".repeat(depth));
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
