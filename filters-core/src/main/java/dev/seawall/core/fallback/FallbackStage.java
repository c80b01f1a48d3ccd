package dev.seawall.core.fallback;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection.Header;
import dev.seawall.core.http.RequestView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * A policy's fallback: turns what the inner stages and the application produce (breaker open, timeout,
 * exception or 5xx, and throttle overflow if asked) into a safe response. In order of preference: the newest
 * last-good copy from the {@link StaleCache} ({@code X-Data-Source: cache}, {@code Age}), the application's
 * {@link FallbackHandler}, the static response ({@code X-Data-Source: fallback}). When none applies, the
 * adapter sends Seawall's problem response.
 *
 * <p>{@code fail-closed} policies (login, authorisation) never get a substitute: a fallback there could
 * grant what the failing service would have refused, so {@link #answer} returns null and the client gets a
 * 503 problem; neither a copy, nor the handler, nor the static response is consulted.
 *
 * <p>Meters are not registered here: {@code dev.seawall.core.metrics.FallbackMeters} reads the counts by pull.
 *
 * <p>Admission never refuses and allocates nothing; the stage is its own permit. Thread-safe.
 */
public final class FallbackStage implements Stage, Permit {

    /** Response header naming where a policy's response came from: {@code live}, {@code cache}, {@code fallback}. */
    public static final String DATA_SOURCE = "X-Data-Source";

    private static final Logger LOG = LoggerFactory.getLogger(FallbackStage.class);

    private final String policy;
    private final FallbackResponse staticResponse;
    private final FallbackHandler handler;
    private final StaleCache cache;
    private final Set<FallbackTrigger> on;
    private final boolean failClosed;
    private final Map<FallbackTrigger, LongAdder> fromCache = new EnumMap<>(FallbackTrigger.class);
    private final Map<FallbackTrigger, LongAdder> fromFallback = new EnumMap<>(FallbackTrigger.class);
    private final Map<FallbackTrigger, LongAdder> unanswered = new EnumMap<>(FallbackTrigger.class);
    private final LongAdder stored = new LongAdder();

    private FallbackStage(Builder b) {
        this.policy = b.policy;
        this.handler = b.handler;
        this.cache = b.cache;
        this.on = Set.copyOf(b.on);
        this.failClosed = b.failClosed;
        if (failClosed && (b.cache != null || (b.staticResponse != null && b.staticResponse.successLooking()))) {
            throw new IllegalArgumentException("fail-closed: a fail-closed policy may not serve a stale copy or a"
                    + " success-looking static fallback (status " + (b.staticResponse == null ? "" : b.staticResponse.status())
                    + "); remove stale-cache, or use an error status");
        }
        this.staticResponse = b.staticResponse == null ? null : marked(b.staticResponse);
        for (FallbackTrigger t : FallbackTrigger.values()) {
            fromCache.put(t, new LongAdder());
            fromFallback.put(t, new LongAdder());
            unanswered.put(t, new LongAdder());
        }
    }

    /**
     * Adds {@code X-Data-Source: fallback} and {@code Cache-Control: no-store} (a degraded answer must not be cached).
     */
    private static FallbackResponse marked(FallbackResponse r) {
        List<Header> h = new ArrayList<>(r.headers().size() + 2);
        for (Header x : r.headers()) {
            if (!x.name().equalsIgnoreCase(DATA_SOURCE) && !x.name().equalsIgnoreCase("Cache-Control")) {
                h.add(x);
            }
        }
        h.add(new Header("Cache-Control", "no-store"));
        return new FallbackResponse(r.status(), h, r.body(), "fallback");
    }

    public static Builder builder(String policy) {
        return new Builder(policy);
    }

    @Override
    public StageKind kind() {
        return StageKind.FALLBACK;
    }

    @Override
    public String name() {
        return policy;
    }

    /** @return the stale cache, or null when the policy keeps no copies */
    public StaleCache cache() {
        return cache;
    }

    public boolean failClosed() {
        return failClosed;
    }

    /** @return failures answered with a last-good copy so far */
    public long servedFromCache() {
        return sum(fromCache);
    }

    /** @return failures answered with the handler's or the static response so far */
    public long servedFallback() {
        return sum(fromFallback);
    }

    /** @return failures left to Seawall's problem response so far */
    public long unanswered() {
        return sum(unanswered);
    }

    /** @return the triggers answered, in declaration order */
    public Set<FallbackTrigger> on() {
        return on;
    }

    private static long sum(Map<FallbackTrigger, LongAdder> counters) {
        long n = 0;
        for (LongAdder c : counters.values()) {
            n += c.sum();
        }
        return n;
    }

    /**
     * @param source {@code cache} (a last-good copy), {@code fallback} (the handler's or the static response) or
     *               {@code none} (Seawall's problem response): the {@code source} tag of {@code
     * seawall.fallback.served}
     * @return failures of this trigger answered from that source so far
     */
    public long served(FallbackTrigger trigger, String source) {
        Map<FallbackTrigger, LongAdder> counts = switch (source) {
            case "cache" -> fromCache;
            case "fallback" -> fromFallback;
            case "none" -> unanswered;
            default -> throw new IllegalArgumentException("source: " + source + " (expected cache, fallback or none)");
        };
        return counts.get(trigger).sum();
    }

    /** @return last-good copies stored so far */
    public long storedCopies() {
        return stored.sum();
    }

    /** @return a snapshot of the settings and counts, for status pages */
    public FallbackStatus statusView() {
        return new FallbackStatus(failClosed, on, servedFromCache(), servedFallback(), unanswered(),
                cache == null ? null : cache.size(), cache == null ? null : cache.bytes());
    }

    /** @return true when this trigger is listed in {@code on:} */
    boolean answers(FallbackTrigger trigger) {
        return on.contains(trigger);
    }

    /** @return the cache key of the request, or null when nothing could be cached or served for it */
    public StaleCache.Key cacheKey(RequestView request) {
        return cache == null ? null : cache.key(request);
    }

    /** @return true when a successful response for this key should be offered to {@link #remember} */
    public boolean wantsCopy(StaleCache.Key key, long nowNanos) {
        return cache != null && key != null && !cache.fresh(key, nowNanos);
    }

    /**
     * Keeps a last-good copy of a live response when the policy has a stale cache and the response may be kept.
     */
    public void remember(StaleCache.Key key, RequestView request, int status, List<Header> headers, byte[] body,
                         long nowNanos) {
        if (cache != null && key != null && cache.store(key, request.method(), request, status, headers, body, nowNanos)) {
            stored.increment();
        }
    }

    /**
     * The substitute for a failure, or null when the client must get Seawall's problem response (trigger not
     * listed, fail-closed, nothing cached and no static or handler answer).
     *
     * @param key the request's cache key (from {@link #cacheKey}), or null
     */
    public FallbackResponse answer(FallbackTrigger trigger, StaleCache.Key key, RequestView request, long nowNanos) {
        if (failClosed || !on.contains(trigger)) {
            unanswered.get(trigger).increment();
            return null;
        }
        if (cache != null && key != null) {
            StaleCache.Entry e = cache.lookup(key, request, nowNanos);
            if (e != null) {
                fromCache.get(trigger).increment();
                return e.toResponse(nowNanos);
            }
        }
        if (handler != null) {
            FallbackResponse r = null;
            try {
                r = handler.handle(trigger, request);
            } catch (RuntimeException e) {
                LOG.error("Seawall: the fallback handler of policy {} failed; answering with the problem response",
                        policy, e);
            }
            if (r != null) {
                fromFallback.get(trigger).increment();
                return marked(r);
            }
        }
        if (staticResponse != null) {
            fromFallback.get(trigger).increment();
            return staticResponse;
        }
        unanswered.get(trigger).increment();
        return null;
    }

    @Override
    public Admission admit(RequestView request, long nowNanos) {
        return this;
    }

    @Override
    public void complete(Outcome outcome) {
    }

    @Override
    public void release() {
    }

    @Override
    public String toString() {
        return "FallbackStage[" + policy + ", on=" + on + (failClosed ? ", fail-closed" : "") + "]";
    }

    /** Collects a fallback's parts. Not thread-safe; build once. */
    public static final class Builder {
        private final String policy;
        private FallbackResponse staticResponse;
        private FallbackHandler handler;
        private StaleCache cache;
        private Set<FallbackTrigger> on = EnumSet.of(FallbackTrigger.CIRCUIT_OPEN, FallbackTrigger.TIMEOUT,
                FallbackTrigger.ERROR);
        private boolean failClosed;

        private Builder(String policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** A fixed response for every listed failure. */
        public Builder staticResponse(FallbackResponse response) {
            this.staticResponse = response;
            return this;
        }

        public Builder handler(FallbackHandler handler) {
            this.handler = handler;
            return this;
        }

        public Builder staleCache(StaleCache cache) {
            this.cache = cache;
            return this;
        }

        /** Which failures the fallback answers; default circuit-open, timeout, error. */
        public Builder on(Set<FallbackTrigger> triggers) {
            if (triggers.isEmpty()) {
                throw new IllegalArgumentException("on: must list at least one failure");
            }
            this.on = EnumSet.copyOf(triggers);
            return this;
        }

        public Builder failClosed(boolean failClosed) {
            this.failClosed = failClosed;
            return this;
        }

        /** @throws IllegalArgumentException when fail-closed contradicts a success-looking substitute */
        public FallbackStage build() {
            return new FallbackStage(this);
        }
    }
}
