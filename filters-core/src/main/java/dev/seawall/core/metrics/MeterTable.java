package dev.seawall.core.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The meters Seawall registered in one {@link MeterRegistry}, and the objects each one reads.
 *
 * <h2>Design note</h2>
 * <ul>
 *   <li><b>Registered once, read by pull.</b> A meter is registered the first time a source binds its id; it reads
 *       its sources when the registry is scraped. A stage rebuilt by a reload binds the same ids again: that adds
 *       the new stage as a source of the meters already registered, so no meter is registered twice (Micrometer
 *       warns "Gauge already registered" and keeps the first one, which would go on reading the retired stage).</li>
 *   <li><b>Several sources.</b> Two live objects may share an id (two single-stage filters left at the default
 *       policy name); a meter reads their sum. A counter or timer whose source is released keeps reading it until
 *       the next hand-over ({@link #settleRetired}), then keeps what it had counted in its base, so it never goes
 *       backwards and counts what a request still inside the retired stage decides after the reload (a request
 *       lasting longer than the time between two reloads is the one not counted); a retired generation of stages is
 *       all that is kept alive. A gauge without sources is removed from the registry at once (it describes the
 *       present).
 *       The state gauge of a breaker reads its latest source instead of a sum (breakers of one name are one
 *       object in one configuration).</li>
 *   <li><b>One table per registry</b>, found through a weak identity key, so that a registry dropped by the
 *       application is collected with its table. Nothing in a table refers to its registry.</li>
 * </ul>
 * Thread-safe: binding and releasing are serialised per table (start-up and reload only); reads at scrape time take
 * no lock.
 */
final class MeterTable {

    private static final ReferenceQueue<MeterRegistry> DROPPED = new ReferenceQueue<>();
    /** guarded by itself */
    private static final Map<RegistryKey, MeterTable> TABLES = new HashMap<>();

    /** guarded by this */
    private final Map<Key, Shared> byId = new HashMap<>();
    /** guarded by this: the meters each source feeds, to release them */
    private final Map<Object, List<Shared>> bySource = new IdentityHashMap<>();

    /** guarded by this: counter and timer sources released since the last hand-over, still read live */
    private final List<Retired> retiring = new ArrayList<>();

    private MeterTable() {
    }

    /** @return the table of this registry, created on first use */
    static MeterTable of(MeterRegistry registry) {
        synchronized (TABLES) {
            for (Object dropped; (dropped = DROPPED.poll()) != null; ) {
                TABLES.remove(dropped);
            }
            return TABLES.computeIfAbsent(new RegistryKey(registry, DROPPED), k -> new MeterTable());
        }
    }

    /** Adds {@code source} to a counter, registering the counter on first use. */
    <T> void counter(MeterRegistry registry, String name, String description, Tags tags, T source,
                     ToDoubleFunction<? super T> read) {
        bind(registry, Kind.COUNTER, name, description, null, tags, source, read, null);
    }

    /** Adds {@code source} to a gauge, registering the gauge on first use; the gauge reads the sum of its sources. */
    <T> void gauge(MeterRegistry registry, String name, String description, String baseUnit, Tags tags, T source,
                   ToDoubleFunction<? super T> read) {
        bind(registry, Kind.GAUGE, name, description, baseUnit, tags, source, read, null);
    }

    /** Like {@link #gauge} for a gauge that reads its most recently bound source. */
    <T> void latestGauge(MeterRegistry registry, String name, String description, Tags tags, T source,
                         ToDoubleFunction<? super T> read) {
        bind(registry, Kind.LATEST_GAUGE, name, description, null, tags, source, read, null);
    }

    /** Adds {@code source} to a timer read from a count and a total in nanoseconds. */
    <T> void timer(MeterRegistry registry, String name, String description, Tags tags, T source,
                   ToLongFunction<? super T> count, ToDoubleFunction<? super T> totalNanos) {
        bind(registry, Kind.TIMER, name, description, null, tags, source, totalNanos, count);
    }

    @SuppressWarnings("unchecked")
    private synchronized <T> void bind(MeterRegistry registry, Kind kind, String name, String description,
                                       String baseUnit, Tags tags, T source, ToDoubleFunction<? super T> read,
                                       ToLongFunction<? super T> count) {
        Key key = new Key(name, tags);
        Shared shared = byId.get(key);
        if (shared == null) {
            shared = new Shared(kind);
            shared.id = register(registry, kind, name, description, baseUnit, tags, shared);
            byId.put(key, shared);
        }
        for (Source s : shared.sources) {
            if (s.owner == source) {
                return;
            }
        }
        shared.sources.add(new Source(source, (ToDoubleFunction<Object>) read, (ToLongFunction<Object>) count));
        bySource.computeIfAbsent(source, k -> new ArrayList<>()).add(shared);
    }

    private static Meter.Id register(MeterRegistry registry, Kind kind, String name, String description,
                                     String baseUnit, Tags tags, Shared shared) {
        return switch (kind) {
            case COUNTER -> FunctionCounter.builder(name, shared, Shared::value).description(description).tags(tags)
                    .register(registry).getId();
            case GAUGE, LATEST_GAUGE -> Gauge.builder(name, shared, Shared::value).description(description)
                    .baseUnit(baseUnit).tags(tags).register(registry).getId();
            case TIMER -> FunctionTimer.builder(name, shared, Shared::count, Shared::value, TimeUnit.NANOSECONDS)
                    .description(description).tags(tags).register(registry).getId();
        };
    }

    /**
     * Removes {@code source} from every meter it feeds: gauges left without a source leave the registry now;
     * counters and timers go on reading it until the next {@link #settleRetired}. Does nothing for a source never
     * bound.
     */
    synchronized void release(MeterRegistry registry, Object source) {
        List<Shared> fed = bySource.remove(source);
        if (fed == null) {
            return;
        }
        for (Shared shared : fed) {
            for (Source s : shared.sources) {
                if (s.owner == source) {
                    if (shared.kind == Kind.COUNTER || shared.kind == Kind.TIMER) {
                        retiring.add(new Retired(shared, s));
                    } else {
                        shared.sources.remove(s);
                    }
                    break;
                }
            }
            if (shared.sources.isEmpty() && (shared.kind == Kind.GAUGE || shared.kind == Kind.LATEST_GAUGE)) {
                registry.remove(shared.id);
                byId.values().remove(shared);
            }
        }
    }

    /**
     * A new hand-over begins: the counter and timer sources released at the previous one stop being read live and
     * keep, in their meters' base, what they counted.
     */
    synchronized void settleRetired() {
        for (Retired r : retiring) {
            Source s = r.source();
            Shared shared = r.shared();
            shared.base += s.read.applyAsDouble(s.owner);
            if (s.count != null) {
                shared.baseCount += s.count.applyAsLong(s.owner);
            }
            shared.sources.remove(s);
        }
        retiring.clear();
    }

    private enum Kind { COUNTER, GAUGE, LATEST_GAUGE, TIMER }

    /** A released counter or timer source, read live until the next hand-over. */
    private record Retired(Shared shared, Source source) {
    }

    private record Key(String name, Tags tags) {
    }

    /** One bound object and how a meter reads it. */
    private record Source(Object owner, ToDoubleFunction<Object> read, ToLongFunction<Object> count) {
    }

    /** One registered meter: its sources, and what released sources counted. */
    private static final class Shared {
        final Kind kind;
        final List<Source> sources = new CopyOnWriteArrayList<>();
        /** written under the table's lock, read at scrape time */
        volatile double base;
        volatile long baseCount;
        Meter.Id id;

        Shared(Kind kind) {
            this.kind = kind;
        }

        double value() {
            if (kind == Kind.LATEST_GAUGE) {
                int n = sources.size();
                if (n == 0) {
                    return Double.NaN;
                }
                Source s = sources.get(n - 1);
                return s.read.applyAsDouble(s.owner);
            }
            double v = base;
            for (Source s : sources) {
                v += s.read.applyAsDouble(s.owner);
            }
            return v;
        }

        long count() {
            long c = baseCount;
            for (Source s : sources) {
                c += s.count.applyAsLong(s.owner);
            }
            return c;
        }
    }

    /** A registry compared by identity, held weakly. */
    private static final class RegistryKey extends WeakReference<MeterRegistry> {
        private final int hash;

        RegistryKey(MeterRegistry registry, ReferenceQueue<MeterRegistry> queue) {
            super(registry, queue);
            this.hash = System.identityHashCode(registry);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof RegistryKey other)) {
                return false;
            }
            MeterRegistry mine = get();
            return mine != null && mine == other.get();
        }
    }
}
