package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a policy's {@code idempotency} block and forwards the values present to {@link IdempotencyConfig.Builder}.
 * {@code idempotency: on} (or {@code true}) takes every default. One instance per load; not thread-safe.
 */
final class YamlIdempotency {

    static final Set<String> KEYS = ConfigSchema.IDEMPOTENCY.names();

    private final YamlReader r;

    YamlIdempotency(YamlReader reader) {
        this.r = reader;
    }

    /** @return the block's settings, or null when it had a problem (recorded) */
    IdempotencyConfig read(Node node, String path) {
        if (node instanceof ScalarNode s && !YamlReader.isNull(s)) {
            String v = s.getValue().trim();
            if (v.equals("on") || v.equals("true")) {
                return IdempotencyConfig.builder().build();
            }
            throw r.error(node, path, ConfigValues.quote(v) + " is not a block (write on for the defaults, or a"
                    + " mapping of " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
        }
        YamlReader.Block m = r.mapping(node, path, KEYS);
        int mark = r.mark();
        IdempotencyConfig.Builder b = IdempotencyConfig.builder();
        r.opt(m, "header", n -> b.header(r.scalar(n, path + ".header")));
        r.opt(m, "methods", n -> {
            List<String> methods = new ArrayList<>();
            for (Node item : r.list(n, path + ".methods")) {
                methods.add(r.scalar(item, path + ".methods"));
            }
            b.methods(methods);
        });
        r.opt(m, "required", n -> b.required(r.bool(n, path + ".required")));
        r.opt(m, "expire", n -> b.expire(r.duration(n, path + ".expire")));
        r.opt(m, "scope", n -> b.scope(r.choice(n, path + ".scope", KeyKind::fromConfigName,
                "is not a scope (expected ip, user, api-key or tenant)")));
        r.opt(m, "max-body", n -> b.maxBody(size(n, path + ".max-body", IdempotencyConfig.MAX_BYTES_PER_REQUEST)));
        r.opt(m, "max-response", n -> b.maxResponse(size(n, path + ".max-response",
                IdempotencyConfig.MAX_BYTES_PER_REQUEST)));
        r.opt(m, "lease", n -> b.lease(r.duration(n, path + ".lease")));
        r.opt(m, "keep", n -> {
            List<Node> items = r.list(n, path + ".keep");
            List<StatusRange> keep = new ArrayList<>();
            int before = r.mark();
            for (int i = 0; i < items.size(); i++) {
                String pp = path + ".keep[" + i + "]";
                Node item = items.get(i);
                r.attempt(() -> {
                    try {
                        return keep.add(ConfigValues.parseStatusRange(r.scalar(item, pp)));
                    } catch (IllegalArgumentException e) {
                        throw r.error(item, pp, e.getMessage());
                    }
                });
            }
            if (!r.clean(before)) {
                throw new YamlReader.Skip();
            }
            b.keep(keep);
        });
        r.opt(m, "on-failure", n -> b.onFailure(r.choice(n, path + ".on-failure",
                IdempotencyConfig.OnFailure::fromConfigName, "is not a choice (expected local, allow or deny)")));
        r.opt(m, "max-bytes", n -> b.maxBytes(size(n, path + ".max-bytes", IdempotencyConfig.MAX_MAX_BYTES)));
        return r.build(mark, m, b::build);
    }

    private long size(Node n, String path, long max) {
        try {
            return ConfigValues.parseSize(r.scalar(n, path), max);
        } catch (IllegalArgumentException e) {
            throw r.error(n, path, e.getMessage());
        }
    }
}
