package dev.seawall.core;

import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.event.ConfigReload;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.policy.Policy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine in service, and its reloads. Adapters read {@link #current()} once per request (one volatile read);
 * a reload builds the next engine beside it with {@link Seawall#reload}, carrying the state of everything whose
 * settings did not change, swaps it in atomically and then hands over ({@code Seawall.handOver}). A request sees
 * either the old engine or the new one from start to end, never a mix and never an error caused by the reload.
 *
 * <p>An invalid new version is refused with the same message as at start-up ({@code file:line: key: problem}),
 * logged once per distinct error, metered, shown by {@link #status()}, and the running engine stays. With
 * {@link #watch(Duration)} a daemon thread polls the source's {@link ConfigSource#version() version} (a file's
 * modification time and size) and reloads when the text changed; polling, unlike a {@code WatchService}, also sees
 * files replaced through symbolic links (Kubernetes config maps) and works on every file system.
 *
 * <p>Meters: {@code seawall.config.reloads{outcome=applied|unchanged|refused}}, and the gauge
 * {@code seawall.config.refused}: 1 while the source's newest version is refused (an older version serves), 0 once a
 * version loads or the source is back to the one in service, so an alert on it lasts as long as the problem. The engine's
 * {@link dev.seawall.core.event.SeawallListener}s hear every applied or refused reload (what it kept, reset, added and
 * removed), after the reload lock is released.
 *
 * <p>Thread-safe. Reloads are serialised by a lock that requests never take.
 */
public final class LiveSeawall implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveSeawall.class);

    /** What a reload did. */
    public enum Outcome { APPLIED, UNCHANGED, REFUSED }

    /**
     * The result of one reload.
     *
     * @param message for {@code REFUSED}, the error ({@code file:line: key: problem}); null otherwise
     */
    public record Result(Outcome outcome, String message, Instant at) {
    }

    /**
     * A snapshot for status pages.
     *
     * @param source     the configuration's name
     * @param loadedAt   when the engine in service was loaded
     * @param applied    reloads applied since start
     * @param refused    reloads refused since start
     * @param lastError  the last refusal's message, or null when the last attempt succeeded
     * @param watching   whether the source is polled for changes
     */
    public record Status(String source, Instant loadedAt, long applied, long refused, String lastError,
                         Instant lastErrorAt, boolean watching) {
    }

    private final ConfigSource source;
    private final Clock wallClock;
    private final Object reloadLock = new Object();
    private final List<Consumer<Seawall>> listeners = new CopyOnWriteArrayList<>();
    private final Counter appliedCounter;
    private final Counter unchangedCounter;
    private final Counter refusedCounter;
    private final dev.seawall.core.internal.Gauges gauges;
    private volatile Seawall current;
    private volatile Instant loadedAt;
    private volatile String lastText;
    private volatile Object lastVersion;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile long applied;
    private volatile long refused;
    private volatile ScheduledExecutorService watcher;

    /**
     * @param engine   the engine built from {@code text}
     * @param source   where reloads read the configuration, or null when the engine cannot be reloaded
     *                 (programmatic)
     * @param text     the text {@code engine} was built from (reloads of the same text change nothing), or null
     * @param registry where reload meters go
     * @param wallClock the clock of {@code loadedAt} (tests pass a fixed one)
     */
    public LiveSeawall(Seawall engine, ConfigSource source, String text, MeterRegistry registry, Clock wallClock) {
        this.current = Objects.requireNonNull(engine, "engine");
        this.source = source;
        this.lastText = text;
        this.lastVersion = source == null ? null : source.version();
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
        this.loadedAt = wallClock.instant();
        this.appliedCounter = reloads(registry, "applied");
        this.unchangedCounter = reloads(registry, "unchanged");
        this.refusedCounter = reloads(registry, "refused");
        this.gauges = new dev.seawall.core.internal.Gauges(registry);
        gauges.add(io.micrometer.core.instrument.Gauge.builder("seawall.config.refused", this,
                        l -> l.lastError == null ? 0 : 1)
                .description("1 while the newest version of the configuration is refused and an older one serves"));
        gauges.rebind(); // the engine of a restarted application replaces its predecessor's
    }

    /** An engine without a reloadable source (built in code). */
    public static LiveSeawall fixed(Seawall engine, MeterRegistry registry) {
        return new LiveSeawall(engine, null, null, registry, Clock.systemUTC());
    }

    private static Counter reloads(MeterRegistry registry, String outcome) {
        return Counter.builder("seawall.config.reloads").description("Configuration reloads by outcome")
                .tag("outcome", outcome).register(registry);
    }

    /** @return the engine in service; read it once per request */
    public Seawall current() {
        return current;
    }

    /** @return whether {@link #reload()} can read a new version */
    public boolean reloadable() {
        return source != null;
    }

    /** Calls {@code listener} with each new engine after it is swapped in (e.g. to republish it). */
    public void onSwap(Consumer<Seawall> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Reads the source again and, if its text changed and is valid, swaps the new engine in.
     *
     * @throws IllegalStateException when the engine has no reloadable source
     */
    public Result reload() {
        if (source == null) {
            throw new IllegalStateException("this engine was built in code: there is no configuration to reload");
        }
        Done done;
        synchronized (reloadLock) {
            done = reloadLocked();
        }
        if (done.event() != null) {
            current.events().reload(done.event()); // outside the reload lock: a listener may read the status
        }
        return done.result();
    }

    /** A reload's result, and the event to publish once the lock is released (null for none). */
    private record Done(Result result, ConfigReload event) {
    }

    private Done reloadLocked() {
        Object version = source.version();
        String text;
        try {
            text = source.read();
        } catch (IOException | RuntimeException e) {
            return refuse("config " + source.name() + " could not be read: " + e.getMessage(), 1);
        }
        lastVersion = version;
        if (text.equals(lastText)) {
            unchangedCounter.increment();
            lastError = null;
            return new Done(new Result(Outcome.UNCHANGED, null, wallClock.instant()), null);
        }
        Seawall old = current;
        Seawall next;
        try {
            next = old.reload(source.name(), text);
        } catch (ConfigException e) {
            return refuse(source.explain(e).getMessage(), Math.max(1, e.problems().size()));
        } catch (RuntimeException e) {
            // pattern ties and duplicate names are IllegalArgumentExceptions with precise messages
            return refuse(source.name() + ": " + e.getMessage(), 1);
        }
        current = next;
        old.handOver(next);
        lastText = text;
        loadedAt = wallClock.instant();
        lastError = null;
        applied++;
        appliedCounter.increment();
        LOG.info("Seawall: configuration {} reloaded: {}", source.name(),
                ConfigValues.count(next.policies().size(), "policy", "policies"));
        for (Consumer<Seawall> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("Seawall: a reload listener failed ({})", e.getClass().getSimpleName());
            }
        }
        ConfigReload event = next.events().active() ? applied(source.name(), old, next) : null;
        return new Done(new Result(Outcome.APPLIED, null, loadedAt), event);
    }

    /**
     * @return the event of an applied reload: a policy is kept when every stage of its new chain is an instance its old
     *         chain had (or a breaker stage around the same breaker), which is how a reload carries state
     */
    private static ConfigReload applied(String source, Seawall old, Seawall next) {
        List<String> kept = new ArrayList<>();
        List<String> reset = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (Policy p : next.policies()) {
            Policy before = old.policy(p.name());
            if (before == null) {
                added.add(p.name());
            } else if (keepsEveryStage(before, p)) {
                kept.add(p.name());
            } else {
                reset.add(p.name());
            }
        }
        List<String> removed = new ArrayList<>();
        for (Policy p : old.policies()) {
            if (next.policy(p.name()) == null) {
                removed.add(p.name());
            }
        }
        return new ConfigReload(ConfigReload.Outcome.APPLIED, source, 0, kept, reset, added, removed);
    }

    private static boolean keepsEveryStage(Policy before, Policy after) {
        List<Stage> old = before.chain().stages();
        for (Stage s : after.chain().stages()) {
            boolean found = false;
            for (Stage o : old) {
                found |= o == s || (o instanceof BreakerStage ob && s instanceof BreakerStage sb
                        && ob.breaker() == sb.breaker());
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private Done refuse(String message, int errors) {
        refused++;
        refusedCounter.increment();
        if (!message.equals(lastError)) {
            LOG.error("Seawall: configuration reload refused, the running configuration stays: {}", message);
        }
        lastError = message;
        lastErrorAt = wallClock.instant();
        ConfigReload event = current.events().active() ? new ConfigReload(ConfigReload.Outcome.REFUSED, source.name(),
                errors, List.of(), List.of(), List.of(), List.of()) : null;
        return new Done(new Result(Outcome.REFUSED, message, lastErrorAt), event);
    }

    /** Reloads when the source's version changed since the last reload; what the watcher runs. */
    public Result reloadIfChanged() {
        Object version = source == null ? null : source.version();
        if (version == null || version.equals(lastVersion)) {
            return new Result(Outcome.UNCHANGED, null, wallClock.instant());
        }
        return reload();
    }

    /**
     * Polls the source every {@code interval} on one daemon thread. Does nothing for a source that has no version
     * (a class-path resource).
     *
     * @return whether the source is now watched
     */
    public synchronized boolean watch(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " must be positive");
        }
        if (source == null || source.version() == null || watcher != null) {
            return watcher != null;
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "seawall-config-watch");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        s.scheduleWithFixedDelay(() -> {
            try {
                reloadIfChanged();
            } catch (RuntimeException e) {
                LOG.warn("Seawall: configuration watch failed ({}); will retry", e.getClass().getSimpleName());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
        watcher = s;
        return true;
    }

    /** @return a snapshot for status pages */
    public Status status() {
        return new Status(source == null ? current.source() : source.name(), loadedAt, applied, refused, lastError,
                lastErrorAt, watcher != null);
    }

    /** Stops watching and closes the engine in service. Idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService w;
        synchronized (this) {
            w = watcher;
            watcher = null;
        }
        if (w != null) {
            w.shutdownNow();
        }
        synchronized (reloadLock) {
            current.close();
        }
    }
}
