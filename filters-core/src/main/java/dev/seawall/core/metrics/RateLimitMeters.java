package dev.seawall.core.metrics;

import dev.seawall.core.ratelimit.Decision;
import dev.seawall.core.ratelimit.LimitView;
import dev.seawall.core.ratelimit.RateLimitStage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a {@link RateLimitStage}, per limit: {@code seawall.ratelimit.decisions} (counter; tags {@code policy},
 * {@code limit}, {@code outcome} = admitted | rejected | would-reject | skipped | missing | invalid),
 * {@code seawall.ratelimit.cost.defaulted} (counter; tags {@code policy}, {@code limit}) and
 * {@code seawall.ratelimit.tracked.keys} (gauge; tags {@code policy}, {@code limit}). Both read the limit's
 * {@link LimitView}. Thread-safe.
 */
final class RateLimitMeters implements StageMeterBinder {

    private final RateLimitStage stage;

    public RateLimitMeters(RateLimitStage stage) {
        this.stage = Objects.requireNonNull(stage, "stage");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        for (LimitView limit : stage.limits()) {
            Tags tags = Tags.of("policy", stage.name(), "limit", limit.name());
            for (Decision d : Decision.values()) {
                table.counter(registry, "seawall.ratelimit.decisions",
                        "Rate-limit decisions by policy, limit and outcome", tags.and("outcome", d.tag()), limit,
                        l -> l.count(d));
            }
            table.counter(registry, "seawall.ratelimit.cost.defaulted",
                    "Requests whose cost attribute was absent or invalid, so that their method's cost applied", tags,
                    limit, LimitView::costDefaulted);
            table.gauge(registry, "seawall.ratelimit.tracked.keys", "Keys with a bucket in memory", null, tags, limit,
                    LimitView::trackedKeys);
        }
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        for (LimitView limit : stage.limits()) {
            table.release(registry, limit);
        }
    }
}
