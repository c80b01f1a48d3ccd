package dev.seawall.core.status;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.timeout.TimeoutStage;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.internal.Json;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.throttle.ThrottleStage;

import java.util.Collection;
import java.util.List;

/**
 * A JSON snapshot of an engine's live state: every policy, its stages and their counters — rate-limit
 * decisions and tracked keys per limit, throttle in-flight and queued, breaker state and failure rate.
 * Contains no client identity. Stateless and thread-safe; reads live counters without locking, so the
 * numbers of one snapshot may be a few requests apart.
 */
public final class StatusReport {

    private StatusReport() {
    }

    /** @return the snapshot as a JSON object */
    public static String json(Seawall engine) {
        return json(engine, null, List.of());
    }

    /**
     * @return the snapshot of the engine in service, with a {@code config} member: source, load time, reload counts,
     *         the last refused reload's error and whether the file is watched
     */
    public static String json(LiveSeawall live) {
        return json(live.current(), live.status(), List.of());
    }

    /**
     * @param more policies enforced beside the engine's (e.g. declared by JAX-RS annotations), listed after them with
     *             {@code "origin":"annotations"}
     */
    public static String json(LiveSeawall live, List<Policy> more) {
        return json(live.current(), live.status(), more);
    }

    private static String json(Seawall engine, LiveSeawall.Status status, List<Policy> more) {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"source\":");
        Json.string(sb, engine.source());
        sb.append(",\"store\":");
        Json.string(sb, engine.store().describe());
        if (status != null) {
            sb.append(",\"config\":{\"source\":");
            Json.string(sb, status.source());
            sb.append(",\"loadedAt\":");
            Json.string(sb, status.loadedAt().toString());
            sb.append(",\"reloads\":{\"applied\":").append(status.applied())
                    .append(",\"refused\":").append(status.refused()).append('}');
            sb.append(",\"lastError\":");
            if (status.lastError() == null) {
                sb.append("null");
            } else {
                Json.string(sb, status.lastError());
                sb.append(",\"lastErrorAt\":");
                Json.string(sb, status.lastErrorAt().toString());
            }
            sb.append(",\"watching\":").append(status.watching()).append('}');
        }
        sb.append(",\"policies\":[");
        List<Policy> policies = engine.policies();
        for (int i = 0; i < policies.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            policy(sb, policies.get(i), null);
        }
        for (int i = 0; i < more.size(); i++) {
            if (i > 0 || !policies.isEmpty()) {
                sb.append(',');
            }
            policy(sb, more.get(i), "annotations");
        }
        return sb.append("]}").toString();
    }

    private static void policy(StringBuilder sb, Policy p, String origin) {
        sb.append("{\"name\":");
        Json.string(sb, p.name());
        if (origin != null) {
            sb.append(",\"origin\":");
            Json.string(sb, origin);
        }
        sb.append(",\"paths\":");
        strings(sb, p.paths());
        sb.append(",\"methods\":");
        strings(sb, p.methods());
        sb.append(",\"stages\":[");
        List<Stage> stages = p.chain().stages();
        for (int i = 0; i < stages.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            stage(sb, stages.get(i));
        }
        sb.append("]}");
    }

    private static void stage(StringBuilder sb, Stage s) {
        sb.append("{\"kind\":");
        Json.string(sb, s.kind().configName());
        if (s instanceof RateLimitStage r) {
            sb.append(",\"limits\":[");
            List<RateLimitStage.LimitView> limits = r.limits();
            for (int i = 0; i < limits.size(); i++) {
                RateLimitStage.LimitView l = limits.get(i);
                if (i > 0) {
                    sb.append(',');
                }
                sb.append("{\"name\":");
                Json.string(sb, l.name());
                sb.append(",\"by\":");
                Json.string(sb, l.kind().configName());
                sb.append(",\"rates\":[");
                for (int k = 0; k < l.rates().size(); k++) {
                    Rate rate = l.rates().get(k);
                    if (k > 0) {
                        sb.append(',');
                    }
                    Json.string(sb, rate.tokens() + "/" + rate.windowSeconds() + "s");
                }
                sb.append("],\"trackedKeys\":").append(l.trackedKeys())
                        .append(",\"admitted\":").append(l.admitted())
                        .append(",\"rejected\":").append(l.rejected())
                        .append(",\"skipped\":").append(l.skipped())
                        .append(",\"missing\":").append(l.missing())
                        .append(",\"invalid\":").append(l.invalid()).append('}');
            }
            sb.append(']');
        } else if (s instanceof ThrottleStage t) {
            sb.append(",\"maxConcurrent\":").append(t.maxConcurrent())
                    .append(",\"queue\":").append(t.queueCapacity())
                    .append(",\"inFlight\":").append(t.inFlight())
                    .append(",\"queued\":").append(t.queued());
        } else if (s instanceof BreakerStage b) {
            sb.append(",\"breaker\":");
            Json.string(sb, b.breaker().name());
            sb.append(",\"state\":");
            Json.string(sb, b.breaker().state().name());
            sb.append(",\"failureRate\":").append(b.breaker().failureRate())
                    .append(",\"shadow\":").append(b.shadow());
        } else if (s instanceof TimeoutStage t) {
            sb.append(",\"afterMillis\":").append(t.afterNanos() / 1_000_000)
                    .append(",\"status\":").append(t.status())
                    .append(",\"answered\":").append(t.answeredCount())
                    .append(",\"overran\":").append(t.overranCount());
        } else if (s instanceof FallbackStage f) {
            sb.append(",\"failClosed\":").append(f.failClosed()).append(",\"on\":[");
            boolean first = true;
            for (FallbackTrigger trigger : FallbackTrigger.values()) {
                if (f.answers(trigger)) {
                    sb.append(first ? "" : ",");
                    Json.string(sb, trigger.configName());
                    first = false;
                }
            }
            sb.append("],\"servedFromCache\":").append(f.servedFromCache())
                    .append(",\"servedFallback\":").append(f.servedFallback())
                    .append(",\"unanswered\":").append(f.unanswered());
            if (f.cache() != null) {
                sb.append(",\"cachedCopies\":").append(f.cache().size())
                        .append(",\"cachedBytes\":").append(f.cache().bytes());
            }
        }
        sb.append('}');
    }

    private static void strings(StringBuilder sb, Collection<String> values) {
        sb.append('[');
        boolean first = true;
        for (String v : values) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.string(sb, v);
        }
        sb.append(']');
    }
}
