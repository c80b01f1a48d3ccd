package dev.seawall.core.metrics;

import dev.seawall.core.chain.Exemption;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a policy's {@link Exemption}: {@code seawall.requests.exempt} (counter; tags {@code policy},
 * {@code reason} = network | path | role), the requests that skipped the policy's rate limits and throttle. Reads the
 * exemption's counts by pull. Thread-safe.
 */
final class ExemptMeters implements StageMeterBinder {

    private final Exemption exemption;

    ExemptMeters(Exemption exemption) {
        this.exemption = Objects.requireNonNull(exemption, "exemption");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        for (Exemption.Reason reason : Exemption.Reason.values()) {
            table.counter(registry, "seawall.requests.exempt",
                    "Requests that skipped the policy's rate limits and throttle, by reason",
                    Tags.of("policy", exemption.policy(), "reason", reason.tag()), exemption, e -> e.count(reason));
        }
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable.of(registry).release(registry, exemption);
    }
}
