package dev.seawall.spring;

import dev.seawall.core.ConfigSource;
import dev.seawall.core.config.ConfigException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Seawall's configuration written inline under {@code seawall:} in Spring's own properties ({@code application.yml},
 * profiles, command-line arguments, system properties), rendered as the YAML text of {@code seawall.yaml} so that the
 * one loader checks it by the one rule set.
 *
 * <p>Spring's precedence is kept: a value from a higher source wins; a mapping merges key by key; a list comes whole
 * from the highest source that has any of it (as Spring binds lists). Relaxed names are accepted for keys
 * ({@code rateLimits} reads as {@code rate-limits}). Environment variables are not read as inline keys: their names
 * cannot say where a list index or a dashed key ends ({@code SEAWALL_POLICIES_0_RATE_LIMITS_0_LIMIT}); each one found
 * is reported, never silently dropped; {@code SEAWALL_CONFIG} (a file) is the way to configure from the environment.
 *
 * <p>Errors are restated with the place each value came from ({@link #explain}): {@code application.yml:14:
 * seawall.policies[0].rate-limits[0].limit: ...}, where Spring knows the file and line.
 *
 * <p>Thread-safe: each {@link #read} renders afresh (a reload sees refreshed property sources); the last rendering's
 * origins are published through a volatile field and only read to explain an error of that rendering.
 */
final class InlineConfig implements ConfigSource {

    static final String NAME = "application properties (seawall.*)";
    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("seawall");

    private final ConfigurableEnvironment environment;
    private volatile Rendering last;

    InlineConfig(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    /** One rendering: the YAML text, the origin of each leaf by key path, and environment variables left out. */
    record Rendering(String yaml, Map<String, Origin> origins, List<String> ignoredEnvironment) {
        boolean present() {
            return !origins.isEmpty();
        }
    }

    /** A value with where it came from. */
    private record Leaf(Object value, Origin origin) {
    }

    /** A list node: elements by index, as Spring's indexed names give them. */
    private static final class ListNode extends TreeMap<Integer, Object> {
        private static final long serialVersionUID = 1L;
    }

    Rendering render() {
        Object merged = null;
        List<String> ignored = new ArrayList<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            boolean fromEnvironment = source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
            Map<String, Object> tree = new LinkedHashMap<>();
            iterable.stream().filter(ROOT::isAncestorOf).forEach(name -> {
                String first = name.getElement(1, Form.DASHED);
                if (SeawallProperties.STARTER_KEYS.contains(first)) {
                    return;
                }
                if (fromEnvironment) {
                    ignored.add(name.toString());
                    return;
                }
                ConfigurationProperty p = source.getConfigurationProperty(name);
                if (p != null && p.getValue() != null) {
                    insert(tree, name, new Leaf(p.getValue(), p.getOrigin()));
                }
            });
            if (!tree.isEmpty()) {
                merged = merged == null ? tree : merge(merged, tree);
            }
        }
        Map<String, Origin> origins = new LinkedHashMap<>();
        Object plain = merged == null ? Map.of() : plain(merged, "", origins);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        String yaml = merged == null ? "" : new Yaml(options).dump(plain);
        Rendering r = new Rendering(yaml, Map.copyOf(origins), List.copyOf(ignored));
        last = r;
        return r;
    }

    @SuppressWarnings("unchecked")
    private static void insert(Map<String, Object> tree, ConfigurationPropertyName name, Leaf leaf) {
        Object node = tree;
        int n = name.getNumberOfElements();
        for (int i = 1; i < n; i++) {
            boolean last = i == n - 1;
            String original = name.getElement(i, Form.ORIGINAL);
            Object key = name.isNumericIndex(i) ? (Object) Integer.valueOf(original)
                    : dataKey(name, i) ? original : dashed(original);
            boolean childIsList = !last && name.isNumericIndex(i + 1);
            Object child;
            if (node instanceof ListNode list && key instanceof Integer index) {
                child = last ? list.put(index, leaf) : list.computeIfAbsent(index, k -> childIsList ? new ListNode()
                        : new LinkedHashMap<String, Object>());
            } else if (node instanceof Map<?, ?> && !(node instanceof ListNode) && key instanceof String k) {
                Map<String, Object> map = (Map<String, Object>) node;
                child = last ? map.put(k, leaf) : map.computeIfAbsent(k, x -> childIsList ? new ListNode()
                        : new LinkedHashMap<String, Object>());
            } else {
                return; // one source gives both a value and a list/mapping at one name: the first shape stays
            }
            if (last) {
                return;
            }
            node = child;
        }
    }

    /**
     * @return whether element {@code i} is data rather than a configuration key, so that it keeps its spelling: a
     *         plan's name under {@code plans}, an API key under {@code plan-of}, a header name under a fallback's
     *         {@code headers}
     */
    static boolean dataKey(ConfigurationPropertyName name, int i) {
        if (i < 2) {
            return false;
        }
        String parent = dashed(name.getElement(i - 1, Form.ORIGINAL));
        return parent.equals("plans") || parent.equals("plan-of")
                || parent.equals("headers") && dashed(name.getElement(i - 2, Form.ORIGINAL)).equals("fallback");
    }

    /** Spring's relaxed names: {@code rateLimits} and {@code rate_limits} are {@code rate-limits}. */
    static String dashed(String element) {
        StringBuilder sb = new StringBuilder(element.length() + 4);
        for (int i = 0; i < element.length(); i++) {
            char c = element.charAt(i);
            if (Character.isUpperCase(c)) {
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '-') {
                    sb.append('-');
                }
                sb.append(Character.toLowerCase(c));
            } else {
                sb.append(c == '_' ? '-' : c);
            }
        }
        return sb.toString();
    }

    /** Merges a lower-precedence tree under a higher one, as Spring's binder would read them together. */
    @SuppressWarnings("unchecked")
    private static Object merge(Object higher, Object lower) {
        if (higher instanceof ListNode || higher instanceof Leaf) {
            return higher;
        }
        if (higher instanceof Map<?, ?> h && lower instanceof Map<?, ?> l && !(lower instanceof ListNode)) {
            Map<String, Object> out = new LinkedHashMap<>((Map<String, Object>) l);
            for (Map.Entry<String, Object> e : ((Map<String, Object>) h).entrySet()) {
                Object below = out.get(e.getKey());
                out.put(e.getKey(), below == null ? e.getValue() : merge(e.getValue(), below));
            }
            return out;
        }
        return higher;
    }

    /** Plain maps, lists and values for the YAML writer; records each leaf's origin under its key path. */
    private static Object plain(Object node, String path, Map<String, Origin> origins) {
        if (node instanceof Leaf leaf) {
            origins.put(path, leaf.origin() != null ? leaf.origin() : NO_ORIGIN);
            Object v = leaf.value();
            return v instanceof Number || v instanceof Boolean ? v : v.toString();
        }
        if (node instanceof ListNode list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Map.Entry<Integer, Object> e : list.entrySet()) {
                out.add(plain(e.getValue(), path + "[" + out.size() + "]", origins));
            }
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) node).entrySet()) {
            String key = (String) e.getKey();
            out.put(key, plain(e.getValue(), path.isEmpty() ? key : path + "." + key, origins));
        }
        return out;
    }

    /** Stands for "Spring did not say where this value came from". */
    private static final Origin NO_ORIGIN = new Origin() {
        @Override
        public String toString() {
            return "";
        }
    };

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String read() {
        return render().yaml();
    }

    /**
     * Restates each problem at the place its value came from: the leaf with that key path, or else the first leaf
     * under it (a problem with a whole mapping), or else the inline configuration as a whole.
     */
    @Override
    public ConfigException explain(ConfigException error) {
        Rendering r = last;
        if (r == null) {
            return error;
        }
        List<ConfigException.Problem> out = new ArrayList<>(error.problems().size());
        for (ConfigException.Problem p : error.problems()) {
            Origin origin = text(originOf(r, p.keyPath()));
            String key = p.keyPath().isEmpty() ? "seawall" : "seawall." + p.keyPath();
            if (origin instanceof TextResourceOrigin text && text.getResource() != null) {
                String file = text.getResource().getFilename();
                int line = text.getLocation() == null ? 0 : text.getLocation().getLine() + 1;
                out.add(new ConfigException.Problem(file == null ? text.getResource().getDescription() : file, line,
                        key, p.problem()));
            } else {
                String where = origin == null || origin == NO_ORIGIN ? "application properties" : origin.toString();
                out.add(new ConfigException.Problem(where, 0, key, p.problem()));
            }
        }
        return new ConfigException(out);
    }

    /** The file-and-line origin under Spring's wrappers ({@code PropertySourceOrigin}), or the origin as it is. */
    private static Origin text(Origin origin) {
        for (Origin o = origin; o != null; o = o instanceof PropertySourceOrigin p ? p.getOrigin() : o.getParent()) {
            if (o instanceof TextResourceOrigin) {
                return o;
            }
        }
        return origin;
    }

    private static Origin originOf(Rendering r, String keyPath) {
        if (keyPath.isEmpty()) {
            return null;
        }
        Origin exact = r.origins().get(keyPath);
        if (exact != null) {
            return exact;
        }
        String prefix = keyPath;
        for (Map.Entry<String, Origin> e : r.origins().entrySet()) {
            String k = e.getKey();
            if (k.startsWith(prefix) && (k.length() == prefix.length() || k.charAt(prefix.length()) == '.'
                    || k.charAt(prefix.length()) == '[')) {
                return e.getValue();
            }
        }
        return null;
    }
}
