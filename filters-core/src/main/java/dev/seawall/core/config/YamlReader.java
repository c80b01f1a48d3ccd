package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The YAML side of loading: typed access to SnakeYAML's node tree with errors that cite line and key path, the
 * positions of every key, and the list of problems found so far. It checks shapes (mapping, list, value), unknown
 * keys and the value syntax ({@link ConfigValues}); every default and range is the config builders' business.
 *
 * <p>A problem is recorded and reading goes on, so that one load reports every independent mistake. Two kinds are
 * kept apart: problems of a key or value (shape, unknown key, syntax, range), and problems of the rules between
 * keys, found when a builder builds. An object whose own keys or whose children had a problem is not built (its
 * rules would only report consequences of the first mistake), and the rules' problems are reported only when no
 * key or value had one: a file is first made well-formed, then consistent. One instance per load; not thread-safe.
 */
final class YamlReader {

    /** A file with more problems than this stops being read: the report is capped anyway. */
    static final int MAX_PROBLEMS = 1_000;

    /**
     * The keys of one mapping, with the mapping's value node and key path.
     *
     * @param damaged some key was unknown or repeated: a key reported missing may only be misspelt
     */
    record Block(String path, Node node, Map<String, Node> keys, boolean damaged) {
        Block(String path, Node node, Map<String, Node> keys) {
            this(path, node, keys, false);
        }

        Node get(String key) {
            return keys.get(key);
        }

        boolean has(String key) {
            return keys.containsKey(key);
        }

