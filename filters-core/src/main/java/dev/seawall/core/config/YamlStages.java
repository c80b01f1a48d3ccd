package dev.seawall.core.config;

import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.policy.PathPattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the stage blocks of a policy ({@code rate-limits} items, {@code throttle}, {@code circuit-breaker},
 * {@code timeout}, {@code fallback}) and forwards the values present to their builders. Each method returns null
 * when the block had a problem (recorded in the reader). One instance per load; not thread-safe.
 */
final class YamlStages {

    private static final String KEY_KINDS = "is not a key kind (expected ip, user, api-key or tenant)";

    private static final Set<String> LIMIT_KEYS = ConfigSchema.RATE_LIMIT.names();
    private static final Set<String> THROTTLE_KEYS = ConfigSchema.THROTTLE.names();
    private static final Set<String> PRIORITY_KEYS = ConfigSchema.PRIORITY.names();
    private static final Set<String> CLASSES = Set.copyOf(ConfigSchema.PRIORITY_CLASSES);
    private static final Set<String> CRITICALITY_KEYS = ConfigSchema.CRITICALITY.names();
    private static final Set<String> CRITICALITY_CLASSES = Set.copyOf(ConfigSchema.CRITICALITY_CLASSES);
    private static final Set<String> BREAKER_KEYS = ConfigSchema.BREAKER.names();
    private static final Set<String> EXEMPT_KEYS = ConfigSchema.EXEMPT.names();
    private static final Set<String> TIMEOUT_KEYS = ConfigSchema.TIMEOUT.names();
    private static final Set<String> FALLBACK_KEYS = ConfigSchema.FALLBACK.names();

    private final YamlReader r;

    YamlStages(YamlReader reader) {
        this.r = reader;
    }

    RateLimitConfig rateLimit(Node node, String path, boolean sharedStore) {
        YamlReader.Block m = r.mapping(node, path, LIMIT_KEYS);
        int mark = r.mark();
        Node byNode = m.get("by");
        if (byNode == null) {
            throw r.required(m, node, path + ".by", "is required (ip, user, api-key or tenant)");
        }
        KeyKind by = r.choice(byNode, path + ".by", KeyKind::fromConfigName, KEY_KINDS);
        RateLimitConfig.Builder b = RateLimitConfig.builder(by);
        Node limitNode = m.get("limit");
        if (limitNode == null) {
            r.missing(m, node, path + ".limit", "is required (a rate like 100/1m, or a list of rates)");
        } else {
            r.set(limitNode, path, () -> b.rates(r.rates(limitNode, path + ".limit")));
        }
        r.opt(m, "name", n -> b.name(r.scalar(n, path + ".name")));
        r.opt(m, "header", n -> {
            b.header(r.scalar(n, path + ".header"));
        });
        r.opt(m, "on-missing", n -> {
            if (by == KeyKind.IP) {
                b.onMissing(OnMissing.SKIP); // refused for by: ip, whatever the value
            }
            b.onMissing(r.choice(n, path + ".on-missing", OnMissing::fromConfigName,
                    "is not a choice (expected skip, shared or reject)"));
        });
        r.optInt(m, "max-keys", b::maxKeys);
        r.opt(m, "attribute", n -> {
            if (by != KeyKind.USER) {
                b.attribute(null); // refused for any other by, whatever the value
            }
            b.attribute(r.scalar(n, path + ".attribute"));
        });
        r.opt(m, "source", n -> {
            if (by != KeyKind.TENANT) {
                b.source(TenantSource.HEADER); // refused for any other by, whatever the value
            }
            b.source(r.choice(n, path + ".source", TenantSource::fromConfigName,
                    "is not a tenant source (expected header, subdomain or path-segment)"));
        });
        r.optInt(m, "segment", b::segment);
        plans(m, path, b);
        r.opt(m, "store", n -> {
            String v = r.scalar(n, path + ".store").trim();
            if ("local".equals(v)) {
                b.local(true);
            } else if (!"shared".equals(v)) {
                throw r.error(n, path + ".store", ConfigValues.quote(v) + " is not a choice (expected local or shared)");
            } else if (!sharedStore) {
                throw r.error(n, path + ".store", "shared needs a top-level store: {type: redis, ...}");
            }
        });
        r.opt(m, "mode", n -> b.mode(r.scalar(n, path + ".mode").trim()));
        Node costNode = m.get("cost");
        if (costNode != null) {
            cost(costNode, path, b);
        }
        return r.build(mark, m, b::build);
    }

