package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.timeout.TimeoutStage;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.PathPattern;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitHeaders;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Loads and validates {@code seawall.yaml} (CONFIG.md).
 *
 * <p>The file is composed into SnakeYAML's node tree rather than bound to objects, because every error
 * must cite the line and the key path, and unknown keys must be errors. Every value is checked here, at
 * start-up; the hot path never parses. Keys of stages that this version does not implement are parsed and
 * validated like the others and then refused with an error saying so — never silently ignored.
 *
 * <p>Hostile files are bounded: at most {@value #MAX_CODE_POINTS} code points, nesting depth
 * {@value #MAX_NESTING}, no aliases to collections, no duplicate keys.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

    /** The stages this version implements; keys of the others fail start-up. */
    public static final Set<StageKind> AVAILABLE_STAGES = Set.copyOf(EnumSet.allOf(StageKind.class));

    static final int MAX_CODE_POINTS = 1_000_000;
    static final int MAX_NESTING = 20;
    static final int MAX_POLICIES = 1_000;
    static final int MAX_LIST = 1_000;

    private static final Pattern SAFE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    private static final Pattern CONTENT_TYPE = Pattern.compile(
            "[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\\s*;\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(\"[^\"\\p{Cntrl}]*\"|[!#$%&'*+.^_`|~0-9A-Za-z-]+))*");

    private static final Set<String> ROOT_KEYS = Set.of("trusted-proxies", "headers", "client-ip", "policies",
            "store");
    private static final Set<String> STORE_KEYS = Set.of("type", "uri", "key-prefix", "timeout", "on-failure", "nodes",
            "key-salt", "key-salt-env", "backoff", "failures", "engine", "optimization");
    private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9:_.{}-]{0,64}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** A salt shorter than this is guessable enough to let someone map remote keys back to identities. */
    static final int MIN_SALT_CHARS = 16;
    private static final Set<String> HEADERS_KEYS = Set.of("rate-limit");
    private static final Set<String> CLIENT_IP_KEYS = Set.of("ipv6-prefix");
    private static final Set<String> POLICY_KEYS = Set.of("name", "paths", "methods", "rate-limits", "throttle",
            "circuit-breaker", "timeout", "fallback", "order", "fail-closed", "buffer");
    private static final Set<String> LIMIT_KEYS = Set.of("by", "limit", "name", "header", "on-missing", "max-keys",
            "attribute", "source", "segment", "plans", "plan-of", "store");
    private static final Set<String> THROTTLE_KEYS = Set.of("max-concurrent", "queue", "max-wait", "priority",
            "max-concurrent-per-key", "per-key");
    private static final Set<String> PRIORITY_KEYS = Set.of("header", "roles", "paths");
    private static final Set<String> CLASSES = Set.of("high", "normal", "low");
    private static final Set<String> BREAKER_KEYS = Set.of("name", "failure-rate", "minimum-calls", "window",
            "open-for", "half-open-calls", "slow-call", "failure-statuses", "mode");
    private static final Set<String> TIMEOUT_KEYS = Set.of("after", "status");
    private static final Set<String> FALLBACK_KEYS = Set.of("status", "content-type", "body", "body-file", "headers",
            "handler", "stale-cache", "cache-entries", "cache-size", "on");
    private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");
    static final int MAX_BUFFER = 64 * 1024 * 1024;
    static final long MAX_CACHE_BYTES = 8L * 1024 * 1024 * 1024;
    static final int MAX_STATIC_BODY = 65_536;

    private ConfigLoader() {
    }

    /** Loads a file; errors cite its file name. */
    public static SeawallConfig load(Path file) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        try {
            return parse(name, Files.readString(file, StandardCharsets.UTF_8));
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
     * @param available the stages that may be configured; others are validated, then refused
     * @throws ConfigException for any problem, naming file, line and key path
     */
    public static SeawallConfig load(String sourceName, Reader reader, Set<StageKind> available) {
        Node root = compose(sourceName, new StringReader(readBounded(sourceName, reader)));
        return new Parser(sourceName, available).root(root);
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
                throw new ConfigException(source, 0, "", "the file is empty (expected a mapping with policies)");
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

    /** One parse; holds the source name for messages. */
    private static final class Parser {
        private final String source;
        private final Set<StageKind> available;
        /** value node to its key node, so that errors about a whole block cite the key's line */
        private final Map<Node, Node> keyOf = new java.util.IdentityHashMap<>();
        /** whether the file configures a shared store, known before its policies are read */
        private boolean sharedStore;

        Parser(String source, Set<StageKind> available) {
            this.source = source;
            this.available = available;
        }

        /** The line of a block's key (a mapping value starts on the line after its key). */
        int lineOf(Node value) {
            return keyOf.getOrDefault(value, value).getStartMark().getLine() + 1;
        }

        ConfigException error(Node node, String path, String problem) {
            return new ConfigException(source, node == null ? 0 : node.getStartMark().getLine() + 1, path, problem);
        }

        SeawallConfig root(Node root) {
            Map<String, Node> m = mapping(root, "", ROOT_KEYS);
            List<String> trusted = new ArrayList<>();
            Node tp = m.get("trusted-proxies");
            if (tp != null) {
                List<Node> items = list(tp, "trusted-proxies");
                for (int i = 0; i < items.size(); i++) {
                    String path = "trusted-proxies[" + i + "]";
                    String v = scalar(items.get(i), path);
                    try {
                        TrustedProxies.of(List.of(v));
                    } catch (IllegalArgumentException e) {
                        throw error(items.get(i), path, e.getMessage());
                    }
                    trusted.add(v.trim());
                }
            }
            RateLimitHeaders headers = RateLimitHeaders.IETF;
            Node h = m.get("headers");
            if (h != null) {
                Map<String, Node> hm = mapping(h, "headers", HEADERS_KEYS);
                Node rl = hm.get("rate-limit");
                if (rl != null) {
                    String v = scalar(rl, "headers.rate-limit");
                    headers = RateLimitHeaders.fromConfigName(v);
                    if (headers == null) {
                        throw error(rl, "headers.rate-limit", ConfigValues.quote(v)
                                + " is not a header mode (expected ietf, legacy, both or none)");
                    }
                }
            }
            int ipv6Prefix = 64;
            Node ci = m.get("client-ip");
            if (ci != null) {
                Map<String, Node> cm = mapping(ci, "client-ip", CLIENT_IP_KEYS);
                if (cm.containsKey("ipv6-prefix")) {
                    ipv6Prefix = integer(cm.get("ipv6-prefix"), "client-ip.ipv6-prefix", 1, 128);
                }
            }
            StoreConfig store = m.containsKey("store") ? store(m.get("store")) : StoreConfig.LOCAL;
            this.sharedStore = !store.local();
            Node ps = m.get("policies");
            if (ps == null) {
                throw error(root, "policies", "is required (a list of policies)");
            }
            List<Node> items = list(ps, "policies");
            if (items.isEmpty()) {
                throw error(ps, "policies", "must list at least one policy");
            }
            if (items.size() > MAX_POLICIES) {
                throw error(ps, "policies", "has " + items.size() + " policies (at most " + MAX_POLICIES + ")");
            }
            List<PolicyConfig> policies = new ArrayList<>();
            Map<String, Integer> names = new LinkedHashMap<>();
            List<Claim> claims = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                PolicyConfig p = policy(items.get(i), "policies[" + i + "]", names, claims);
                policies.add(p);
            }
            return new SeawallConfig(source, trusted, headers, ipv6Prefix, policies, store);
        }

        StoreConfig store(Node node) {
            Map<String, Node> m = mapping(node, "store", STORE_KEYS);
            int line = lineOf(node);
            String type = m.containsKey("type") ? scalar(m.get("type"), "store.type").trim() : "local";
            if (!SAFE_NAME.matcher(type).matches()) {
                throw error(m.get("type"), "store.type", ConfigValues.quote(type) + " is not a store type (expected"
                        + " local or redis)");
            }
            if ("local".equals(type)) {
                for (String k : m.keySet()) {
                    if (!"type".equals(k)) {
                        throw error(m.get(k), "store." + k, "applies only to a shared store (type: redis)");
                    }
                }
                return StoreConfig.LOCAL;
            }
            Node uriNode = m.get("uri");
            if (uriNode == null) {
                throw error(node, "store.uri", "is required for type: " + type + " (e.g. redis://127.0.0.1:6379)");
            }
            String uri = scalar(uriNode, "store.uri").trim();
            if (!(uri.startsWith("redis://") || uri.startsWith("rediss://")) || uri.length() > 2000
                    || uri.chars().anyMatch(c -> c <= ' ')) {
                throw error(uriNode, "store.uri", "is not a redis:// or rediss:// URI");
            }
            String prefix = "seawall:";
            if (m.containsKey("key-prefix")) {
                prefix = scalar(m.get("key-prefix"), "store.key-prefix");
                if (!KEY_PREFIX.matcher(prefix).matches()) {
                    throw error(m.get("key-prefix"), "store.key-prefix", ConfigValues.quote(prefix)
                            + " must be at most 64 chars of A-Z, a-z, 0-9, ':', '_', '.', '-', '{', '}'");
                }
            }
            Duration timeout = Duration.ofMillis(50);
            if (m.containsKey("timeout")) {
                timeout = duration(m.get("timeout"), "store.timeout");
                if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofSeconds(10)) > 0) {
                    throw error(m.get("timeout"), "store.timeout", "must be between 1ms and 10s");
                }
            }
            StoreConfig.OnFailure onFailure = StoreConfig.OnFailure.LOCAL;
            if (m.containsKey("on-failure")) {
                String v = scalar(m.get("on-failure"), "store.on-failure");
                onFailure = StoreConfig.OnFailure.fromConfigName(v);
                if (onFailure == null) {
                    throw error(m.get("on-failure"), "store.on-failure", ConfigValues.quote(v)
                            + " is not a choice (expected local, allow or deny)");
                }
            }
            int nodes = m.containsKey("nodes") ? integer(m.get("nodes"), "store.nodes", 1, 10_000) : 1;
            if (m.containsKey("key-salt") == m.containsKey("key-salt-env")) {
                throw error(m.containsKey("key-salt") ? m.get("key-salt-env") : node, "store.key-salt",
                        m.containsKey("key-salt") ? "give key-salt or key-salt-env, not both"
                                : "is required for a shared store (or key-salt-env naming an environment variable):"
                                + " a secret of at least " + MIN_SALT_CHARS + " characters, the same on every node");
            }
            String salt;
            if (m.containsKey("key-salt")) {
                salt = scalar(m.get("key-salt"), "store.key-salt");
                if (salt.length() < MIN_SALT_CHARS) {
                    // the value is a secret: never quote it back
                    throw error(m.get("key-salt"), "store.key-salt", "is shorter than " + MIN_SALT_CHARS
                            + " characters");
                }
            } else {
                String env = scalar(m.get("key-salt-env"), "store.key-salt-env").trim();
                if (!ENV_NAME.matcher(env).matches()) {
                    throw error(m.get("key-salt-env"), "store.key-salt-env", ConfigValues.quote(env)
                            + " is not an environment variable name");
                }
                salt = System.getenv(env);
                if (salt == null || salt.length() < MIN_SALT_CHARS) {
                    throw error(m.get("key-salt-env"), "store.key-salt-env", "the environment variable " + env
                            + (salt == null ? " is not set" : " holds fewer than " + MIN_SALT_CHARS + " characters"));
                }
            }
            Duration backoff = Duration.ofSeconds(2);
            if (m.containsKey("backoff")) {
                backoff = duration(m.get("backoff"), "store.backoff");
                if (backoff.compareTo(Duration.ofMillis(10)) < 0 || backoff.compareTo(Duration.ofMinutes(10)) > 0) {
                    throw error(m.get("backoff"), "store.backoff", "must be between 10ms and 10m");
                }
            }
            int failures = m.containsKey("failures") ? integer(m.get("failures"), "store.failures", 1, 1000) : 3;
            String engine = m.containsKey("engine") ? scalar(m.get("engine"), "store.engine").trim() : "script";
            if (!engine.equals("script") && !engine.equals("bucket4j")) {
                throw error(m.get("engine"), "store.engine", ConfigValues.quote(engine)
                        + " is not an engine (expected script or bucket4j)");
            }
            String optimization = "none";
            if (m.containsKey("optimization")) {
                if (!engine.equals("bucket4j")) {
                    throw error(m.get("optimization"), "store.optimization", "applies only to engine: bucket4j");
                }
                optimization = scalar(m.get("optimization"), "store.optimization").trim();
                if (!optimization.equals("none") && !optimization.equals("batching")
                        && !optimization.equals("delaying")) {
                    throw error(m.get("optimization"), "store.optimization", ConfigValues.quote(optimization)
                            + " is not a choice (expected none, batching or delaying)");
                }
            }
            return new StoreConfig(line, type, uri, prefix, timeout, onFailure, nodes, salt, backoff, failures, engine,
                    optimization);
        }

        /** A path pattern claimed by a policy, for tie detection. */
        private record Claim(PathPattern pattern, Set<String> methods, String policy, int line) {
            boolean overlaps(Set<String> other) {
                if (methods.isEmpty() || other.isEmpty()) {
                    return true;
                }
                for (String m : other) {
                    if (methods.contains(m)) {
                        return true;
                    }
                }
                return false;
            }
        }

        PolicyConfig policy(Node node, String path, Map<String, Integer> names, List<Claim> claims) {
            Map<String, Node> m = mapping(node, path, POLICY_KEYS);
            int line = node.getStartMark().getLine() + 1;
            Node nameNode = m.get("name");
            if (nameNode == null) {
                throw error(node, path + ".name", "is required");
            }
            String name = scalar(nameNode, path + ".name");
            if (!SAFE_NAME.matcher(name).matches()) {
                throw error(nameNode, path + ".name", ConfigValues.quote(name)
                        + " is not a valid name (1-64 chars of a-z, 0-9, '.', '_', '-', starting with a letter or digit)");
            }
            Integer previous = names.putIfAbsent(name, nameNode.getStartMark().getLine() + 1);
            if (previous != null) {
                throw error(nameNode, path + ".name", "policy name " + ConfigValues.quote(name)
                        + " is already used on line " + previous);
            }

            Set<String> methods = new LinkedHashSet<>();
            Node mn = m.get("methods");
            if (mn != null) {
                List<Node> ms = list(mn, path + ".methods");
                if (ms.isEmpty()) {
                    throw error(mn, path + ".methods", "must not be empty (omit it for every method)");
                }
                for (int i = 0; i < ms.size(); i++) {
                    String v = scalar(ms.get(i), path + ".methods[" + i + "]");
                    if (!TOKEN.matcher(v).matches()) {
                        throw error(ms.get(i), path + ".methods[" + i + "]", ConfigValues.quote(v)
                                + " is not an HTTP method");
                    }
                    methods.add(v.toUpperCase(Locale.ROOT));
                }
            }

            Node pn = m.get("paths");
            if (pn == null) {
                throw error(node, path + ".paths", "is required (servlet url-patterns such as /api/*)");
            }
            List<Node> ps = list(pn, path + ".paths");
            if (ps.isEmpty()) {
                throw error(pn, path + ".paths", "must list at least one path pattern");
            }
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                String pp = path + ".paths[" + i + "]";
                String v = scalar(ps.get(i), pp);
                PathPattern pattern;
                try {
                    pattern = PathPattern.parse(v);
                } catch (IllegalArgumentException e) {
                    throw error(ps.get(i), pp, e.getMessage());
                }
                int pl = ps.get(i).getStartMark().getLine() + 1;
                for (Claim c : claims) {
                    if (c.pattern.kind() == pattern.kind() && c.pattern.key().equals(pattern.key())
                            && c.overlaps(methods)) {
                        throw error(ps.get(i), pp, pattern.text() + " is also claimed by "
                                + (c.policy.equals(name) ? "this policy" : "policy \"" + c.policy + "\"")
                                + " (line " + c.line + ") for overlapping methods: the most specific match"
                                + " would be a tie");
                    }
                }
                claims.add(new Claim(pattern, Set.copyOf(methods), name, pl));
                paths.add(v);
            }

            List<RateLimitConfig> limits = new ArrayList<>();
            Node rn = m.get("rate-limits");
            if (rn != null) {
                List<Node> ls = list(rn, path + ".rate-limits");
                if (ls.isEmpty()) {
                    throw error(rn, path + ".rate-limits", "must list at least one limit (omit the key for none)");
                }
                Set<String> limitNames = new LinkedHashSet<>();
                for (int i = 0; i < ls.size(); i++) {
                    RateLimitConfig l = rateLimit(ls.get(i), path + ".rate-limits[" + i + "]");
                    if (!limitNames.add(l.name())) {
                        throw error(ls.get(i), path + ".rate-limits[" + i + "]", "two limits of this policy are"
                                + " named \"" + l.name() + "\": give each a distinct name");
                    }
                    limits.add(l);
                }
            }
            ThrottleConfig throttle = m.containsKey("throttle") ? throttle(m.get("throttle"), path + ".throttle") : null;
            CircuitBreakerConfig breaker = m.containsKey("circuit-breaker")
                    ? breaker(m.get("circuit-breaker"), path + ".circuit-breaker") : null;
            TimeoutConfig timeout = m.containsKey("timeout") ? timeout(m.get("timeout"), path + ".timeout") : null;
            FallbackConfig fallback = m.containsKey("fallback") ? fallback(m.get("fallback"), path + ".fallback") : null;

            EnumSet<StageKind> present = EnumSet.noneOf(StageKind.class);
            if (!limits.isEmpty()) {
                present.add(StageKind.RATE_LIMIT);
            }
            if (throttle != null) {
                present.add(StageKind.THROTTLE);
            }
            if (breaker != null) {
                present.add(StageKind.CIRCUIT_BREAKER);
            }
            if (timeout != null) {
                present.add(StageKind.TIMEOUT);
            }
            if (fallback != null) {
                present.add(StageKind.FALLBACK);
            }
            if (present.isEmpty()) {
                throw error(node, path, "policy \"" + name + "\" has no stage (add rate-limits, throttle,"
                        + " circuit-breaker, timeout or fallback)");
            }
            for (StageKind k : present) {
                if (!available.contains(k)) {
                    Node v = m.get(k.configName());
                    throw error(keyOf.getOrDefault(v, v), path + "." + k.configName(), "the " + k.configName()
                            + " stage is not available in this version of Seawall (available: "
                            + available.stream().map(StageKind::configName).sorted().toList() + ")");
                }
            }
            List<StageKind> order = null;
            Node on = m.get("order");
            if (on != null) {
                order = order(on, path + ".order", present);
            }
            boolean failClosed = m.containsKey("fail-closed") && bool(m.get("fail-closed"), path + ".fail-closed");
            if (failClosed && fallback != null) {
                Node fn = m.get("fallback");
                if (fallback.staleCache() != null) {
                    throw error(keyOf.getOrDefault(fn, fn), path + ".fallback.stale-cache", "a fail-closed policy never"
                            + " serves a stale copy; remove stale-cache or fail-closed");
                }
                if (fallback.hasStatic() && fallback.status() < 400) {
                    throw error(keyOf.getOrDefault(fn, fn), path + ".fallback.status", "a fail-closed policy never"
                            + " serves a success-looking fallback (" + fallback.status() + "); use an error status"
                            + " or remove fail-closed");
                }
            }
            int buffer = TimeoutStage.DEFAULT_BUFFER_BYTES;
            if (m.containsKey("buffer")) {
                String v = scalar(m.get("buffer"), path + ".buffer").trim();
                if (v.equals("off")) {
                    buffer = 0;
                } else {
                    try {
                        buffer = (int) ConfigValues.parseSize(v, MAX_BUFFER);
                    } catch (IllegalArgumentException e) {
                        throw error(m.get("buffer"), path + ".buffer", e.getMessage() + "; or off");
                    }
                }
            }
            return new PolicyConfig(name, line, paths, methods, limits, throttle, breaker, timeout, fallback, order,
                    failClosed, buffer);
        }

        List<StageKind> order(Node node, String path, Set<StageKind> present) {
            List<Node> items = list(node, path);
            List<StageKind> order = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String v = scalar(items.get(i), path + "[" + i + "]");
                StageKind kind = null;
                for (StageKind k : StageKind.values()) {
                    if (k.configName().equals(v.trim())) {
                        kind = k;
                    }
                }
                if (kind == null) {
                    throw error(items.get(i), path + "[" + i + "]", ConfigValues.quote(v) + " is not a stage"
                            + " (expected rate-limits, fallback, circuit-breaker, throttle or timeout)");
                }
                if (!present.contains(kind)) {
                    throw error(items.get(i), path + "[" + i + "]", kind.configName()
                            + " is not configured in this policy");
                }
                if (order.contains(kind)) {
                    throw error(items.get(i), path + "[" + i + "]", kind.configName() + " is listed twice");
                }
                order.add(kind);
            }
            if (order.size() != present.size()) {
                throw error(node, path, "must list every stage of the policy exactly once: "
                        + present.stream().map(StageKind::configName).toList());
            }
            return order;
        }

        RateLimitConfig rateLimit(Node node, String path) {
            Map<String, Node> m = mapping(node, path, LIMIT_KEYS);
            Node byNode = m.get("by");
            if (byNode == null) {
                throw error(node, path + ".by", "is required (ip, user, api-key or tenant)");
            }
            String byText = scalar(byNode, path + ".by");
            KeyKind by = KeyKind.fromConfigName(byText);
            if (by == null) {
                throw error(byNode, path + ".by", ConfigValues.quote(byText)
                        + " is not a key kind (expected ip, user, api-key or tenant)");
            }
            Node limitNode = m.get("limit");
            if (limitNode == null) {
                throw error(node, path + ".limit", "is required (a rate like 100/1m, or a list of rates)");
            }
            List<Rate> rates = rates(limitNode, path + ".limit");
            String name = by.configName();
            if (m.containsKey("name")) {
                name = scalar(m.get("name"), path + ".name");
                if (!SAFE_NAME.matcher(name).matches()) {
                    throw error(m.get("name"), path + ".name", ConfigValues.quote(name) + " is not a valid name"
                            + " (1-64 chars of a-z, 0-9, '.', '_', '-', starting with a letter or digit)");
                }
            }
            String header = null;
            if (m.containsKey("header")) {
                if (by != KeyKind.API_KEY && by != KeyKind.TENANT) {
                    throw error(m.get("header"), path + ".header", "applies only to by: api-key or by: tenant");
                }
                header = scalar(m.get("header"), path + ".header");
                if (!TOKEN.matcher(header).matches()) {
                    throw error(m.get("header"), path + ".header", ConfigValues.quote(header)
                            + " is not a valid header name");
                }
            }
            OnMissing onMissing = OnMissing.SKIP;
            if (m.containsKey("on-missing")) {
                if (by == KeyKind.IP) {
                    throw error(m.get("on-missing"), path + ".on-missing", "does not apply to by: ip (every"
                            + " request has a peer address)");
                }
                String v = scalar(m.get("on-missing"), path + ".on-missing");
                onMissing = OnMissing.fromConfigName(v);
                if (onMissing == null) {
                    throw error(m.get("on-missing"), path + ".on-missing", ConfigValues.quote(v)
                            + " is not a choice (expected skip, shared or reject)");
                }
            }
            long maxKeys = m.containsKey("max-keys")
                    ? integer(m.get("max-keys"), path + ".max-keys", 1, 10_000_000) : 100_000;
            String attribute = null;
            if (m.containsKey("attribute")) {
                if (by != KeyKind.USER) {
                    throw error(m.get("attribute"), path + ".attribute", "applies only to by: user");
                }
                attribute = scalar(m.get("attribute"), path + ".attribute").trim();
                if (attribute.isEmpty() || attribute.length() > 200) {
                    throw error(m.get("attribute"), path + ".attribute", "must be a request attribute name");
                }
            }
            TenantSource source = by == KeyKind.TENANT ? TenantSource.HEADER : null;
            int segment = -1;
            if (m.containsKey("source")) {
                if (by != KeyKind.TENANT) {
                    throw error(m.get("source"), path + ".source", "applies only to by: tenant");
                }
                String v = scalar(m.get("source"), path + ".source");
                source = TenantSource.fromConfigName(v);
                if (source == null) {
                    throw error(m.get("source"), path + ".source", ConfigValues.quote(v)
                            + " is not a tenant source (expected header, subdomain or path-segment)");
                }
            }
            if (m.containsKey("segment")) {
                if (source != TenantSource.PATH_SEGMENT) {
                    throw error(m.get("segment"), path + ".segment", "applies only to source: path-segment");
                }
                segment = integer(m.get("segment"), path + ".segment", 0, 64);
            } else if (source == TenantSource.PATH_SEGMENT) {
                throw error(node, path + ".segment", "is required with source: path-segment (0-based index)");
            }
            if (header != null && source != null && source != TenantSource.HEADER) {
                throw error(m.get("header"), path + ".header", "applies only to source: header");
            }
            Map<String, List<Rate>> plans = new LinkedHashMap<>();
            Map<String, String> planOf = new LinkedHashMap<>();
            if (m.containsKey("plans") || m.containsKey("plan-of")) {
                if (by != KeyKind.API_KEY && by != KeyKind.TENANT) {
                    String k = m.containsKey("plans") ? "plans" : "plan-of";
                    throw error(m.get(k), path + "." + k, "applies only to by: api-key or by: tenant");
                }
            }
            if (m.containsKey("plans")) {
                Map<String, Node> pm = mapping(m.get("plans"), path + ".plans", null);
                for (Map.Entry<String, Node> e : pm.entrySet()) {
                    String pp = path + ".plans." + e.getKey();
                    if (!SAFE_NAME.matcher(e.getKey()).matches()) {
                        throw error(e.getValue(), pp, ConfigValues.quote(e.getKey()) + " is not a valid plan name");
                    }
                    plans.put(e.getKey(), rates(e.getValue(), pp));
                }
            }
            if (m.containsKey("plan-of")) {
                if (plans.isEmpty()) {
                    throw error(m.get("plan-of"), path + ".plan-of", "needs plans to refer to");
                }
                Map<String, Node> pm = mapping(m.get("plan-of"), path + ".plan-of", null);
                for (Map.Entry<String, Node> e : pm.entrySet()) {
                    String plan = scalar(e.getValue(), path + ".plan-of");
                    if (!plans.containsKey(plan)) {
                        throw error(e.getValue(), path + ".plan-of", ConfigValues.quote(plan)
                                + " is not one of the plans " + plans.keySet());
                    }
                    planOf.put(e.getKey(), plan);
                }
            }
            boolean local = false;
            if (m.containsKey("store")) {
                String v = scalar(m.get("store"), path + ".store").trim();
                if ("local".equals(v)) {
                    local = true;
                } else if (!"shared".equals(v)) {
                    throw error(m.get("store"), path + ".store", ConfigValues.quote(v)
                            + " is not a choice (expected local or shared)");
                } else if (!sharedStore) {
                    throw error(m.get("store"), path + ".store", "shared needs a top-level store: {type: redis, ...}");
                }
            }
            return new RateLimitConfig(name, node.getStartMark().getLine() + 1, by, header, rates, onMissing, maxKeys,
                    attribute, source, segment, plans, planOf, local);
        }

        ThrottleConfig throttle(Node node, String path) {
            Map<String, Node> m = mapping(node, path, THROTTLE_KEYS);
            int maxConcurrent = integer(required(m, node, path, "max-concurrent"), path + ".max-concurrent", 1, 100_000);
            int queue = m.containsKey("queue") ? integer(m.get("queue"), path + ".queue", 0, 1_000_000) : 0;
            Duration maxWait = m.containsKey("max-wait") ? duration(m.get("max-wait"), path + ".max-wait")
                    : Duration.ofSeconds(1);
            ThrottleConfig.Priority priority = m.containsKey("priority")
                    ? priority(m.get("priority"), path + ".priority") : null;
            int maxPerKey = 0;
            if (m.containsKey("max-concurrent-per-key")) {
                maxPerKey = integer(m.get("max-concurrent-per-key"), path + ".max-concurrent-per-key", 1, maxConcurrent);
            }
            KeyKind perKey = KeyKind.IP;
            if (m.containsKey("per-key")) {
                if (maxPerKey == 0) {
                    throw error(m.get("per-key"), path + ".per-key", "applies only with max-concurrent-per-key");
                }
                String v = scalar(m.get("per-key"), path + ".per-key");
                perKey = KeyKind.fromConfigName(v);
                if (perKey == null) {
                    throw error(m.get("per-key"), path + ".per-key", ConfigValues.quote(v)
                            + " is not a key kind (expected ip, user, api-key or tenant)");
                }
            }
            return new ThrottleConfig(lineOf(node), maxConcurrent, queue, maxWait, priority, maxPerKey, perKey);
        }

        ThrottleConfig.Priority priority(Node node, String path) {
            Map<String, Node> m = mapping(node, path, PRIORITY_KEYS);
            String header = null;
            if (m.containsKey("header")) {
                header = scalar(m.get("header"), path + ".header").trim();
                if (!TOKEN.matcher(header).matches()) {
                    throw error(m.get("header"), path + ".header", ConfigValues.quote(header) + " is not a valid header name");
                }
            }
            Map<String, List<String>> roles = classes(m.get("roles"), path + ".roles", false);
            Map<String, List<String>> paths = classes(m.get("paths"), path + ".paths", true);
            if (header == null && roles.isEmpty() && paths.isEmpty()) {
                throw error(node, path, "needs at least one of header, roles or paths");
            }
            return new ThrottleConfig.Priority(header, roles, paths);
        }

        /** {high: [...], low: [...]}: class names to roles or path patterns. */
        Map<String, List<String>> classes(Node node, String path, boolean patterns) {
            Map<String, List<String>> out = new LinkedHashMap<>();
            if (node == null) {
                return out;
            }
            Map<String, Node> m = mapping(node, path, CLASSES);
            for (Map.Entry<String, Node> e : m.entrySet()) {
                List<Node> items = list(e.getValue(), path + "." + e.getKey());
                List<String> values = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    String pp = path + "." + e.getKey() + "[" + i + "]";
                    String v = scalar(items.get(i), pp).trim();
                    if (v.isEmpty()) {
                        throw error(items.get(i), pp, "must not be empty");
                    }
                    if (patterns) {
                        try {
                            PathPattern.parse(v);
                        } catch (IllegalArgumentException ex) {
                            throw error(items.get(i), pp, ex.getMessage());
                        }
                    }
                    values.add(v);
                }
                out.put(e.getKey(), values);
            }
            return out;
        }

        CircuitBreakerConfig breaker(Node node, String path) {
            Map<String, Node> m = mapping(node, path, BREAKER_KEYS);
            String name = null;
            if (m.containsKey("name")) {
                name = scalar(m.get("name"), path + ".name");
                if (!SAFE_NAME.matcher(name).matches()) {
                    throw error(m.get("name"), path + ".name", ConfigValues.quote(name) + " is not a valid name");
                }
            }
            int failureRate = m.containsKey("failure-rate")
                    ? integer(m.get("failure-rate"), path + ".failure-rate", 1, 100) : 50;
            int minimumCalls = m.containsKey("minimum-calls")
                    ? integer(m.get("minimum-calls"), path + ".minimum-calls", 1, 1_000_000) : 20;
            Integer windowCalls = 100;
            Duration windowTime = null;
            if (m.containsKey("window")) {
                String w = scalar(m.get("window"), path + ".window").trim();
                if (w.chars().allMatch(Character::isDigit)) {
                    windowCalls = integer(m.get("window"), path + ".window", 1, 1_000_000);
                } else {
                    windowCalls = null;
                    windowTime = duration(m.get("window"), path + ".window");
                    if (windowTime.toSeconds() < 1) {
                        throw error(m.get("window"), path + ".window", "a time window must be at least 1s");
                    }
                }
            }
            Duration openFor = m.containsKey("open-for") ? duration(m.get("open-for"), path + ".open-for")
                    : Duration.ofSeconds(30);
            int halfOpen = m.containsKey("half-open-calls")
                    ? integer(m.get("half-open-calls"), path + ".half-open-calls", 1, 10_000) : 5;
            Duration slowCall = m.containsKey("slow-call") ? duration(m.get("slow-call"), path + ".slow-call") : null;
            List<StatusRange> statuses = new ArrayList<>();
            if (m.containsKey("failure-statuses")) {
                List<Node> items = list(m.get("failure-statuses"), path + ".failure-statuses");
                for (int i = 0; i < items.size(); i++) {
                    String pp = path + ".failure-statuses[" + i + "]";
                    try {
                        statuses.add(ConfigValues.parseStatusRange(scalar(items.get(i), pp)));
                    } catch (IllegalArgumentException e) {
                        throw error(items.get(i), pp, e.getMessage());
                    }
                }
            } else {
                statuses.add(new StatusRange(500, 599));
            }
            String mode = "enforce";
            if (m.containsKey("mode")) {
                mode = scalar(m.get("mode"), path + ".mode").trim();
                if (!mode.equals("enforce") && !mode.equals("shadow")) {
                    throw error(m.get("mode"), path + ".mode", ConfigValues.quote(mode)
                            + " is not a mode (expected enforce or shadow)");
                }
            }
            return new CircuitBreakerConfig(lineOf(node), name, failureRate, minimumCalls,
                    windowCalls, windowTime, openFor, halfOpen, slowCall, statuses, mode);
        }

        TimeoutConfig timeout(Node node, String path) {
            int line = lineOf(node);
            if (node instanceof ScalarNode) {
                return new TimeoutConfig(line, duration(node, path), 503);
            }
            Map<String, Node> m = mapping(node, path, TIMEOUT_KEYS);
            Duration after = duration(required(m, node, path, "after"), path + ".after");
            int status = 503;
            if (m.containsKey("status")) {
                status = integer(m.get("status"), path + ".status", 100, 599);
                if (status != 503 && status != 504) {
                    throw error(m.get("status"), path + ".status", status + " is not a timeout status"
                            + " (expected 503, or 504 for a gateway)");
                }
            }
            return new TimeoutConfig(line, after, status);
        }

        FallbackConfig fallback(Node node, String path) {
            Map<String, Node> m = mapping(node, path, FALLBACK_KEYS);
            Integer status = m.containsKey("status") ? integer(m.get("status"), path + ".status", 200, 599) : null;
            String contentType = "application/json";
            if (m.containsKey("content-type")) {
                contentType = scalar(m.get("content-type"), path + ".content-type").trim();
                if (!CONTENT_TYPE.matcher(contentType).matches()) {
                    throw error(m.get("content-type"), path + ".content-type", ConfigValues.quote(contentType)
                            + " is not a media type (like application/json)");
                }
            }
            if (m.containsKey("body") && m.containsKey("body-file")) {
                throw error(m.get("body-file"), path + ".body-file", "give body or body-file, not both");
            }
            String body = null;
            if (m.containsKey("body")) {
                body = scalar(m.get("body"), path + ".body");
                if (body.length() > MAX_STATIC_BODY) {
                    throw error(m.get("body"), path + ".body", "is longer than " + MAX_STATIC_BODY + " characters");
                }
            } else if (m.containsKey("body-file")) {
                body = bodyFile(m.get("body-file"), path + ".body-file");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            if (m.containsKey("headers")) {
                Node hn = m.get("headers");
                if (!(hn instanceof MappingNode mn)) {
                    throw error(hn, path + ".headers", "must be a mapping of header names to values");
                }
                for (NodeTuple t : mn.getValue()) {
                    String hp = path + ".headers";
                    String n = scalar(t.getKeyNode(), hp).trim();
                    String v = scalar(t.getValueNode(), hp + "." + n);
                    if (!TOKEN.matcher(n).matches()) {
                        throw error(t.getKeyNode(), hp, ConfigValues.quote(n) + " is not a valid header name");
                    }
                    if (v.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f) || v.length() > 4096) {
                        throw error(t.getValueNode(), hp + "." + n, "is not a valid header value (control characters,"
                                + " or longer than 4096)");
                    }
                    if (n.equalsIgnoreCase("Content-Type") || n.equalsIgnoreCase("Content-Length")) {
                        throw error(t.getKeyNode(), hp + "." + n, "is set by Seawall (use content-type)");
                    }
                    headers.put(n, v);
                }
            }
            if (status == null && body != null) {
                status = 200;
            }
            String handler = null;
            if (m.containsKey("handler")) {
                handler = scalar(m.get("handler"), path + ".handler").trim();
                if (!CLASS_NAME.matcher(handler).matches()) {
                    throw error(m.get("handler"), path + ".handler", ConfigValues.quote(handler)
                            + " is not a class name (like com.example.PaymentsFallback)");
                }
            }
            Duration stale = m.containsKey("stale-cache") ? duration(m.get("stale-cache"), path + ".stale-cache") : null;
            int entries = FallbackConfig.DEFAULT_CACHE_ENTRIES;
            long bytes = FallbackConfig.DEFAULT_CACHE_BYTES;
            for (String k : List.of("cache-entries", "cache-size")) {
                if (m.containsKey(k) && stale == null) {
                    throw error(m.get(k), path + "." + k, "applies only with stale-cache");
                }
            }
            if (m.containsKey("cache-entries")) {
                entries = integer(m.get("cache-entries"), path + ".cache-entries", 1, 10_000_000);
            }
            if (m.containsKey("cache-size")) {
                String v = scalar(m.get("cache-size"), path + ".cache-size");
                try {
                    bytes = ConfigValues.parseSize(v, MAX_CACHE_BYTES);
                } catch (IllegalArgumentException e) {
                    throw error(m.get("cache-size"), path + ".cache-size", e.getMessage());
                }
                if (bytes < 1024) {
                    throw error(m.get("cache-size"), path + ".cache-size", "must be at least 1KB");
                }
            }
            Set<FallbackTrigger> on = EnumSet.of(FallbackTrigger.CIRCUIT_OPEN, FallbackTrigger.TIMEOUT,
                    FallbackTrigger.ERROR);
            if (m.containsKey("on")) {
                on = EnumSet.noneOf(FallbackTrigger.class);
                List<Node> items = list(m.get("on"), path + ".on");
                if (items.isEmpty()) {
                    throw error(m.get("on"), path + ".on", "must list at least one failure");
                }
                for (int i = 0; i < items.size(); i++) {
                    String v = scalar(items.get(i), path + ".on[" + i + "]").trim();
                    FallbackTrigger t = FallbackTrigger.fromConfigName(v);
                    if (t == null) {
                        throw error(items.get(i), path + ".on[" + i + "]", ConfigValues.quote(v) + " is not a failure"
                                + " a fallback answers (expected circuit-open, timeout, error or throttled; rate-limit"
                                + " rejections never get a fallback)");
                    }
                    on.add(t);
                }
            }
            if (status == null && handler == null && stale == null) {
                throw error(keyOf.getOrDefault(node, node), path, "has nothing to answer with (add body, status, handler or stale-cache)");
            }
            if (status == null && m.containsKey("content-type")) {
                throw error(m.get("content-type"), path + ".content-type", "applies only with body or status");
            }
            return new FallbackConfig(lineOf(node), status, contentType, body, headers, handler, stale, entries, bytes,
                    on);
        }

        String bodyFile(Node node, String path) {
            String file = scalar(node, path).trim();
            Path p = Path.of(file);
            try {
                if (Files.size(p) > MAX_STATIC_BODY) {
                    throw error(node, path, ConfigValues.quote(file) + " is larger than " + MAX_STATIC_BODY + " bytes");
                }
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw error(node, path, ConfigValues.quote(file) + " cannot be read (a path relative to the working"
                        + " directory, or absolute)");
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

        // ---- typed access with errors that cite line and path ----

        Node required(Map<String, Node> m, Node parent, String path, String key) {
            Node n = m.get(key);
            if (n == null) {
                throw error(parent, path + "." + key, "is required");
            }
            return n;
        }

        /** @param allowed the keys allowed, or null for a free-form map (plans, plan-of) */
        Map<String, Node> mapping(Node node, String path, Set<String> allowed) {
            if (!(node instanceof MappingNode mn)) {
                throw error(node, path.isEmpty() ? "(root)" : path, "expected a mapping of keys, found "
                        + describe(node));
            }
            Map<String, Node> out = new LinkedHashMap<>();
            for (NodeTuple t : mn.getValue()) {
                Node k = t.getKeyNode();
                if (!(k instanceof ScalarNode ks)) {
                    throw error(k, path, "keys must be plain text");
                }
                String key = ks.getValue();
                String kp = path.isEmpty() ? key : path + "." + key;
                if (allowed != null && !allowed.contains(key)) {
                    String hint = suggestion(key, allowed);
                    throw error(k, kp, "unknown key" + (hint == null ? "" : " (did you mean " + hint + "?)"));
                }
                keyOf.put(t.getValueNode(), k);
                if (out.put(key, t.getValueNode()) != null) {
                    throw error(k, kp, "duplicate key");
                }
            }
            if (allowed == null && out.size() > MAX_LIST) {
                throw error(node, path, "has more than " + MAX_LIST + " entries");
            }
            return out;
        }

        List<Node> list(Node node, String path) {
            if (node instanceof SequenceNode sn) {
                if (sn.getValue().size() > MAX_LIST) {
                    throw error(node, path, "has more than " + MAX_LIST + " items");
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

        int integer(Node node, String path, int min, int max) {
            String v = scalar(node, path).trim();
            long n;
            if (!v.matches("-?\\d{1,12}")) {
                throw error(node, path, ConfigValues.quote(v) + " is not a whole number");
            }
            n = Long.parseLong(v);
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

        List<Rate> rates(Node node, String path) {
            List<Node> items = node instanceof SequenceNode ? list(node, path) : List.of(node);
            if (items.isEmpty()) {
                throw error(node, path, "must hold at least one rate");
            }
            if (items.size() > 8) {
                throw error(node, path, "has more than 8 rates");
            }
            List<Rate> rates = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String pp = node instanceof SequenceNode ? path + "[" + i + "]" : path;
                String v = scalar(items.get(i), pp);
                try {
                    rates.add(ConfigValues.parseRate(v));
                } catch (IllegalArgumentException e) {
                    throw error(items.get(i), pp, e.getMessage());
                }
            }
            return rates;
        }

        private static boolean isNull(ScalarNode n) {
            String v = n.getValue();
            return n.getTag().getValue().endsWith(":null") || v.isEmpty() && n.getScalarStyle().getChar() == null;
        }

        private static String describe(Node node) {
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