        String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }
    }

    /** Thrown when the problem cap is reached, to stop reading. */
    static final class TooManyProblems extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooManyProblems() {
            super(null, null, false, false);
        }
    }

    private final String source;
    /** value node to its key node, so that errors about a whole block cite the key's line */
    private final Map<Node, Node> keyOf = new IdentityHashMap<>();
    private final Map<String, Integer> positions = new LinkedHashMap<>();
    private final List<ConfigException.Problem> problems = new ArrayList<>();
    /** problems of the rules between keys, reported only when {@link #problems} stays empty */
    private final List<ConfigException.Problem> ruleProblems = new ArrayList<>();

    YamlReader(String source) {
        this.source = source;
    }

    String source() {
        return source;
    }

    SourceMap positions() {
        return new SourceMap(positions);
    }

    /** @return the problems to report: those of keys and values, else those of the rules between keys */
    List<ConfigException.Problem> problems() {
        return problems.isEmpty() ? ruleProblems : problems;
    }

    // ---- problems ----

    ConfigException error(Node node, String path, String problem) {
        return new ConfigException(source, node == null ? 0 : startLine(node), path, problem);
    }

    void record(ConfigException e) {
        problems.addAll(e.problems());
        if (problems.size() >= MAX_PROBLEMS) {
            throw new TooManyProblems();
        }
    }

    void record(int line, String path, String problem) {
        record(new ConfigException(source, line, path, problem));
    }

    /** @return a mark to compare with {@link #clean(int)} */
    int mark() {
        return problems.size() + ruleProblems.size();
    }

    /** @return true when no problem was recorded since the mark */
    boolean clean(int mark) {
        return mark() == mark;
    }

    /** Runs one unit of reading; a problem is recorded and the result is null. */
    <T> T attempt(Supplier<T> unit) {
        try {
            return unit.get();
        } catch (ConfigException e) {
            record(e);
            return null;
        } catch (Skip e) {
            return null;
        }
    }

    /**
     * Forwards one value to a builder: a conversion problem, or the builder refusing the value, is recorded at
     * {@code cite}'s line under the block's path and the key the builder names.
     */
    void set(Node cite, String blockPath, Runnable setter) {
        try {
            setter.run();
        } catch (ConfigException e) {
            record(e);
        } catch (Skip e) {
            // its problems are recorded already
        } catch (InvalidSettingException e) {
            record(startLine(cite), join(blockPath, e.key()), e.problem());
        }
    }

    /** Forwards the value of {@code key}, when the block has it. */
    void opt(Block b, String key, Consumer<Node> setter) {
        Node n = b.get(key);
        if (n != null) {
            set(n, b.path(), () -> setter.accept(n));
        }
    }

    /** Forwards a whole number, when the block has the key. */
    void optInt(Block b, String key, IntConsumer setter) {
        Node n = b.get(key);
        if (n != null) {
            setInt(n, b.path(), b.path(key), setter);
        }
    }

    /** Forwards a whole number; a value beyond {@code int} is still reported with the text as written. */
    void setInt(Node n, String blockPath, String path, IntConsumer setter) {
        set(n, blockPath, () -> {
            String v = scalar(n, path).trim();
            long value = whole(n, path, v);
            ConfigValues.forwardInt(v, value, setter);
        });
    }

    /**
     * Builds a block's object when nothing was recorded since {@code mark}; the builder's refusal is recorded at
     * the line of the key it names (or of the block).
     *
     * @return the object, or null when it was not built
     */
    <T> T build(int mark, Block block, Supplier<T> build) {
        if (!clean(mark) || block.damaged()) {
            return null;
        }
        try {
            return build.get();
        } catch (InvalidSettingException e) {
            ruleProblems.add(new ConfigException.Problem(source, lineFor(block, e), join(block.path(), e.key()),
                    e.problem()));
            if (ruleProblems.size() >= MAX_PROBLEMS) {
                throw new TooManyProblems();
            }
            return null;
        }
    }

    /** The line a builder's refusal cites: the named key's value, or the block's key, or the block's start. */
    int lineFor(Block block, InvalidSettingException e) {
        if (e.citeKey() != null) {
            Node n = e.citeKey().isEmpty() ? block.node() : block.get(e.citeKey());
            return n == null ? startLine(block.node()) : lineOf(n);
        }
        Node n = find(block, e.key());
        return startLine(n == null ? block.node() : n);
    }

    /** The node of a key below a block: {@code order}, {@code order[1]}; null when the file does not have it. */
    private static Node find(Block block, String key) {
        if (key.isEmpty()) {
            return null;
        }
        int bracket = key.indexOf('[');
        Node n = block.get(bracket < 0 ? key : key.substring(0, bracket));
        if (n != null && bracket >= 0 && n instanceof SequenceNode sn && key.endsWith("]")) {
            try {
                int i = Integer.parseInt(key.substring(bracket + 1, key.length() - 1));
                return i < sn.getValue().size() ? sn.getValue().get(i) : n;
            } catch (NumberFormatException e) {
                return n;
            }
        }
        return n;
    }

    static String join(String path, String key) {
        if (key.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    // ---- positions ----

    /** The line of a block's key (a mapping value starts on the line after its key). */
    int lineOf(Node value) {
        return startLine(keyOf.getOrDefault(value, value));
    }

    static int startLine(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    // ---- typed access ----

    /**
     * Reads a scalar naming one of a fixed set of choices.
     *
     * @param parse   the choice for a name, or null for none
     * @param refusal what follows the quoted value when it names no choice, e.g. {@code "is not a key kind (expected
     *                ip, user, api-key or tenant)"}
     */
    <T> T choice(Node node, String path, java.util.function.Function<String, T> parse, String refusal) {
        String v = scalar(node, path);
        T choice = parse.apply(v);
        if (choice == null) {
            throw error(node, path, ConfigValues.quote(v) + " " + refusal);
        }
        return choice;
    }

    /**
     * The keys of a mapping. Unknown and repeated keys are recorded (with a "did you mean" for a close key) and
     * left out.
     *
     * @param allowed the keys allowed, or null for a free-form map (plans, plan-of)
     */
    Block mapping(Node node, String path, Set<String> allowed) {
        if (!(node instanceof MappingNode mn)) {
            throw error(node, path.isEmpty() ? "(root)" : path, "expected a mapping of keys, found " + describe(node));
        }
        Map<String, Node> out = new LinkedHashMap<>();
        int mark = mark();
        for (NodeTuple t : mn.getValue()) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode ks)) {
                record(error(k, path, "keys must be plain text"));
                continue;
            }
            String key = ks.getValue();
            String kp = path.isEmpty() ? key : path + "." + key;
            if (allowed != null && !allowed.contains(key)) {
                String hint = ConfigLoader.suggestion(key, allowed);
                record(error(k, kp, "unknown key" + (hint == null ? "" : " (did you mean " + hint + "?)")));
                continue;
            }
            if (out.containsKey(key)) {
                record(error(k, kp, "duplicate key"));
                continue;
            }
            keyOf.put(t.getValueNode(), k);
            positions.putIfAbsent(kp, startLine(k));
            out.put(key, t.getValueNode());
        }
        if (allowed == null && out.size() > ConfigLoader.MAX_LIST) {
            throw error(node, path, "has more than " + ConfigLoader.MAX_LIST + " entries");
        }
        return new Block(path, node, out, !clean(mark));
    }

    List<Node> list(Node node, String path) {
        if (node instanceof SequenceNode sn) {
            if (sn.getValue().size() > ConfigLoader.MAX_LIST) {
                throw error(node, path, "has more than " + ConfigLoader.MAX_LIST + " items");
            }
            for (int i = 0; i < sn.getValue().size(); i++) {
                positions.putIfAbsent(path + "[" + i + "]", startLine(sn.getValue().get(i)));
            }
            return sn.getValue();
        }
        if (node instanceof ScalarNode sc && !isNull(sc)) {
            return List.of(node); // a single value where a list is expected: [value]
        }
        throw error(node, path, "expected a list, found " + describe(node));
    }

    String scalar(Node node, String path) {
        if (!(node instanceof ScalarNode sn) || isNull(sn)) {
            throw error(node, path, "expected a value, found " + describe(node));
        }
        return sn.getValue();
    }

    long whole(Node node, String path, String v) {
        try {
            return ConfigValues.parseWholeNumber(v);
        } catch (IllegalArgumentException e) {
            throw error(node, path, e.getMessage());
        }
    }

    /** A whole number within a range that is the front end's own (list sizes), not a setting's. */
    int integer(Node node, String path, int min, int max) {
        String v = scalar(node, path).trim();
        long n = whole(node, path, v);
        if (n < min || n > max) {
            throw error(node, path, v + " is outside " + min + "-" + max);
        }
        return (int) n;
    }

    Duration duration(Node node, String path) {
        String v = scalar(node, path);
        try {
            return ConfigValues.parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw error(node, path, e.getMessage());
        }
    }

    boolean bool(Node node, String path) {
        String v = scalar(node, path).trim();
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw error(node, path, ConfigValues.quote(v) + " is not true or false");
        };
    }

    List<dev.seawall.core.ratelimit.Rate> rates(Node node, String path) {
        List<Node> items = node instanceof SequenceNode ? list(node, path) : List.of(node);
        if (items.isEmpty()) {
            throw error(node, path, "must hold at least one rate");
        }
        if (items.size() > RateLimitConfig.MAX_RATES) {
            throw error(node, path, "has more than " + RateLimitConfig.MAX_RATES + " rates");
        }
        List<dev.seawall.core.ratelimit.Rate> rates = new ArrayList<>();
        int mark = mark();
        for (int i = 0; i < items.size(); i++) {
            String pp = node instanceof SequenceNode ? path + "[" + i + "]" : path;
            Node item = items.get(i);
            dev.seawall.core.ratelimit.Rate r = attempt(() -> {
                try {
                    return ConfigValues.parseRate(scalar(item, pp));
                } catch (IllegalArgumentException e) {
                    throw error(item, pp, e.getMessage());
                }
            });
            rates.add(r);
        }
        if (!clean(mark)) {
            // the items' problems are recorded; the caller's builder must not see a partial list
            throw new Skip();
        }
        return rates;
    }

    /**
     * Records that a key is missing, unless the block had an unknown or repeated key (which may be the missing key
     * misspelt: reporting it twice would only confuse).
     */
    void missing(Block block, Node cite, String path, String problem) {
        if (!block.damaged()) {
            record(error(cite, path, problem));
        }
    }

    /** Like {@link #missing} for a key the block cannot do without: stops reading the block. */
    ConfigException required(Block block, Node cite, String path, String problem) {
        if (block.damaged()) {
            throw new Skip();
        }
        return error(cite, path, problem);
    }

    /** Aborts a setter whose problems are already recorded. */
    static final class Skip extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skip() {
            super(null, null, false, false);
        }
    }

    static boolean isNull(ScalarNode n) {
        String v = n.getValue();
        return n.getTag().getValue().endsWith(":null") || v.isEmpty() && n.getScalarStyle().getChar() == null;
    }

    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof ScalarNode s && isNull(s)) {
            return "nothing";
        }
        return "a single value";
    }
}
