package dev.seawall.core.metrics;

import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Exemption;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.core.timeout.TimeoutStage;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Binds the meters of Seawall's stages, one {@link StageMeterBinder} per stage kind. Stages never register meters
 * themselves and core never picks a registry: the engine binds its stages to the registry its adapter handed it, when
 * it is built and again when a reload hands over to the next engine, and a stage built on its own (a single-stage
 * filter, an annotation policy) is bound by {@code PolicyFactory} with the registry of its context. A reload builds
 * its stages without binding them, so a refused reload leaves every meter on the stages in service.
 *
 * <p>Stateless and thread-safe.
 */
public final class SeawallMeters {

    private SeawallMeters() {
    }

    /** @return the binder of a stage, or null for a stage kind without meters (e.g. an application's own stage) */
    static StageMeterBinder binder(Object stage) {
        Objects.requireNonNull(stage, "stage");
        if (stage instanceof Exemption e) {
            return new ExemptMeters(e);
        }
        if (stage instanceof IdempotencyGuard g) {
            return new IdempotencyMeters(g);
        }
        if (stage instanceof RateLimitStage s) {
            return new RateLimitMeters(s);
        }
        if (stage instanceof ThrottleStage s) {
            return new ThrottleMeters(s);
        }
        if (stage instanceof BreakerStage s) {
            return new BreakerMeters(s.breaker());
        }
        if (stage instanceof TimeoutStage s) {
            return new TimeoutMeters(s);
        }
        if (stage instanceof FallbackStage s) {
            return new FallbackMeters(s);
        }
        return null;
    }

    /** Binds one stage's meters; binding a stage again changes nothing. */
    public static <S extends Stage> S bind(MeterRegistry registry, S stage) {
        bindPart(registry, stage);
        return stage;
    }

    private static void bindPart(MeterRegistry registry, Object part) {
        StageMeterBinder b = binder(part);
        if (b != null) {
            b.bindTo(registry);
        }
    }

    /** Binds the meters of every stage of these policies. */
    public static void bind(MeterRegistry registry, Collection<Policy> policies) {
        for (Object s : parts(policies)) {
            bindPart(registry, s);
        }
    }

    /**
     * Moves the meters from the policies a reload retires to those that replace them: binds the new stages first (a
     * rebuilt stage joins the meters of the one it replaces, so no meter is registered twice and no gauge disappears
     * for a moment), then retires the stages and breakers that are no longer in service. Stages and breakers carried
     * over unchanged keep their meters as they are. A retired stage's counters are read until the next hand-over, so
     * requests still inside it are counted (see {@code MeterTable}).
     */
    public static void handOver(MeterRegistry registry, Collection<Policy> retired, Collection<Policy> serving) {
        MeterTable.of(registry).settleRetired();
        List<Object> next = parts(serving);
        Set<Object> live = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Object s : next) {
            bindPart(registry, s);
            live.add(owner(s));
        }
        Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Object s : parts(retired)) {
            Object owner = owner(s);
            if (!live.contains(owner) && done.add(owner)) {
                StageMeterBinder b = binder(s);
                if (b != null) {
                    b.unbindFrom(registry);
                }
            }
        }
    }

    /** @return what a stage's meters read: the breaker for a breaker stage (shared by policies), else the stage */
    private static Object owner(Object s) {
        return s instanceof BreakerStage b ? b.breaker() : s;
    }

    /** @return the metered parts of these policies: their stages, exemptions and idempotency steps */
    private static List<Object> parts(Collection<Policy> policies) {
        List<Object> out = new ArrayList<>();
        for (Policy p : policies) {
            out.addAll(p.chain().stages());
            if (p.chain().exemption() != null) {
                out.add(p.chain().exemption());
            }
            IdempotencyGuard g = CoreAccess.idempotency(p);
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }
}
