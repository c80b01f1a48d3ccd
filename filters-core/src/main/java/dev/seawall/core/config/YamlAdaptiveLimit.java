package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import org.yaml.snakeyaml.nodes.Node;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a throttle's {@code limit} block and forwards the values present to {@link AdaptiveLimitConfig.Builder},
 * which holds every default and range. One instance per load; not thread-safe.
 */
final class YamlAdaptiveLimit {

    static final Set<String> KEYS = ConfigSchema.ADAPTIVE_LIMIT.names();

    /** A plain decimal such as {@code 1.5} or {@code 0.25}: no sign, exponent, NaN or infinity. */
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,6}(\\.\\d{1,9})?");

    private final YamlReader r;

    YamlAdaptiveLimit(YamlReader reader) {
        this.r = reader;
    }

    /** @return the block's settings, or null when it had a problem (recorded) */
    AdaptiveLimitConfig read(Node node, String path) {
        YamlReader.Block m = r.mapping(node, path, KEYS);
        int mark = r.mark();
        AdaptiveLimitConfig.Builder b = AdaptiveLimitConfig.builder();
        r.opt(m, "algorithm", n -> b.algorithm(r.choice(n, m.path("algorithm"),
                AdaptiveLimitConfig.Algorithm::fromConfigName, "is not an algorithm (expected gradient2, vegas or aimd)")));
        r.optInt(m, "initial", b::initial);
        r.optInt(m, "min", b::min);
        r.optInt(m, "max", b::max);
        r.opt(m, "window", n -> b.window(r.duration(n, m.path("window"))));
        r.optInt(m, "window-samples", b::windowSamples);
        r.opt(m, "latency-tolerance", n -> b.latencyTolerance(decimal(n, m.path("latency-tolerance"))));
        r.opt(m, "max-growth", n -> b.maxGrowth(decimal(n, m.path("max-growth"))));
        r.opt(m, "probe-interval", n -> b.probeInterval(r.duration(n, m.path("probe-interval"))));
        r.opt(m, "drop-share", n -> b.dropShare(decimal(n, m.path("drop-share"))));
        r.opt(m, "smoothing", n -> b.smoothing(decimal(n, m.path("smoothing"))));
        r.optInt(m, "long-window", b::longWindow);
        r.opt(m, "rtt-tolerance", n -> b.rttTolerance(decimal(n, m.path("rtt-tolerance"))));
        r.optInt(m, "queue-size", b::queueSize);
        r.optInt(m, "alpha", b::alpha);
        r.optInt(m, "beta", b::beta);
        r.opt(m, "backoff-ratio", n -> b.backoffRatio(decimal(n, m.path("backoff-ratio"))));
        r.opt(m, "latency-threshold", n -> b.latencyThreshold(r.duration(n, m.path("latency-threshold"))));
        return r.build(mark, m, b::build);
    }

    private double decimal(Node n, String path) {
        String v = r.scalar(n, path).trim();
        if (!DECIMAL.matcher(v).matches()) {
            throw r.error(n, path, ConfigValues.quote(v) + " is not a decimal number (like 0.5 or 1.5)");
        }
        return Double.parseDouble(v);
    }
}
