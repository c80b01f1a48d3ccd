package dev.seawall.core.metrics;

import dev.seawall.core.timeout.TimeoutStage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a {@link TimeoutStage}: {@code seawall.timeout.calls} (counter; tags {@code policy},
 * {@code outcome} = answered | overran), one description for both outcomes. Thread-safe.
 */
final class TimeoutMeters implements StageMeterBinder {

    static final String CALLS_DESCRIPTION = "Requests whose deadline passed, by outcome: answered with the timeout"
            + " (or its fallback), or overran while already streaming (recorded, not replaced)";

    private final TimeoutStage stage;

    public TimeoutMeters(TimeoutStage stage) {
        this.stage = Objects.requireNonNull(stage, "stage");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        Tags tags = Tags.of("policy", stage.name());
        table.counter(registry, "seawall.timeout.calls", CALLS_DESCRIPTION, tags.and("outcome", "answered"), stage,
                TimeoutStage::answeredCount);
        table.counter(registry, "seawall.timeout.calls", CALLS_DESCRIPTION, tags.and("outcome", "overran"), stage,
                TimeoutStage::overranCount);
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable.of(registry).release(registry, stage);
    }
}
