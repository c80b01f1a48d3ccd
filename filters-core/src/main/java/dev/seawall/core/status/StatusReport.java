package dev.seawall.core.status;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.breaker.BreakerStatus;
import dev.seawall.core.chain.Exemption;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackStatus;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.Json;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.outbound.ClientStatus;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.LimitView;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.core.throttle.ThrottleStatus;
import dev.seawall.core.timeout.TimeoutStage;
import dev.seawall.core.timeout.TimeoutStatus;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A JSON snapshot of an engine's live state: every policy, its stages and their counters — rate-limit
 * decisions and tracked keys per limit, throttle in-flight and queued, breaker state and failure rate — and, when the
 * configuration has {@code clients:}, every outbound client's calls, retries, budget and breakers by host.
 * Contains no client identity. Each stage's members come from its own status view ({@link LimitView},
 * {@link ThrottleStatus}, {@link BreakerStatus}, {@link TimeoutStatus}, {@link FallbackStatus}); a breaker forced open
 * by an operator shows {@code "failureRate": null}, as it records no calls and so has no rate. Stateless and
 * thread-safe; reads live counters without locking, so the numbers of one snapshot may be a few requests apart.
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
        sb.append(']');
        if (!engine.clients().isEmpty()) {
            sb.append(",\"clients\":[");
            List<OutboundClient> clients = engine.clients().all();
            for (int i = 0; i < clients.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                client(sb, clients.get(i).status());
            }
            sb.append(']');
        }
        return sb.append('}').toString();
    }

    /** One outbound client: its counts, retry budget and breakers by host (hosts are configured dependencies). */
    private static void client(StringBuilder sb, ClientStatus c) {
        sb.append("{\"name\":");
        Json.string(sb, c.name());
        sb.append(",\"inFlight\":").append(c.inFlight())
                .append(",\"attempts\":").append(c.attempts())
                .append(",\"retries\":").append(c.retries())
                .append(",\"hedges\":").append(c.hedges())
                .append(",\"budgetLeft\":").append((long) Math.floor(c.budgetLeft()));
        counts(sb, "calls", c.calls());
        counts(sb, "declined", c.declined());
        sb.append(",\"breakers\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(c.breakers()).entrySet()) {
            sb.append(first ? "" : ",");
            first = false;
            Json.string(sb, e.getKey());
            sb.append(':');
            Json.string(sb, e.getValue());
        }
        sb.append("}}");
    }

    private static void counts(StringBuilder sb, String name, Map<String, Long> counts) {
        sb.append(",\"").append(name).append("\":{");
        boolean first = true;
        for (Map.Entry<String, Long> e : new TreeMap<>(counts).entrySet()) {
            sb.append(first ? "" : ",");
            first = false;
            Json.string(sb, e.getKey());
            sb.append(':').append(e.getValue());
        }
        sb.append('}');
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
        sb.append(']');
        Exemption exemption = p.chain().exemption();
        if (exemption != null) {
            sb.append(",\"exempt\":{");
            for (Exemption.Reason reason : Exemption.Reason.values()) {
                sb.append(reason.ordinal() == 0 ? "\"" : ",\"").append(reason.tag()).append("\":")
                        .append(exemption.count(reason));
            }
            sb.append('}');
        }
        IdempotencyGuard g = CoreAccess.idempotency(p);
        if (g != null) {
            idempotency(sb, g);
        }
        sb.append('}');
    }

    /** {@code in-progress} as {@code inProgress}. */
    private static String camel(String tag) {
        int dash = tag.indexOf('-');
        return dash < 0 ? tag : tag.substring(0, dash) + Character.toUpperCase(tag.charAt(dash + 1))
                + tag.substring(dash + 2);
    }

    /** The policy's idempotency step: where its keys live, whether that store answers, and what it decided. */
    private static void idempotency(StringBuilder sb, IdempotencyGuard g) {
        sb.append(",\"idempotency\":{\"header\":");
        Json.string(sb, g.config().header());
        sb.append(",\"store\":");
        Json.string(sb, g.describeStore());
        sb.append(",\"storeDown\":").append(g.storeDown())
                .append(",\"onFailure\":");
        Json.string(sb, g.onFailure().configName());
        sb.append(",\"localEntries\":").append(g.localStore().size())
                .append(",\"corruptRecords\":").append(g.corruptRecords());
        for (IdempotencyGuard.Outcome o : IdempotencyGuard.Outcome.values()) {
            sb.append(",\"").append(camel(o.tag())).append("\":").append(g.counted(o));
        }
        sb.append('}');
    }

    /** @return milliseconds with three decimals, or null for a negative (unknown) reading */
    private static String millis(long nanos) {
        return nanos < 0 ? "null" : java.math.BigDecimal.valueOf(nanos / 1000L, 3).toPlainString();
    }

    private static void stage(StringBuilder sb, Stage s) {
        sb.append("{\"kind\":");
        Json.string(sb, s.kind().configName());
        if (s instanceof RateLimitStage r) {
            limits(sb, r.limits());
        } else if (s instanceof ThrottleStage t) {
            ThrottleStatus v = t.statusView();
            sb.append(",\"maxConcurrent\":").append(v.maxConcurrent())
                    .append(",\"queue\":").append(v.queue())
                    .append(",\"inFlight\":").append(v.inFlight())
                    .append(",\"queued\":").append(v.queued())
                    .append(",\"mode\":");
            Json.string(sb, v.mode());
            sb.append(",\"adaptive\":").append(v.adaptive());
            if (v.adaptive()) {
                sb.append(",\"noLoadLatencyMillis\":").append(millis(v.noLoadLatencyNanos()))
                        .append(",\"recentLatencyMillis\":").append(millis(v.recentLatencyNanos()))
                        .append(",\"drops\":").append(v.drops());
            }
            if ("shadow".equals(v.mode())) {
                sb.append(",\"wouldReject\":").append(v.wouldReject());
            }
            if (!v.shedLevels().isEmpty()) {
                sb.append(",\"reserved\":").append(v.reserved()).append(",\"criticality\":{");
                boolean first = true;
                for (Map.Entry<String, Integer> e : v.shedLevels().entrySet()) {
                    sb.append(first ? "" : ",");
                    first = false;
                    Json.string(sb, e.getKey());
                    sb.append(":{\"shedLevel\":").append(e.getValue()).append(",\"refused\":")
                            .append(v.refusedByClass().getOrDefault(e.getKey(), 0L)).append('}');
                }
                sb.append('}');
            }
        } else if (s instanceof BreakerStage b) {
            BreakerStatus v = b.statusView();
            sb.append(",\"breaker\":");
            Json.string(sb, v.breaker());
            sb.append(",\"state\":");
            Json.string(sb, v.state());
            sb.append(",\"failureRate\":").append(v.failureRate() == null ? "null" : v.failureRate().toString())
                    .append(",\"shadow\":").append(v.shadow()).append(",\"shared\":").append(v.shared());
            if (v.shared()) {
                sb.append(",\"sharedDegraded\":").append(v.degraded());
            }
        } else if (s instanceof TimeoutStage t) {
            TimeoutStatus v = t.statusView();
            sb.append(",\"afterMillis\":").append(v.afterMillis())
                    .append(",\"status\":").append(v.status())
                    .append(",\"answered\":").append(v.answered())
                    .append(",\"overran\":").append(v.overran());
        } else if (s instanceof FallbackStage f) {
            FallbackStatus v = f.statusView();
            sb.append(",\"failClosed\":").append(v.failClosed()).append(",\"on\":[");
            boolean first = true;
            for (FallbackTrigger trigger : FallbackTrigger.values()) {
                if (v.on().contains(trigger)) {
                    sb.append(first ? "" : ",");
                    Json.string(sb, trigger.configName());
                    first = false;
                }
            }
            sb.append("],\"servedFromCache\":").append(v.servedFromCache())
                    .append(",\"servedFallback\":").append(v.servedFallback())
                    .append(",\"unanswered\":").append(v.unanswered());
            if (v.cachedCopies() != null) {
                sb.append(",\"cachedCopies\":").append(v.cachedCopies())
                        .append(",\"cachedBytes\":").append(v.cachedBytes());
            }
        }
        sb.append('}');
    }

    private static void limits(StringBuilder sb, List<LimitView> limits) {
        sb.append(",\"limits\":[");
        for (int i = 0; i < limits.size(); i++) {
            LimitView l = limits.get(i);
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
                    .append(",\"shadow\":").append(l.shadow())
                    .append(",\"wouldReject\":").append(l.wouldReject())
                    .append(",\"costDefaulted\":").append(l.costDefaulted())
                    .append(",\"skipped\":").append(l.skipped())
                    .append(",\"missing\":").append(l.missing())
                    .append(",\"invalid\":").append(l.invalid()).append('}');
        }
        sb.append(']');
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