    /** {@code cost}: a whole number (every method), or {@code {POST: 5, default: 1, attribute: name}}. */
    private void cost(Node node, String path, RateLimitConfig.Builder b) {
        if (node instanceof ScalarNode) {
            r.set(node, path, () -> b.costDefault(r.whole(node, path + ".cost", r.scalar(node, path + ".cost").trim())));
            return;
        }
        YamlReader.Block cm = r.attempt(() -> r.mapping(node, path + ".cost", null));
        if (cm == null) {
            return;
        }
        for (Map.Entry<String, Node> e : cm.keys().entrySet()) {
            String key = e.getKey();
            Node v = e.getValue();
            String vp = path + ".cost." + key;
            r.set(v, path, () -> {
                String text = r.scalar(v, vp).trim();
                switch (key) {
                    case "attribute" -> b.costAttribute(text);
                    case "default" -> b.costDefault(r.whole(v, vp, text));
                    default -> b.cost(key, r.whole(v, vp, text));
                }
            });
        }
    }

    private void plans(YamlReader.Block m, String path, RateLimitConfig.Builder b) {
        int mark = r.mark();
        Node plansNode = m.get("plans");
        if (plansNode != null) {
            r.set(plansNode, path, () -> {
                YamlReader.Block pm = r.mapping(plansNode, path + ".plans", null);
                for (Map.Entry<String, Node> e : pm.keys().entrySet()) {
                    String pp = path + ".plans." + e.getKey();
                    Node v = e.getValue();
                    List<dev.seawall.core.ratelimit.Rate> rates = r.attempt(() -> r.rates(v, pp));
                    if (rates == null) {
                        continue;
                    }
                    try {
                        b.plan(e.getKey(), rates);
                    } catch (InvalidSettingException ex) {
                        if (ex.key().equals("plans")) {
                            throw ex; // the key as a whole: cited at its own line
                        }
                        r.record(YamlReader.startLine(v), YamlReader.join(path, ex.key()), ex.problem());
                    }
                }
            });
        }
        Node planOf = m.get("plan-of");
        if (planOf != null && r.clean(mark)) {
            r.set(planOf, path, () -> {
                YamlReader.Block pm = r.mapping(planOf, path + ".plan-of", null);
                b.planOf(Map.of());
                for (Map.Entry<String, Node> e : pm.keys().entrySet()) {
                    Node v = e.getValue();
                    r.set(v, path, () -> b.planOf(e.getKey(), r.scalar(v, path + ".plan-of")));
                }
            });
        }
    }

