package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Loads {@code seawall.yaml} (CONFIG.md): the YAML front end of the config builders.
 *
 * <p>The file is composed into SnakeYAML's node tree rather than bound to objects, because every error
 * must cite the line and the key path, and unknown keys must be errors. {@link YamlFrontEnd} and {@link YamlStages}
 * walk the tree and forward the values present to the builders ({@link SeawallConfig#builder}, {@link
 * PolicyConfig#builder} and the stages' own), which hold every default and rule; the positions of the keys come
 * back beside the objects ({@link SeawallConfig#positions()}). Every mistake of a file is reported, not just the
 * first ({@link ConfigException#problems()}). Keys of stages that this version does not implement are validated
 * like the others and then refused with an error saying so — never silently ignored.
 *
 * <p>Hostile files are bounded: at most {@value #MAX_CODE_POINTS} code points, nesting depth
 * {@value #MAX_NESTING}, no aliases to collections, no duplicate keys.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

    /** The stages this version implements; keys of the others fail start-up. */
    static final Set<StageKind> AVAILABLE_STAGES = Set.copyOf(EnumSet.allOf(StageKind.class));

    static final int MAX_CODE_POINTS = 1_000_000;
    static final int MAX_NESTING = 20;
    static final int MAX_POLICIES = SeawallConfig.MAX_POLICIES;

    /** Most items in one list or entries in one free-form map. */
    static final int MAX_LIST = 1_000;

    private ConfigLoader() {
    }

    /** Loads a file; errors cite its file name. {@code ${NAME}} references are read from the process environment. */
    public static SeawallConfig load(Path file) {
        return load(file, System::getenv);
    }

    /**
     * Loads a file; errors cite its file name.
     *
     * @param environment the value of an environment variable by name, or null when it is not set
     */
    public static SeawallConfig load(Path file, Function<String, String> environment) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        try {
            return parse(name, Files.readString(file, StandardCharsets.UTF_8), environment);
        } catch (IOException e) {
            throw new ConfigException(name, 0, "", "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    public static SeawallConfig load(String sourceName, Reader reader) {
        return load(sourceName, reader, AVAILABLE_STAGES);
    }

    public static SeawallConfig parse(String sourceName, String yaml) {
        return load(sourceName, new StringReader(yaml), AVAILABLE_STAGES);
    }

    /**
     * Parses a file's text with {@code ${NAME}} references read from {@code environment} (tests and tools pass
     * their own; nothing then depends on the process environment).
     *
     * @param environment the value of an environment variable by name, or null when it is not set
     */
    public static SeawallConfig parse(String sourceName, String yaml, Function<String, String> environment) {
        return load(sourceName, new StringReader(yaml), AVAILABLE_STAGES, environment);
    }

    /**
     * @param available the stages that may be configured; others are validated, then refused
     * @throws ConfigException for any problem, naming file, line and key path
     */
    public static SeawallConfig load(String sourceName, Reader reader, Set<StageKind> available) {
        return load(sourceName, reader, available, System::getenv);
    }

    /**
     * @param available   the stages that may be configured; others are validated, then refused
     * @param environment the value of an environment variable by name, or null when it is not set; a value is
     *                    never written into an error message
     * @throws ConfigException for any problem, naming file, line and key path
     */
    public static SeawallConfig load(String sourceName, Reader reader, Set<StageKind> available,
                                     Function<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        Node root = compose(sourceName, new StringReader(readBounded(sourceName, reader)));
        Substitution substitution = new Substitution(sourceName, environment);
        substitution.apply(root);
        YamlReader r = new YamlReader(sourceName);
        SeawallConfig config = null;
        try {
            config = r.attempt(() -> new YamlFrontEnd(r, available).root(root));
        } catch (YamlReader.TooManyProblems e) {
            // the report is capped: what was found is enough
        }
        if (!r.problems().isEmpty() || !substitution.problems().isEmpty()) {
            List<ConfigException.Problem> problems = substitution.merge(r.problems());
            // in file order; a problem without a line (the file as a whole) first
            problems.sort(Comparator.comparingInt(ConfigException.Problem::line));
            throw new ConfigException(problems);
        }
        return config;
    }

    /** Reads at most {@value #MAX_CODE_POINTS} chars: SnakeYAML's own limit does not count comments. */
    private static String readBounded(String source, Reader reader) {
        StringBuilder sb = new StringBuilder(4096);
        char[] buf = new char[8192];
        try {
            int n;
            while ((n = reader.read(buf)) > 0) {
                sb.append(buf, 0, n);
                if (sb.length() > MAX_CODE_POINTS) {
                    throw new ConfigException(source, 0, "", "the file is too large (at most " + MAX_CODE_POINTS
                            + " characters)");
                }
            }
        } catch (IOException e) {
            throw new ConfigException(source, 0, "", "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        return sb.toString();
    }

    private static Node compose(String source, Reader reader) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setMaxAliasesForCollections(0);
        options.setAllowRecursiveKeys(false);
        options.setAllowDuplicateKeys(false);
        options.setProcessComments(false);
        try {
            Node node = new Yaml(options).compose(reader);
            if (node == null) {
                throw new ConfigException(source, 0, "", "the file is empty (expected a mapping with policies or"
                        + " clients)");
            }
            return node;
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            throw new ConfigException(source, line, "", "not valid YAML: " + firstLine(e.getProblem()));
        } catch (YAMLException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage();
            if (msg.contains("exceeds the limit")) {
                throw new ConfigException(source, 0, "", "the file is too large (at most " + MAX_CODE_POINTS
                        + " characters)");
            }
            if (msg.contains("Nesting Depth")) {
                throw new ConfigException(source, 0, "", "the file is nested too deeply (at most " + MAX_NESTING
                        + " levels)");
            }
            if (msg.contains("aliases")) {
                throw new ConfigException(source, 0, "", "YAML aliases of collections are not allowed");
            }
            throw new ConfigException(source, 0, "", "not valid YAML: " + firstLine(msg));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 160 ? line.substring(0, 160) : line;
    }

    /** A close allowed key (edit distance at most 2), for "did you mean". */
    static String suggestion(String key, Set<String> allowed) {
        String best = null;
        int bestD = 3;
        for (String a : allowed) {
            int d = distance(key, a);
            if (d < bestD) {
                bestD = d;
                best = a;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 2 || a.length() > 64) {
            return 99;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
