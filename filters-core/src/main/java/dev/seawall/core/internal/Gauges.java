package dev.seawall.core.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;

/**
 * The gauges one bucket store registered, so that a store built by a reload can take their names over from the store
 * it replaces. Micrometer keeps the first gauge registered under a name and returns it to later registrations, so a
 * rebuilt store would otherwise report through its predecessor's (dead) object. Stages do not use this: their meters
 * are bound by {@code dev.seawall.core.metrics.SeawallMeters}.
 *
 * <p>Thread-safe; registration happens at build time and on reload, never per request.
 */
public final class Gauges {

    private final MeterRegistry registry;
    private final List<Gauge.Builder<?>> builders = new ArrayList<>();
    private final List<Meter.Id> ids = new ArrayList<>();

    public Gauges(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers a gauge and remembers it. */
    public synchronized void add(Gauge.Builder<?> builder) {
        builders.add(builder);
        ids.add(builder.register(registry).getId());
    }

    /** Removes these gauges from the registry: their owner is retired. Call before {@link #rebind()} of the successor. */
    public synchronized void remove() {
        for (Meter.Id id : ids) {
            registry.remove(id);
        }
    }

    /** Registers these gauges afresh, replacing any gauge still holding their names. */
    public synchronized void rebind() {
        for (int i = 0; i < builders.size(); i++) {
            registry.remove(ids.get(i));
            ids.set(i, builders.get(i).register(registry).getId());
        }
    }
}