    /**
     * An {@code exempt} block (on a policy or at the top level); each entry is forwarded on its own, so a bad one is
     * cited at its own line. Null when the block had a problem.
     */
    ExemptConfig exempt(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, EXEMPT_KEYS);
        int mark = r.mark();
        ExemptConfig.Builder b = ExemptConfig.builder();
        for (String key : List.of("networks", "paths", "roles")) {
            Node listNode = m.get(key);
            List<Node> items = listNode == null ? null : r.attempt(() -> r.list(listNode, path + "." + key));
            for (int i = 0; items != null && i < items.size(); i++) {
                String ip = path + "." + key + "[" + i + "]";
                Node item = items.get(i);
                r.attempt(() -> {
                    String v = r.scalar(item, ip);
                    try {
                        switch (key) {
                            case "networks" -> b.network(v);
                            case "paths" -> b.path(v.trim());
                            default -> b.role(v.trim());
                        }
                    } catch (InvalidSettingException e) {
                        throw r.error(item, ip, e.problem());
                    }
                    return null;
                });
            }
        }
        return r.build(mark, m, b::build);
    }

    ThrottleConfig throttle(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, THROTTLE_KEYS);
        int mark = r.mark();
        ThrottleConfig.Builder b = ThrottleConfig.builder();
        Node max = m.get("max-concurrent");
        if (max != null) {
            r.set(max, path, () -> {
                String v = r.scalar(max, path + ".max-concurrent").trim();
                if ("adaptive".equals(v)) {
                    b.adaptive();
                } else if (!v.isEmpty() && Character.isLetter(v.charAt(0))) {
                    throw r.error(max, path + ".max-concurrent", ConfigValues.quote(v)
                            + " is neither a whole number nor adaptive");
                } else {
                    r.setInt(max, path, path + ".max-concurrent", b::maxConcurrent);
                }
            });
        }
        r.opt(m, "limit", n -> {
            AdaptiveLimitConfig limit = new YamlAdaptiveLimit(r).read(n, path + ".limit");
            if (limit != null) {
                b.limit(limit);
            }
        });
        r.optInt(m, "queue", b::queue);
        r.opt(m, "max-wait", n -> b.maxWait(r.duration(n, path + ".max-wait")));
        r.opt(m, "priority", n -> b.priority(priority(n, path + ".priority")));
        r.opt(m, "criticality", n -> b.criticality(criticality(n, path + ".criticality")));
        r.opt(m, "mode", n -> b.mode(r.scalar(n, path + ".mode").trim()));
        r.optInt(m, "max-concurrent-per-key", b::maxConcurrentPerKey);
        r.opt(m, "per-key", n -> {
            b.perKey(r.choice(n, path + ".per-key", KeyKind::fromConfigName, KEY_KINDS));
        });
        return r.build(mark, m, b::build);
    }

    private ThrottleConfig.Priority priority(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, PRIORITY_KEYS);
        int mark = r.mark();
        String[] header = new String[1];
        r.opt(m, "header", n -> header[0] = Check.token("header", r.scalar(n, path + ".header").trim(),
                "header name"));
        Map<String, List<String>> roles = classes(m.get("roles"), path + ".roles", false, CLASSES);
        Map<String, List<String>> paths = classes(m.get("paths"), path + ".paths", true, CLASSES);
        if (!r.clean(mark)) {
            throw new YamlReader.Skip();
        }
        try {
            return new ThrottleConfig.Priority(header[0], roles, paths);
        } catch (InvalidSettingException e) {
            throw r.error(node, path, e.problem());
        }
    }

    /**
     * {@code criticality}: like {@code priority} with the classes critical / default / sheddable, plus {@code reserve}
     * (a whole percent, {@code 20} or {@code 20%}) and {@code cohort-rotation}.
     */
    private ThrottleConfig.Criticality criticality(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, CRITICALITY_KEYS);
        int mark = r.mark();
        String[] header = new String[1];
        r.opt(m, "header", n -> header[0] = Check.token("header", r.scalar(n, path + ".header").trim(),
                "header name"));
        int[] reserve = new int[1];
        r.opt(m, "reserve", n -> {
            String v = r.scalar(n, path + ".reserve").trim();
            String digits = v.endsWith("%") ? v.substring(0, v.length() - 1).trim() : v;
            if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
                throw r.error(n, path + ".reserve", ConfigValues.quote(v) + " is not a whole percent 0-100");
            }
            reserve[0] = Check.range("reserve", Integer.parseInt(digits), 0, 100);
        });
        java.time.Duration[] rotation = new java.time.Duration[1];
        r.opt(m, "cohort-rotation", n -> rotation[0] = Check.duration("cohort-rotation",
                r.duration(n, path + ".cohort-rotation")));
        Map<String, List<String>> roles = classes(m.get("roles"), path + ".roles", false, CRITICALITY_CLASSES);
        Map<String, List<String>> paths = classes(m.get("paths"), path + ".paths", true, CRITICALITY_CLASSES);
        if (!r.clean(mark)) {
            throw new YamlReader.Skip();
        }
        try {
            return new ThrottleConfig.Criticality(header[0], roles, paths, reserve[0], rotation[0]);
        } catch (InvalidSettingException e) {
            throw r.error(node, path, e.problem());
        }
    }

    /** {high: [...], low: [...]}: class names to roles or path patterns. */
    private Map<String, List<String>> classes(Node node, String path, boolean patterns, Set<String> classes) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (node == null) {
            return out;
        }
        YamlReader.Block m = r.attempt(() -> r.mapping(node, path, classes));
        if (m == null) {
            return out;
        }
        for (Map.Entry<String, Node> e : m.keys().entrySet()) {
            List<Node> items = r.attempt(() -> r.list(e.getValue(), path + "." + e.getKey()));
            List<String> values = new ArrayList<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                String pp = path + "." + e.getKey() + "[" + i + "]";
                Node item = items.get(i);
                r.attempt(() -> {
                    String v = r.scalar(item, pp).trim();
                    if (v.isEmpty()) {
                        throw r.error(item, pp, "must not be empty");
                    }
                    if (patterns) {
                        try {
                            PathPattern.parse(v);
                        } catch (IllegalArgumentException ex) {
                            throw r.error(item, pp, ex.getMessage());
                        }
                    }
                    return values.add(v);
                });
            }
            out.put(e.getKey(), values);
        }
        return out;
    }

    CircuitBreakerConfig breaker(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, BREAKER_KEYS);
        int mark = r.mark();
        CircuitBreakerConfig.Builder b = CircuitBreakerConfig.builder();
        r.opt(m, "name", n -> b.name(r.scalar(n, path + ".name")));
        r.optInt(m, "failure-rate", b::failureRate);
        r.optInt(m, "minimum-calls", b::minimumCalls);
        Node w = m.get("window");
        if (w != null) {
            r.set(w, path, () -> {
                String text = r.scalar(w, path + ".window").trim();
                if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
                    r.setInt(w, path, path + ".window", b::windowCalls);
                } else {
                    b.windowTime(r.duration(w, path + ".window"));
                }
            });
        }
        r.opt(m, "open-for", n -> b.openFor(r.duration(n, path + ".open-for")));
        r.optInt(m, "half-open-calls", b::halfOpenCalls);
        r.opt(m, "slow-call", n -> b.slowCall(r.duration(n, path + ".slow-call")));
        Node fs = m.get("failure-statuses");
        if (fs != null) {
            List<Node> items = r.attempt(() -> r.list(fs, path + ".failure-statuses"));
            List<StatusRange> statuses = new ArrayList<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                String pp = path + ".failure-statuses[" + i + "]";
                Node item = items.get(i);
                r.attempt(() -> {
                    try {
                        return statuses.add(ConfigValues.parseStatusRange(r.scalar(item, pp)));
                    } catch (IllegalArgumentException e) {
                        throw r.error(item, pp, e.getMessage());
                    }
                });
            }
            r.set(fs, path, () -> b.failureStatuses(statuses));
        }
        r.opt(m, "mode", n -> b.mode(r.scalar(n, path + ".mode").trim()));
        // whether the store can share it is checked where the breaker is built, which knows the store
        r.opt(m, "shared", n -> b.shared(r.bool(n, path + ".shared")));
        return r.build(mark, m, b::build);
    }

    TimeoutConfig timeout(Node node, String path) {
        TimeoutConfig.Builder b = TimeoutConfig.builder();
        if (node instanceof ScalarNode) {
            int mark = r.mark();
            r.set(node, path, () -> b.after(r.duration(node, path)));
            return r.build(mark, new YamlReader.Block(path, node, Map.of()), b::build);
        }
        YamlReader.Block m = r.mapping(node, path, TIMEOUT_KEYS);
        int mark = r.mark();
        r.opt(m, "after", n -> b.after(r.duration(n, path + ".after")));
        r.optInt(m, "status", b::status);
        r.opt(m, "deadline-header", n -> b.deadlineHeader(r.scalar(n, path + ".deadline-header")));
        return r.build(mark, m, b::build);
    }

    FallbackConfig fallback(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, FALLBACK_KEYS);
        int mark = r.mark();
        FallbackConfig.Builder b = FallbackConfig.builder();
        r.optInt(m, "status", b::status);
        r.opt(m, "content-type", n -> b.contentType(r.scalar(n, path + ".content-type")));
        if (m.has("body") && m.has("body-file")) {
            r.record(r.error(m.get("body-file"), path + ".body-file", "give body or body-file, not both"));
        } else {
            r.opt(m, "body", n -> b.body(r.scalar(n, path + ".body")));
            r.opt(m, "body-file", n -> b.body(bodyFile(n, path + ".body-file")));
        }
        Node hn = m.get("headers");
        if (hn != null) {
            headers(hn, path + ".headers", b);
        }
        r.opt(m, "handler", n -> b.handler(r.scalar(n, path + ".handler")));
        r.opt(m, "stale-cache", n -> b.staleCache(r.duration(n, path + ".stale-cache")));
        r.optInt(m, "cache-entries", b::cacheEntries);
        r.opt(m, "cache-no-store", n -> b.cacheNoStore(r.bool(n, path + ".cache-no-store")));
        r.opt(m, "cache-size", n -> {
            try {
                b.cacheBytes(ConfigValues.parseSize(r.scalar(n, path + ".cache-size"), FallbackConfig.MAX_CACHE_BYTES));
            } catch (InvalidSettingException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw r.error(n, path + ".cache-size", e.getMessage());
            }
        });
        r.opt(m, "on", n -> {
            List<Node> items = r.list(n, path + ".on");
            Set<FallbackTrigger> on = EnumSet.noneOf(FallbackTrigger.class);
            for (int i = 0; i < items.size(); i++) {
                String v = r.scalar(items.get(i), path + ".on[" + i + "]").trim();
                FallbackTrigger t = FallbackTrigger.fromConfigName(v);
                if (t == null) {
                    throw r.error(items.get(i), path + ".on[" + i + "]", ConfigValues.quote(v) + " is not a failure"
                            + " a fallback answers (expected circuit-open, timeout, error or throttled; rate-limit"
                            + " rejections never get a fallback)");
                }
                on.add(t);
            }
            b.on(on);
        });
        return r.build(mark, m, b::build);
    }

    private void headers(Node hn, String hp, FallbackConfig.Builder b) {
        if (!(hn instanceof MappingNode mn)) {
            r.record(r.error(hn, hp, "must be a mapping of header names to values"));
            return;
        }
        for (NodeTuple t : mn.getValue()) {
            r.attempt(() -> {
                String n = r.scalar(t.getKeyNode(), hp).trim();
                String v = r.scalar(t.getValueNode(), hp + "." + n);
                try {
                    b.header(n, v);
                } catch (InvalidSettingException e) {
                    Node cite = e.key().equals("headers") || "headers".equals(e.citeKey()) ? t.getKeyNode()
                            : t.getValueNode();
                    throw r.error(cite, YamlReader.join(hp.substring(0, hp.length() - "headers".length() - 1),
                            e.key()), e.problem());
                }
                return null;
            });
        }
    }

    private String bodyFile(Node node, String path) {
        String file = r.scalar(node, path).trim();
        try {
            Path p = Path.of(file);
            if (Files.size(p) > FallbackConfig.MAX_STATIC_BODY) {
                throw r.error(node, path, ConfigValues.quote(file) + " is larger than " + FallbackConfig.MAX_STATIC_BODY
                        + " bytes");
            }
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw r.error(node, path, ConfigValues.quote(file) + " cannot be read (a path relative to the working"
                    + " directory, or absolute)");
        }
    }
}
