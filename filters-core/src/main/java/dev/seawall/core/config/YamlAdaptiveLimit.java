package dev.seawall.core.config;

import org.yaml.snakeyaml.nodes.Node;

import java.util.Set;

/** PLACEHOLDER CONTRACT (replaced by the adaptive-limit work): reads a throttle's {@code limit} block. */
final class YamlAdaptiveLimit {

    static final Set<String> KEYS = Set.of("algorithm", "initial", "min", "max");

    private final YamlReader r;

    YamlAdaptiveLimit(YamlReader reader) {
        this.r = reader;
    }

    /** @return the block's settings, or null when it had a problem (recorded) */
    AdaptiveLimitConfig read(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, KEYS);
        AdaptiveLimitConfig.Builder b = AdaptiveLimitConfig.builder();
        r.opt(m, "initial", n -> b.initial(Integer.parseInt(r.scalar(n, path + ".initial").trim())));
        r.opt(m, "min", n -> b.min(Integer.parseInt(r.scalar(n, path + ".min").trim())));
        r.opt(m, "max", n -> b.max(Integer.parseInt(r.scalar(n, path + ".max").trim())));
        return b.build();
    }
}
