package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code ${NAME}} and {@code ${NAME:default}} in the values of a composed YAML tree, before the front end reads it.
 *
 * <p>Rules (docs/operations/configuration-reference.md, "Environment variables"):
 * <ul>
 *   <li>every scalar value is substituted, wherever it sits (a mapping's value or a list's item); keys never are;</li>
 *   <li>{@code NAME} is a letter or {@code _} followed by letters, digits and {@code _};</li>
 *   <li>a variable that is unset or empty takes the default; without a default it is an error naming it;</li>
 *   <li>the default is the text up to the first closing brace; it may be empty and may not hold a reference;</li>
 *   <li><code>$${</code> stands for a literal <code>${</code>; any other {@code $} is itself;</li>
 *   <li>what a variable holds is taken literally, never substituted again.</li>
 * </ul>
 *
 * <p>A variable's value never appears in a message: problems of substitution name the variable, and every problem
 * later reported on a line whose values were substituted shows the references in place of the values
 * ({@link #redact}). The substituted scalar keeps its position, so a value that expands to something invalid is
 * reported against the line where the reference is written. One instance per load; not thread-safe.
 */
final class Substitution {

    /** Longest value a scalar may expand to: a value longer than any setting needs is refused, not kept. */
    static final int MAX_EXPANDED = 65_536;

    /** Most references in one scalar. */
    static final int MAX_REFERENCES = 64;

    private final String source;
    private final Function<String, String> environment;
    private final List<ConfigException.Problem> problems = new ArrayList<>();
    /** line to the values substituted on it (to hide) and the references written there (to show instead) */
    private final Map<Integer, List<String[]>> substituted = new HashMap<>();
    /** key paths where substitution failed: what the reader says about those values is only a consequence */
    private final Set<String> failedPaths = new HashSet<>();

    Substitution(String source, Function<String, String> environment) {
        this.source = source;
        this.environment = environment;
    }

    /** Substitutes every scalar value below {@code node}, in place (the tree's lists are mutable). */
    void apply(Node node) {
        walk(node, "");
    }

    List<ConfigException.Problem> problems() {
        return problems;
    }

    private void walk(Node node, String path) {
        if (node instanceof MappingNode mn) {
            List<NodeTuple> tuples = mn.getValue();
            for (int i = 0; i < tuples.size(); i++) {
                NodeTuple t = tuples.get(i);
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?";
                String kp = path.isEmpty() ? key : path + "." + key;
                Node value = t.getValueNode();
                if (value instanceof ScalarNode sn) {
                    ScalarNode replaced = scalar(sn, kp);
                    if (replaced != sn) {
                        tuples.set(i, new NodeTuple(t.getKeyNode(), replaced));
                    }
                } else {
                    walk(value, kp);
                }
            }
        } else if (node instanceof SequenceNode sq) {
            List<Node> items = sq.getValue();
            for (int i = 0; i < items.size(); i++) {
                String ip = path + "[" + i + "]";
                if (items.get(i) instanceof ScalarNode sn) {
                    items.set(i, scalar(sn, ip));
                } else {
                    walk(items.get(i), ip);
                }
            }
        }
        // a scalar root is the front end's problem ("expected a mapping")
    }

    /** @return the node itself when it holds no reference, else a copy holding the substituted text */
    private ScalarNode scalar(ScalarNode sn, String path) {
        String text = sn.getValue();
        if (text.indexOf('$') < 0) {
            return sn;
        }
        int line = YamlReader.startLine(sn);
        List<String> values = new ArrayList<>();
        String out;
        try {
            out = expand(text, values);
        } catch (IllegalArgumentException e) {
            if (problems.size() >= YamlReader.MAX_PROBLEMS) {
                return sn; // the report is capped anyway
            }
            problems.add(new ConfigException.Problem(source, line, path, e.getMessage()));
            failedPaths.add(path);
            return sn;
        }
        if (out.equals(text)) {
            return sn;
        }
        for (String v : values) {
            substituted.computeIfAbsent(line, l -> new ArrayList<>()).add(new String[] {v, text});
        }
        return new ScalarNode(sn.getTag(), out, sn.getStartMark(), sn.getEndMark(), sn.getScalarStyle());
    }

    /**
     * @param values receives each value taken from the environment
     * @throws IllegalArgumentException naming the variable or the mistake, never a value
     */
    String expand(String text, List<String> values) {
        StringBuilder out = new StringBuilder(text.length());
        int refs = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
                continue;
            }
            if (!text.startsWith("${", i)) {
                out.append(c);
                i++;
                continue;
            }
            int close = text.indexOf('}', i + 2);
            if (close < 0) {
                throw new IllegalArgumentException("unterminated ${ (expected ${NAME} or ${NAME:default}; write $${"
                        + " for a literal ${)");
            }
            String body = text.substring(i + 2, close);
            if (body.contains("${")) {
                throw new IllegalArgumentException("a reference inside a reference is not supported (the default"
                        + " of ${NAME:default} is plain text)");
            }
            int colon = body.indexOf(':');
            String name = colon < 0 ? body : body.substring(0, colon);
            String fallback = colon < 0 ? null : body.substring(colon + 1);
            if (!validName(name)) {
                throw new IllegalArgumentException(ConfigValues.quote(name) + " is not a variable name (expected a"
                        + " letter or _ followed by letters, digits and _)");
            }
            if (++refs > MAX_REFERENCES) {
                throw new IllegalArgumentException("more than " + MAX_REFERENCES + " references in one value");
            }
            String value = environment.apply(name);
            if (value == null || value.isEmpty()) {
                if (fallback == null) {
                    throw new IllegalArgumentException("environment variable " + name + " is not set (give a default"
                            + " with ${" + name + ":default})");
                }
                value = fallback;
            } else {
                values.add(value);
            }
            if (out.length() + value.length() > MAX_EXPANDED) {
                throw new IllegalArgumentException("the value expands to more than " + MAX_EXPANDED
                        + " characters");
            }
            out.append(value);
            i = close + 1;
        }
        return out.toString();
    }

    static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 256) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Merges the reader's problems with substitution's: a problem of a value whose substitution failed is dropped
     * (the value was never read as written), and on a line where values were substituted every value is replaced by
     * the text as written, so a secret that happens to be invalid is never echoed.
     */
    List<ConfigException.Problem> merge(List<ConfigException.Problem> reader) {
        List<ConfigException.Problem> out = new ArrayList<>(problems);
        for (ConfigException.Problem p : reader) {
            if (failedPaths.contains(p.keyPath())) {
                continue;
            }
            out.add(new ConfigException.Problem(p.source(), p.line(), p.keyPath(), redact(p)));
        }
        return out;
    }

    /**
     * A value at least this long, substituted anywhere in the file, is hidden from every message, not only from the
     * messages about its own line (a rule between keys may cite another key's line). Shorter values are hidden on
     * their own line only: hiding "1" everywhere would garble "1-100".
     */
    static final int HIDE_EVERYWHERE = 6;

    private String redact(ConfigException.Problem p) {
        List<String[]> onLine = substituted.getOrDefault(p.line(), List.of());
        String text = p.problem();
        List<String[]> elsewhere = new ArrayList<>();
        for (Map.Entry<Integer, List<String[]>> e : substituted.entrySet()) {
            if (e.getKey() != p.line()) {
                for (String[] s : e.getValue()) {
                    if (s[0].length() >= HIDE_EVERYWHERE) {
                        elsewhere.add(s);
                    }
                }
            }
        }
        Set<String> written = new LinkedHashSet<>();
        for (String[] s : onLine) {
            written.add(s[1]);
        }
        List<String[]> ordered = new ArrayList<>(onLine);
        ordered.addAll(elsewhere);
        // longest value first, so that a value holding a shorter one is hidden whole
        ordered.sort((a, b) -> Integer.compare(b[0].length(), a[0].length()));
        for (String[] s : ordered) {
            String hidden = hide(text, s[0]);
            if (!hidden.equals(text)) {
                written.add(s[1]);
                text = hidden;
            }
        }
        if (written.isEmpty()) {
            return text;
        }
        return text + " (after substituting " + String.join(", ", written.stream().map(ConfigValues::quote)
                .toList()) + ")";
    }

    private static String hide(String text, String value) {
        String quoted = ConfigValues.quote(value);
        text = text.replace(quoted, "(the value of the reference)");
        // a message quotes at most a prefix of a long value
        String prefix = quoted.substring(1, Math.max(1, quoted.length() - 1));
        if (prefix.endsWith("...")) {
            text = text.replace(prefix.substring(0, prefix.length() - 3), "(the value of the reference)");
        }
        if (value.length() >= HIDE_EVERYWHERE) {
            return text.replace(value, "(the value of the reference)");
        }
        // a short value only where it stands alone: "1" is hidden in "1 is outside" but not in "5-10"
        return java.util.regex.Pattern.compile("(?<![A-Za-z0-9])" + java.util.regex.Pattern.quote(value)
                + "(?![A-Za-z0-9])").matcher(text).replaceAll("(the value of the reference)");
    }
}
