package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.ratelimit.Stores;
import dev.seawall.core.policy.PathPattern;
import dev.seawall.core.ratelimit.BucketStoreProvider;
import dev.seawall.core.ratelimit.RateLimitHeaders;
import dev.seawall.core.ratelimit.StoreKeys;
import org.yaml.snakeyaml.nodes.Node;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks a composed {@code seawall.yaml}: the file, its {@code store:} and its policies. Forwards the values present
 * to the config builders, which hold every default and rule; what stays here is what only the file has: key
 * spelling, list shapes, line numbers, path-pattern ties between policies, and the stages this version offers.
 * The stages' own blocks are read by {@link YamlStages}, the {@code clients:} list by {@link YamlClients}.
 *
 * <p>One instance per load; not thread-safe.
 */
final class YamlFrontEnd {

    private static final Set<String> ROOT_KEYS = ConfigSchema.ROOT.names();
    private static final Set<String> HEADERS_KEYS = ConfigSchema.HEADERS.names();
    private static final Set<String> CLIENT_IP_KEYS = ConfigSchema.CLIENT_IP.names();
    private static final Set<String> POLICY_KEYS = ConfigSchema.POLICY.names();

    private final YamlReader r;
    private final Set<StageKind> available;
    private final YamlStages stages;
    private final YamlIdempotency idempotency;

    YamlFrontEnd(YamlReader reader, Set<StageKind> available) {
        this.r = reader;
        this.available = available;
        this.stages = new YamlStages(reader);
        this.idempotency = new YamlIdempotency(reader);
    }

    /** @return the configuration, or null when a problem was recorded */
    SeawallConfig root(Node root) {
        YamlReader.Block m = r.mapping(root, "", ROOT_KEYS);
        int mark = r.mark();
        SeawallConfig.Builder b = SeawallConfig.builder(r.source());
        Node tp = m.get("trusted-proxies");
        if (tp != null) {
            List<Node> items = r.attempt(() -> r.list(tp, "trusted-proxies"));
            for (int i = 0; items != null && i < items.size(); i++) {
                String path = "trusted-proxies[" + i + "]";
                Node item = items.get(i);
                r.set(item, "", () -> {
                    try {
                        b.trustedProxy(r.scalar(item, path));
                    } catch (InvalidSettingException e) {
                        throw r.error(item, path, e.problem());
                    }
                });
            }
        }
        Node h = m.get("headers");
        if (h != null) {
            YamlReader.Block hm = r.attempt(() -> r.mapping(h, "headers", HEADERS_KEYS));
            if (hm != null) {
                r.opt(hm, "rate-limit", n -> {
                    b.rateLimitHeaders(r.choice(n, "headers.rate-limit", RateLimitHeaders::fromConfigName,
                            "is not a header mode (expected ietf, legacy, both or none)"));
                });
            }
        }
        Node ci = m.get("client-ip");
        if (ci != null) {
            YamlReader.Block cm = r.attempt(() -> r.mapping(ci, "client-ip", CLIENT_IP_KEYS));
            if (cm != null && cm.has("ipv6-prefix")) {
                r.setInt(cm.get("ipv6-prefix"), "", "client-ip.ipv6-prefix", b::ipv6Prefix);
            }
        }
        boolean sharedStore = false;
        if (m.has("store")) {
            StoreConfig store = r.attempt(() -> store(m.get("store")));
            if (store != null) {
                b.store(store);
                sharedStore = !store.local();
            } else {
                // a store with problems: its limits' store: shared are not reported as consequences
                sharedStore = true;
            }
        }
        r.opt(m, "exempt", n -> b.exempt(stages.exempt(n, "exempt")));
        boolean hasClients = m.has("clients");
        Node ps = m.get("policies");
        if (ps != null) {
            policies(ps, hasClients, sharedStore, b);
        } else if (!hasClients) {
            r.missing(m, root, "policies", "is required (a list of policies) unless the file lists clients");
            return null;
        }
        if (hasClients) {
            new YamlClients(r, stages).read(m.get("clients"), b);
        }
        return r.build(mark, m, () -> b.positions(r.positions()).build());
    }

