package dev.seawall.core.metrics;

import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.fallback.StaleCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a {@link FallbackStage}: {@code seawall.fallback.served} (counter; tags {@code policy}, {@code trigger},
 * {@code source} = cache | fallback | none), {@code seawall.fallback.cache.stored} (counter), and for a policy with
 * a stale cache the gauges {@code seawall.fallback.cache.entries} and {@code seawall.fallback.cache.bytes}; tag
 * {@code policy} on all. Thread-safe.
 */
final class FallbackMeters implements StageMeterBinder {

    private static final String[] SOURCES = {"cache", "fallback", "none"};

    private final FallbackStage stage;

    public FallbackMeters(FallbackStage stage) {
        this.stage = Objects.requireNonNull(stage, "stage");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        Tags tags = Tags.of("policy", stage.name());
        for (FallbackTrigger trigger : FallbackTrigger.values()) {
            for (String source : SOURCES) {
                table.counter(registry, "seawall.fallback.served",
                        "Failures answered by the fallback, by source (none: problem sent)",
                        tags.and("trigger", trigger.configName(), "source", source), stage,
                        s -> s.served(trigger, source));
            }
        }
        table.counter(registry, "seawall.fallback.cache.stored", "Last-good copies stored", tags, stage,
                FallbackStage::storedCopies);
        StaleCache cache = stage.cache();
        if (cache != null) {
            table.gauge(registry, "seawall.fallback.cache.entries", "Last-good copies held", null, tags, stage,
                    s -> s.cache().size());
            table.gauge(registry, "seawall.fallback.cache.bytes", "Bytes held by last-good copies", "bytes", tags,
                    stage, s -> s.cache().bytes());
        }
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable.of(registry).release(registry, stage);
    }
}
