package dev.seawall.core.metrics;

import dev.seawall.core.throttle.ThrottleStage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a {@link ThrottleStage}: {@code seawall.throttle.in.flight} and {@code seawall.throttle.queued}
 * (gauges), {@code seawall.throttle.queue.wait} (timer of the waits that ended, granted or expired) and
 * {@code seawall.throttle.rejections} (counter, tag {@code reason}); tag {@code policy} on all. Thread-safe.
 */
final class ThrottleMeters implements StageMeterBinder {

    private final ThrottleStage stage;

    public ThrottleMeters(ThrottleStage stage) {
        this.stage = Objects.requireNonNull(stage, "stage");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        Tags tags = Tags.of("policy", stage.name());
        table.gauge(registry, "seawall.throttle.in.flight", "Requests inside the application", null, tags, stage,
                ThrottleStage::inFlight);
        table.gauge(registry, "seawall.throttle.queued", "Requests waiting for a slot", null, tags, stage,
                ThrottleStage::queued);
        table.timer(registry, "seawall.throttle.queue.wait", "Time spent waiting for a slot", tags, stage,
                ThrottleStage::queueWaitCount, ThrottleStage::queueWaitTotalNanos);
        for (ThrottleStage.Reason reason : ThrottleStage.Reason.values()) {
            table.counter(registry, "seawall.throttle.rejections", "Requests refused by the throttle",
                    tags.and("reason", reason.tag()), stage, s -> s.rejections(reason));
        }
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable.of(registry).release(registry, stage);
    }
}
