package dev.seawall.core.metrics;

import dev.seawall.core.breaker.Breaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a {@link Breaker} (shared by every policy naming it, so bound once per breaker):
 * {@code seawall.breaker.state} (gauge: 0 closed, 1 open, 2 half-open), {@code seawall.breaker.calls} (counter,
 * {@code outcome} = success | failure | slow | released) and {@code seawall.breaker.not.permitted}, and for a shared
 * breaker {@code seawall.breaker.shared.degraded} (gauge: 1 while it judges alone because its store does not
 * answer); tag {@code breaker} on all. Thread-safe.
 */
final class BreakerMeters implements StageMeterBinder {

    private final Breaker breaker;

    public BreakerMeters(Breaker breaker) {
        this.breaker = Objects.requireNonNull(breaker, "breaker");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        Tags tags = Tags.of("breaker", breaker.name());
        table.latestGauge(registry, "seawall.breaker.state", "0 closed, 1 open, 2 half-open", tags, breaker,
                Breaker::stateCode);
        String calls = "Calls recorded by the breaker, by outcome";
        table.counter(registry, "seawall.breaker.calls", calls, tags.and("outcome", "success"), breaker,
                Breaker::successes);
        table.counter(registry, "seawall.breaker.calls", calls, tags.and("outcome", "failure"), breaker,
                Breaker::failures);
        table.counter(registry, "seawall.breaker.calls", calls, tags.and("outcome", "slow"), breaker,
                Breaker::slowCalls);
        table.counter(registry, "seawall.breaker.calls", calls, tags.and("outcome", "released"), breaker,
                Breaker::releasedCalls);
        table.counter(registry, "seawall.breaker.not.permitted",
                "Calls refused while the breaker was open or half-open and full", tags, breaker,
                Breaker::notPermitted);
        if (breaker.isShared()) {
            table.latestGauge(registry, "seawall.breaker.shared.degraded", "1 while a shared breaker judges alone"
                    + " because its store does not answer, else 0", tags, breaker, b -> b.sharedDegraded() ? 1 : 0);
        }
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable.of(registry).release(registry, breaker);
    }
}