    /** The {@code policies:} list; with clients in the file it may be left out, but not given empty. */
    private void policies(Node ps, boolean hasClients, boolean sharedStore, SeawallConfig.Builder b) {
        List<Node> items = r.attempt(() -> r.list(ps, "policies"));
        if (items == null) {
            return;
        }
        if (items.isEmpty()) {
            r.record(r.error(ps, "policies", "must list at least one policy"
                    + (hasClients ? " (omit the key when the file only lists clients)" : "")));
            return;
        }
        if (items.size() > SeawallConfig.MAX_POLICIES) {
            r.record(r.error(ps, "policies", "has " + items.size() + " policies (at most "
                    + SeawallConfig.MAX_POLICIES + ")"));
            return;
        }
        Map<String, Integer> names = new LinkedHashMap<>();
        List<Claim> claims = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String path = "policies[" + i + "]";
            Node item = items.get(i);
            PolicyConfig p = r.attempt(() -> policy(item, path, names, claims, sharedStore));
            if (p != null) {
                r.set(item, path, () -> b.policy(p));
            }
        }
    }

    /**
     * The {@code store:} block. The core checks {@code type}; the other keys belong to the store module serving the
     * type, which checks them ({@code BucketStoreProvider#settings}); its refusals are reported at their keys' lines.
     */
    StoreConfig store(Node node) {
        int mark = r.mark();
        YamlReader.Block m = r.mapping(node, "store", null);
        Node typeNode = m.get("type");
        String type = typeNode != null ? r.scalar(typeNode, "store.type").trim() : "local";
        try {
            StoreConfig.checkType(type);
        } catch (InvalidSettingException e) {
            throw r.error(typeNode, "store.type", e.problem());
        }
        BucketStoreProvider provider = "local".equals(type) ? null : Stores.provider(type);
        for (String k : m.keys().keySet()) {
            if (k.equals("type") || provider != null && provider.keys().contains(k)) {
                continue;
            }
            Set<String> allowed = new java.util.HashSet<>(provider != null ? provider.keys() : Set.of());
            allowed.add("type");
            String hint = ConfigLoader.suggestion(k, allowed);
            if (provider != null || hint != null) {
                r.record(r.error(keyNode(m, k), "store." + k, "unknown key"
                        + (hint == null ? "" : " (did you mean " + hint + "?)")));
            } else if ("local".equals(type)) {
                r.record(r.error(m.get(k), "store." + k, StoreConfig.notLocal(k).problem()));
            }
        }
        if ("local".equals(type)) {
            return r.clean(mark) ? StoreConfig.LOCAL : null;
        }
        if (provider == null) {
            r.record(r.lineOf(node), "store.type", Stores.missingModule(type));
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : m.keys().entrySet()) {
            if (!e.getKey().equals("type")) {
                String text = r.attempt(() -> r.scalar(e.getValue(), "store." + e.getKey()));
                if (text != null) {
                    values.put(e.getKey(), text);
                }
            }
        }
        if (!r.clean(mark)) {
            return null; // a key the store cannot read, or misspelt: its rules would only report consequences
        }
        StoreKeys keys = new StoreKeys(type, values);
        Object settings = provider.settings(keys);
        for (InvalidSettingException e : keys.problems()) {
            r.record(r.lineFor(m, e), YamlReader.join("store", e.key()), e.problem());
        }
        return keys.clean() && settings != null ? new StoreConfig(type, settings) : null;
    }

    /** The key node of a mapping's key, for errors about the key itself. */
    private static Node keyNode(YamlReader.Block m, String key) {
        for (org.yaml.snakeyaml.nodes.NodeTuple t : ((org.yaml.snakeyaml.nodes.MappingNode) m.node()).getValue()) {
            if (t.getKeyNode() instanceof org.yaml.snakeyaml.nodes.ScalarNode k && k.getValue().equals(key)) {
                return k;
            }
        }
        return m.node();
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

    PolicyConfig policy(Node node, String path, Map<String, Integer> names, List<Claim> claims, boolean sharedStore) {
        YamlReader.Block m = r.mapping(node, path, POLICY_KEYS);
        int mark = r.mark();
        Node nameNode = m.get("name");
        if (nameNode == null) {
            throw r.required(m, node, path + ".name", "is required");
        }
        String name = r.scalar(nameNode, path + ".name");
        PolicyConfig.Builder b;
        try {
            b = PolicyConfig.builder(name);
        } catch (InvalidSettingException e) {
            throw r.error(nameNode, path + ".name", e.problem());
        }
        Integer previous = names.putIfAbsent(name, YamlReader.startLine(nameNode));
        if (previous != null) {
            throw r.error(nameNode, path + ".name", "policy name " + ConfigValues.quote(name)
                    + " is already used on line " + previous);
        }
        Set<String> methods = new HashSet<>();
        Node mn = m.get("methods");
        if (mn != null) {
            List<Node> ms = r.attempt(() -> r.list(mn, path + ".methods"));
            if (ms != null && ms.isEmpty()) {
                r.record(r.error(mn, path + ".methods", "must not be empty (omit it for every method)"));
            }
            for (int i = 0; ms != null && i < ms.size(); i++) {
                String pp = path + ".methods[" + i + "]";
                Node item = ms.get(i);
                r.set(item, path, () -> {
                    try {
                        b.method(r.scalar(item, pp));
                    } catch (InvalidSettingException e) {
                        throw r.error(item, pp, e.problem());
                    }
                    methods.add(r.scalar(item, pp).toUpperCase(java.util.Locale.ROOT));
                });
            }
        }
        paths(m, path, name, Set.copyOf(methods), claims, b);
        EnumSet<StageKind> present = EnumSet.noneOf(StageKind.class);
        Node rn = m.get("rate-limits");
        if (rn != null) {
            present.add(StageKind.RATE_LIMIT);
            List<Node> ls = r.attempt(() -> r.list(rn, path + ".rate-limits"));
            if (ls != null && ls.isEmpty()) {
                r.record(r.error(rn, path + ".rate-limits", "must list at least one limit (omit the key for none)"));
            }
            for (int i = 0; ls != null && i < ls.size(); i++) {
                String lp = path + ".rate-limits[" + i + "]";
                Node item = ls.get(i);
                RateLimitConfig l = r.attempt(() -> stages.rateLimit(item, lp, sharedStore));
                if (l != null) {
                    r.set(item, path, () -> {
                        try {
                            b.rateLimit(l);
                        } catch (InvalidSettingException e) {
                            throw r.error(item, lp, e.problem());
                        }
                    });
                }
            }
        }
        stage(m, "throttle", StageKind.THROTTLE, present, n -> b.throttle(stages.throttle(n, path + ".throttle")));
        stage(m, "circuit-breaker", StageKind.CIRCUIT_BREAKER, present,
                n -> b.circuitBreaker(stages.breaker(n, path + ".circuit-breaker")));
        stage(m, "timeout", StageKind.TIMEOUT, present, n -> b.timeout(stages.timeout(n, path + ".timeout")));
        stage(m, "fallback", StageKind.FALLBACK, present, n -> b.fallback(stages.fallback(n, path + ".fallback")));
        for (StageKind k : present) {
            if (!available.contains(k)) {
                Node v = m.get(k.configName());
                r.record(r.lineOf(v), path + "." + k.configName(), "the " + k.configName()
                        + " stage is not available in this version of Seawall (available: "
                        + available.stream().map(StageKind::configName).sorted().toList() + ")");
            }
        }
        r.opt(m, "idempotency", n -> b.idempotency(idempotency.read(n, path + ".idempotency")));
        r.opt(m, "exempt", n -> b.exempt(stages.exempt(n, path + ".exempt")));
        Node on = m.get("order");
        if (on != null) {
            r.set(on, path, () -> b.order(order(on, path + ".order")));
        }
        r.opt(m, "fail-closed", n -> b.failClosed(r.bool(n, path + ".fail-closed")));
        r.opt(m, "buffer", n -> {
            String v = r.scalar(n, path + ".buffer").trim();
            if (v.equals("off")) {
                b.bufferBytes(0);
                return;
            }
            try {
                b.bufferBytes((int) ConfigValues.parseSize(v, PolicyConfig.MAX_BUFFER_BYTES));
            } catch (IllegalArgumentException e) {
                throw r.error(n, path + ".buffer", e.getMessage() + "; or off");
            }
        });
        return r.build(mark, m, b::build);
    }

    /** Reads one stage's block; a stage with problems still counts as present. */
    private void stage(YamlReader.Block m, String key, StageKind kind, Set<StageKind> present,
                       java.util.function.Consumer<Node> read) {
        Node n = m.get(key);
        if (n != null) {
            present.add(kind);
            r.set(n, m.path(), () -> read.accept(n));
        }
    }

    private void paths(YamlReader.Block m, String path, String name, Set<String> methods, List<Claim> claims,
                       PolicyConfig.Builder b) {
        Node pn = m.get("paths");
        if (pn == null) {
            r.missing(m, m.node(), path + ".paths", "is required (servlet url-patterns such as /api/*)");
            return;
        }
        List<Node> ps = r.attempt(() -> r.list(pn, path + ".paths"));
        if (ps == null) {
            return;
        }
        if (ps.isEmpty()) {
            r.record(r.error(pn, path + ".paths", "must list at least one path pattern"));
            return;
        }
        for (int i = 0; i < ps.size(); i++) {
            String pp = path + ".paths[" + i + "]";
            Node item = ps.get(i);
            r.set(item, path, () -> {
                String v = r.scalar(item, pp);
                try {
                    b.path(v);
                } catch (InvalidSettingException e) {
                    throw r.error(item, pp, e.problem());
                }
                PathPattern pattern = PathPattern.parse(v);
                for (Claim c : claims) {
                    if (c.pattern.kind() == pattern.kind() && c.pattern.key().equals(pattern.key())
                            && c.overlaps(methods)) {
                        throw r.error(item, pp, pattern.text() + " is also claimed by "
                                + (c.policy.equals(name) ? "this policy" : "policy \"" + c.policy + "\"")
                                + " (line " + c.line + ") for overlapping methods: the most specific match"
                                + " would be a tie");
                    }
                }
                claims.add(new Claim(pattern, methods, name, YamlReader.startLine(item)));
            });
        }
    }

    private List<StageKind> order(Node node, String path) {
        List<Node> items = r.list(node, path);
        List<StageKind> order = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String v = r.scalar(items.get(i), path + "[" + i + "]");
            StageKind kind = null;
            for (StageKind k : StageKind.values()) {
                if (k.configName().equals(v.trim())) {
                    kind = k;
                }
            }
            if (kind == null) {
                throw r.error(items.get(i), path + "[" + i + "]", ConfigValues.quote(v) + " is not a stage"
                        + " (expected rate-limits, fallback, circuit-breaker, throttle or timeout)");
            }
            order.add(kind);
        }
        return order;
    }
}
