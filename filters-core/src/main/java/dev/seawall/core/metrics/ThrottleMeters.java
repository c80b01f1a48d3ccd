package dev.seawall.core.metrics;

import dev.seawall.core.throttle.ThrottleStage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a {@link ThrottleStage}, tag {@code policy} on all:
 * <ul>
 *   <li>{@code seawall.throttle.in.flight}, {@code seawall.throttle.queued}, {@code seawall.throttle.limit} and
 *       {@code seawall.throttle.queue.capacity} (gauges: requests inside, waiting, the limit now, and the most the
 *       queue holds, so that queued / capacity is the queue's saturation);</li>
 *   <li>{@code seawall.throttle.queue.wait} (timer of the waits that ended, granted, expired or displaced);</li>
 *   <li>{@code seawall.throttle.rejections} (counter of real refusals, tag {@code reason});</li>
 *   <li>in shadow mode, {@code seawall.throttle.decisions} (counter, tags {@code outcome=would-reject} and
 *       {@code reason}): what enforce mode would have refused;</li>
 *   <li>with an adaptive limit, {@code seawall.throttle.latency} (gauge in seconds, tag {@code estimate}:
 *       {@code no-load} or {@code recent}; NaN until known) and {@code seawall.throttle.drops} (counter of the
 *       completions the limit counted as drops);</li>
 *   <li>with criticality, {@code seawall.throttle.shed} (counter of refusals, tag {@code class}: critical, default,
 *       sheddable) and {@code seawall.throttle.shed.level} (gauge 0-100, tag {@code class}).</li>
 * </ul>
 * Every tag takes a fixed, small set of values. Thread-safe.
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
        table.gauge(registry, "seawall.throttle.limit", "Requests allowed inside the application now", null, tags,
                stage, ThrottleStage::maxConcurrent);
        table.gauge(registry, "seawall.throttle.queue.capacity", "Requests the queue holds at most", null, tags, stage,
                ThrottleStage::queueCapacity);
        table.timer(registry, "seawall.throttle.queue.wait", "Time spent waiting for a slot", tags, stage,
                ThrottleStage::queueWaitCount, ThrottleStage::queueWaitTotalNanos);
        for (ThrottleStage.Reason reason : ThrottleStage.Reason.values()) {
            table.counter(registry, "seawall.throttle.rejections", "Requests refused by the throttle",
                    tags.and("reason", reason.tag()), stage, s -> s.rejections(reason));
            if (stage.shadow()) {
                table.counter(registry, "seawall.throttle.decisions", "Throttle decisions of shadow mode",
                        tags.and("outcome", "would-reject", "reason", reason.tag()), stage,
                        s -> s.wouldReject(reason));
            }
        }
        if (stage.limit().adaptive()) {
            table.latestGauge(registry, "seawall.throttle.latency", "Latency estimates of the adaptive limit, seconds",
                    tags.and("estimate", "no-load"), stage, s -> seconds(s.limit().noLoadLatencyNanos()));
            table.latestGauge(registry, "seawall.throttle.latency", "Latency estimates of the adaptive limit, seconds",
                    tags.and("estimate", "recent"), stage, s -> seconds(s.limit().recentLatencyNanos()));
            table.counter(registry, "seawall.throttle.drops", "Completions the adaptive limit counted as drops",
                    tags, stage, s -> s.limit().drops());
        }
        if (stage.criticality()) {
            for (String cls : ThrottleStage.criticalityClasses()) {
                table.counter(registry, "seawall.throttle.shed", "Requests refused by the throttle, by criticality",
                        tags.and("class", cls), stage, s -> s.refused(cls));
                table.latestGauge(registry, "seawall.throttle.shed.level", "Cohorts below which a class is shed",
                        tags.and("class", cls), stage, s -> s.shedLevel(cls));
            }
        }
    }

    private static double seconds(long nanos) {
        return nanos < 0 ? Double.NaN : nanos / 1e9;
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable.of(registry).release(registry, stage);
    }
}
