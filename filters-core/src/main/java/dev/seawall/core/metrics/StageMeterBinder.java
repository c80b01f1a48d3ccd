package dev.seawall.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The meters of one stage, in the shape of a Micrometer {@link MeterBinder}: {@link #bindTo} registers them (or, for
 * ids already registered by a stage this one replaces, joins them) and {@link #unbindFrom} retires them. Meters read
 * the stage by pull at scrape time; the stage itself knows nothing of Micrometer. Tags are bounded to policy, limit
 * and breaker names and fixed outcome values, never a client identity.
 *
 * <p>Implementations are thread-safe.
 */
interface StageMeterBinder extends MeterBinder {

    /**
     * Retires this stage's meters: counters and timers keep what it counted (they never go backwards), gauges no other
     * stage feeds leave the registry. Does nothing when the stage was not bound to this registry.
     */
    void unbindFrom(MeterRegistry registry);
}
