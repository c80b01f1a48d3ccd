package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.outbound.HostPattern;
import dev.seawall.core.outbound.Jitter;
import dev.seawall.core.policy.PathPattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the top-level {@code clients:} list of {@code seawall.yaml} and forwards the values present to
 * {@link ClientConfig#builder(String)} and the builders of its blocks ({@link RetryConfig}, {@link RetryBudgetConfig},
 * {@link ClientTimeoutConfig}, {@link HedgeConfig}; {@code circuit-breaker} is read like a policy's, by
 * {@link YamlStages#breaker}). What stays here is what only the file has: key spelling, the scalar shorthands
 * ({@code retry: off}, {@code budget: 10%}, {@code timeout: 2s}, {@code hedge: 100ms}), list shapes, line numbers,
 * duplicate names and ties between clients claiming the same host and path.
 *
 * <p>One instance per load; not thread-safe.
 */
final class YamlClients {

    private static final Set<String> CLIENT_KEYS = ConfigSchema.CLIENT.names();
    private static final Set<String> RETRY_KEYS = ConfigSchema.RETRY.names();
    private static final Set<String> BACKOFF_KEYS = ConfigSchema.BACKOFF.names();
    private static final Set<String> BUDGET_KEYS = ConfigSchema.BUDGET.names();
    private static final Set<String> TIMEOUT_KEYS = ConfigSchema.CLIENT_TIMEOUT.names();
    private static final Set<String> HEDGE_KEYS = ConfigSchema.HEDGE.names();

    /** A percent as the file writes it: {@code 10%}, {@code 12.5%}; the sign is kept so the range check reports it. */
    private static final Pattern PERCENT = Pattern.compile("(-?\\d{1,9}(?:\\.\\d{1,9})?)\\s*%");
    private static final Pattern WHOLE_PERCENT = Pattern.compile("(-?\\d{1,12})\\s*%");
    /** A zero duration, which {@code margin} accepts and the duration syntax (positive) does not. */
    private static final Pattern ZERO_DURATION = Pattern.compile("0{1,15}(ms|s|m|h|d)");

    /** A value read from the file with the node and key path an error about it cites. */
    private record Located<T>(T value, Node node, String path) {
    }

    /**
     * A host and path pattern, for tie detection: {@code kind} and {@code key} null for a client without paths (every
     * path). Two patterns tie when their kind and key are equal, as for policies.
     */
    private record Route(HostPattern host, PathPattern.Kind kind, String key) {
    }

    /** Who claimed a route first, and on which line. */
    private record Claim(String client, int line) {
    }

    private final YamlReader r;
    private final YamlStages stages;
    /** client name to the line of its {@code name} key */
    private final Map<String, Integer> names = new HashMap<>();
    private final Map<Route, Claim> claims = new HashMap<>();
    /** host and path pairs of the clients read so far; bounded by {@link SeawallConfig#MAX_CLIENT_ROUTES} */
    private long routes;

    YamlClients(YamlReader reader, YamlStages stages) {
        this.r = reader;
        this.stages = stages;
    }

    /** Reads the {@code clients:} list into the file's builder; problems are recorded. */
    void read(Node node, SeawallConfig.Builder root) {
        List<Node> items = r.attempt(() -> r.list(node, "clients"));
        if (items == null) {
            return;
        }
        if (items.isEmpty()) {
            r.record(r.error(node, "clients", "must list at least one client (omit the key for none)"));
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            String path = "clients[" + i + "]";
            Node item = items.get(i);
            ClientConfig c = r.attempt(() -> client(item, path));
            if (c != null) {
                r.set(item, "", () -> root.client(c));
            }
        }
    }

    ClientConfig client(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, CLIENT_KEYS);
        int mark = r.mark();
        String name = name(m, node, path);
        // a client without a usable name is still read to the end, so that its other mistakes are reported too; it
        // is never built (a problem is recorded), so the stand-in name goes nowhere
        ClientConfig.Builder b = ClientConfig.builder(name != null ? name : "unnamed");
        List<Located<HostPattern>> hosts = hosts(m, path, b);
        List<Located<PathPattern>> paths = paths(m, path, b);
        if (name != null && hosts != null && paths != null) {
            ties(name, hosts, paths);
        }
        r.optInt(m, "max-concurrent", b::maxConcurrent);
        r.opt(m, "max-body", n -> b.maxBody(maxBody(n, path + ".max-body")));
        // where the rules between keys are cited: the key's own line for a whole block, the value for one setting
        Map<String, Node> cite = new LinkedHashMap<>(m.keys());
        putKey(cite, m, "paths");
        Node rn = m.get("retry");
        if (rn != null) {
            forward(r.attempt(() -> retry(rn, path + ".retry")), b::retry);
        }
        Node bn = m.get("budget");
        if (bn != null) {
            forward(r.attempt(() -> budget(bn, path + ".budget")), b::budget);
        }
        Node cn = m.get("circuit-breaker");
        if (cn != null) {
            CircuitBreakerConfig breaker = r.attempt(() -> stages.breaker(cn, path + ".circuit-breaker"));
            if (breaker != null) {
                // the builder refuses a shared breaker name: cite the name's own line
                Node nameValue = value(cn, "name");
                Node sharedValue = value(cn, "shared");
                Node at = nameValue != null ? nameValue : sharedValue != null && breaker.shared() ? sharedValue : cn;
                r.set(at, path, () -> b.circuitBreaker(breaker));
            }
        }
        Node tn = m.get("timeout");
        if (tn != null) {
            forward(r.attempt(() -> timeout(tn, path + ".timeout")), b::timeout);
        }
        Node hn = m.get("hedge");
        if (hn != null) {
            forward(r.attempt(() -> hedge(hn, path + ".hedge")), b::hedge);
            putKey(cite, m, "hedge");
            Node delay = hn instanceof MappingNode ? value(hn, "delay") : hn;
            if (delay != null) {
                cite.put("hedge.delay", delay);
            }
        }
        return r.build(mark, new YamlReader.Block(m.path(), m.node(), cite, m.damaged()), b::build);
    }

    private static <T> void forward(T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    /** @return the client's name, or null when it is missing, invalid or already used (the problem is recorded) */
    private String name(YamlReader.Block m, Node node, String path) {
        Node nameNode = m.get("name");
        if (nameNode == null) {
            r.missing(m, node, path + ".name", "is required");
            return null;
        }
        String name = r.attempt(() -> r.scalar(nameNode, path + ".name"));
        if (name == null) {
            return null;
        }
        try {
            ClientConfig.builder(name);
        } catch (InvalidSettingException e) {
            r.record(r.error(nameNode, path + ".name", e.problem()));
            return null;
        }
        Integer previous = names.putIfAbsent(name, YamlReader.startLine(nameNode));
        if (previous != null) {
            r.record(r.error(nameNode, path + ".name", "client name " + ConfigValues.quote(name)
                    + " is already used on line " + previous));
            return null;
        }
        return name;
    }

    /** @return the hosts read (empty when the key is absent), or null when one had a problem */
    private List<Located<HostPattern>> hosts(YamlReader.Block m, String path, ClientConfig.Builder b) {
        Node hn = m.get("hosts");
        if (hn == null) {
            return List.of();
        }
        int mark = r.mark();
        List<Node> items = r.attempt(() -> r.list(hn, path + ".hosts"));
        if (items != null && items.isEmpty()) {
            r.record(r.error(hn, path + ".hosts", "must list at least one host (omit the key for a client used by"
                    + " name only)"));
        }
        List<Located<HostPattern>> out = new ArrayList<>();
        for (int i = 0; items != null && i < items.size(); i++) {
            String pp = path + ".hosts[" + i + "]";
            Node item = items.get(i);
            r.set(item, path, () -> {
                String v = r.scalar(item, pp);
                try {
                    b.host(v);
                } catch (InvalidSettingException e) {
                    throw r.error(item, pp, e.problem());
                }
                out.add(new Located<>(HostPattern.parse(v), item, pp));
            });
        }
        return r.clean(mark) ? out : null;
    }

    /** @return the paths read (empty when the key is absent), or null when one had a problem */
    private List<Located<PathPattern>> paths(YamlReader.Block m, String path, ClientConfig.Builder b) {
        Node pn = m.get("paths");
        if (pn == null) {
            return List.of();
        }
        int mark = r.mark();
        List<Node> items = r.attempt(() -> r.list(pn, path + ".paths"));
        if (items != null && items.isEmpty()) {
            r.record(r.error(pn, path + ".paths", "must list at least one path pattern (omit the key for every"
                    + " path)"));
        }
        List<Located<PathPattern>> out = new ArrayList<>();
        for (int i = 0; items != null && i < items.size(); i++) {
            String pp = path + ".paths[" + i + "]";
            Node item = items.get(i);
            r.set(item, path, () -> {
                String v = r.scalar(item, pp);
                try {
                    b.path(v);
                } catch (InvalidSettingException e) {
                    throw r.error(item, pp, e.problem());
                }
                out.add(new Located<>(PathPattern.parse(v), item, pp));
            });
        }
        return r.clean(mark) ? out : null;
    }

    /**
     * Records a tie: the same host pattern with the same path pattern (or both clients without paths) in two
     * clients, or twice in one. A tie is reported once per host or path entry, at the later entry. A client beyond
     * the file's bound on host and path pairs is not checked (the file's builder refuses it), so that a hostile file
     * cannot make this check hold millions of pairs.
     */
    private void ties(String name, List<Located<HostPattern>> hosts, List<Located<PathPattern>> paths) {
        long pairs = (long) hosts.size() * Math.max(1, paths.size());
        if (routes + pairs > SeawallConfig.MAX_CLIENT_ROUTES) {
            return;
        }
        routes += pairs;
        Set<Node> cited = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Located<HostPattern> h : hosts) {
            if (paths.isEmpty()) {
                claim(name, new Route(h.value(), null, null), h, cited);
            }
            for (Located<PathPattern> p : paths) {
                claim(name, new Route(h.value(), p.value().kind(), p.value().key()), p, cited);
            }
        }
    }

    private void claim(String name, Route route, Located<?> at, Set<Node> cited) {
        Claim tie = claims.putIfAbsent(route, new Claim(name, YamlReader.startLine(at.node())));
        if (tie == null || !cited.add(at.node())) {
            return;
        }
        String by = tie.client().equals(name) ? "this client" : "client " + ConfigValues.quote(tie.client());
        String what = route.kind() == null
                ? route.host() + " is also claimed by " + by + " (line " + tie.line() + ") for every path"
                : ((PathPattern) at.value()).text() + " is also claimed by " + by + " (line " + tie.line()
                        + ") on host " + route.host();
        r.record(r.error(at.node(), at.path(), what + ": the most specific match would be a tie"));
    }

    private long maxBody(Node n, String path) {
        String v = r.scalar(n, path).trim();
        if (v.equals("off")) {
            return 0;
        }
        try {
            return ConfigValues.parseSize(v, ClientConfig.MAX_BODY);
        } catch (IllegalArgumentException e) {
            throw r.error(n, path, e.getMessage() + "; or off");
        }
    }

    /** {@code retry}: a mapping, or {@code off} for a single attempt. */
    RetryConfig retry(Node node, String path) {
        if (isValue(node)) {
            String v = r.scalar(node, path).trim();
            if (!v.equals("off")) {
                throw r.error(node, path, ConfigValues.quote(v) + " is not off (expected off, or a mapping of"
                        + " max-attempts, backoff, jitter, on, methods and max-retry-after)");
            }
            return RetryConfig.builder().maxAttempts(1).build();
        }
        YamlReader.Block m = r.mapping(node, path, RETRY_KEYS);
        int mark = r.mark();
        RetryConfig.Builder b = RetryConfig.builder();
        r.optInt(m, "max-attempts", b::maxAttempts);
        Map<String, Node> cite = new LinkedHashMap<>(m.keys());
        Node bn = m.get("backoff");
        if (bn != null) {
            YamlReader.Block bm = r.attempt(() -> r.mapping(bn, path + ".backoff", BACKOFF_KEYS));
            if (bm != null) {
                // the builder names these keys backoff.base and backoff.max, relative to the retry block
                Node base = bm.get("base");
                if (base != null) {
                    cite.put("backoff.base", base);
                    r.set(base, path, () -> b.base(r.duration(base, bm.path("base"))));
                }
                Node max = bm.get("max");
                if (max != null) {
                    cite.put("backoff.max", max);
                    r.set(max, path, () -> b.max(r.duration(max, bm.path("max"))));
                }
            }
        }
        r.opt(m, "jitter", n -> b.jitter(r.choice(n, path + ".jitter", Jitter::fromConfigName,
                "is not a jitter (expected full, equal, decorrelated or none)")));
        List<String> on = entries(m, "on", path, v -> RetryConfig.builder().on(List.of(v)));
        if (on != null) {
            r.set(m.get("on"), path, () -> b.on(on));
        }
        List<String> methods = entries(m, "methods", path, v -> RetryConfig.builder().methods(List.of(v)));
        if (methods != null) {
            r.set(m.get("methods"), path, () -> b.methods(methods));
        }
        r.opt(m, "max-retry-after", n -> b.maxRetryAfter(r.duration(n, path + ".max-retry-after")));
        return r.build(mark, new YamlReader.Block(m.path(), m.node(), cite, m.damaged()), b::build);
    }

    /**
     * The items of a list key, each checked alone by {@code check} (a throwaway builder) so that a refusal cites the
     * item's line and index.
     *
     * @return the items, or null when the key is absent or an item had a problem
     */
    private List<String> entries(YamlReader.Block m, String key, String path, Consumer<String> check) {
        Node n = m.get(key);
        if (n == null) {
            return null;
        }
        int mark = r.mark();
        List<Node> items = r.attempt(() -> r.list(n, path + "." + key));
        List<String> out = new ArrayList<>();
        for (int i = 0; items != null && i < items.size(); i++) {
            String pp = path + "." + key + "[" + i + "]";
            Node item = items.get(i);
            r.attempt(() -> {
                String v = r.scalar(item, pp);
                try {
                    check.accept(v);
                } catch (InvalidSettingException e) {
                    throw r.error(item, pp, e.problem());
                }
                return out.add(v);
            });
        }
        return r.clean(mark) ? out : null;
    }

    /** {@code budget}: a percent ({@code 10%}: the ratio), or a mapping. */
    RetryBudgetConfig budget(Node node, String path) {
        RetryBudgetConfig.Builder b = RetryBudgetConfig.builder();
        if (isValue(node)) {
            double p = percent(node, path);
            try {
                b.percent(p);
            } catch (InvalidSettingException e) {
                throw r.error(node, path, e.problem());
            }
            return b.build();
        }
        YamlReader.Block m = r.mapping(node, path, BUDGET_KEYS);
        int mark = r.mark();
        r.opt(m, "ratio", n -> b.percent(percent(n, path + ".ratio")));
        r.optInt(m, "min-per-second", b::minPerSecond);
        r.opt(m, "window", n -> b.window(r.duration(n, path + ".window")));
        return r.build(mark, m, b::build);
    }

    private double percent(Node n, String path) {
        String v = r.scalar(n, path).trim();
        Matcher mt = PERCENT.matcher(v);
        if (!mt.matches()) {
            throw r.error(n, path, ConfigValues.quote(v) + " is not a percent (expected a number and %, like 10% or"
                    + " 12.5%)");
        }
        return Double.parseDouble(mt.group(1));
    }

    /** {@code timeout}: a duration (the {@code total}), or a mapping. */
    ClientTimeoutConfig timeout(Node node, String path) {
        ClientTimeoutConfig.Builder b = ClientTimeoutConfig.builder();
        if (isValue(node)) {
            b.total(r.duration(node, path));
            return b.build();
        }
        YamlReader.Block m = r.mapping(node, path, TIMEOUT_KEYS);
        int mark = r.mark();
        r.opt(m, "attempt", n -> b.attempt(r.duration(n, path + ".attempt")));
        r.opt(m, "total", n -> b.total(r.duration(n, path + ".total")));
        r.opt(m, "margin", n -> {
            String v = r.scalar(n, path + ".margin").trim();
            b.margin(ZERO_DURATION.matcher(v).matches() ? Duration.ZERO : r.duration(n, path + ".margin"));
        });
        r.opt(m, "share", n -> {
            String v = r.scalar(n, path + ".share").trim();
            Matcher mt = WHOLE_PERCENT.matcher(v);
            if (!mt.matches()) {
                throw r.error(n, path + ".share", ConfigValues.quote(v) + " is not a whole percent (expected 1% to"
                        + " 100%, like 50%)");
            }
            ConfigValues.forwardInt(v, Long.parseLong(mt.group(1)), b::share);
        });
        r.opt(m, "deadline-header", n -> b.deadlineHeader(r.scalar(n, path + ".deadline-header")));
        return r.build(mark, m, b::build);
    }

    /** {@code hedge}: a duration (the {@code delay}), or a mapping. */
    HedgeConfig hedge(Node node, String path) {
        Node delay = node;
        String dp = path;
        if (!isValue(node)) {
            YamlReader.Block m = r.mapping(node, path, HEDGE_KEYS);
            delay = m.get("delay");
            dp = path + ".delay";
            if (delay == null) {
                throw r.required(m, node, dp, "is required (a duration, like 200ms)");
            }
        }
        Duration d = r.duration(delay, dp);
        try {
            return new HedgeConfig(d);
        } catch (InvalidSettingException e) {
            throw r.error(delay, dp, e.problem());
        }
    }

    /** A scalar shorthand; nothing at all ({@code retry:}) is reported as a missing mapping. */
    private static boolean isValue(Node node) {
        return node instanceof ScalarNode sn && !YamlReader.isNull(sn);
    }

    /** Cites a block's key line (not its first value's) for a rule about the block as a whole. */
    private static void putKey(Map<String, Node> cite, YamlReader.Block m, String key) {
        for (NodeTuple t : ((MappingNode) m.node()).getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)
                    && t.getValueNode() == m.get(key)) {
                cite.put(key, k);
            }
        }
    }

    /** @return the value of {@code key} in a mapping node, or null */
    private static Node value(Node mapping, String key) {
        if (mapping instanceof MappingNode mn) {
            for (NodeTuple t : mn.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    return t.getValueNode();
                }
            }
        }
        return null;
    }
}
