package dev.seawall.core.internal.answer;

import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Chain;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.fallback.StaleCache;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.timeout.TimeoutStage;

import java.util.Objects;

/**
 * What the adapters need to know about one policy to decide its answers: the fallback, timeout and breaker stages
 * it has (or null), whether it fails closed, and how much of a response it holds back. Compiled once when the
 * policy is built ({@link dev.seawall.core.internal.CoreAccess#answerPlan}), so that no adapter looks a stage up or
 * casts one per request.
 *
 * <p>Immutable and thread-safe; shared by every request of its policy.
 */
public final class AnswerPlan {

    private final String policy;
    private final boolean failClosed;
    private final int bufferBytes;
    private final FallbackStage fallback;
    private final TimeoutStage timeout;
    private final BreakerStage breaker;
    /** Where the policy's fallbacks and timeouts are published; set by the engine serving it, null without one. */
    private volatile dev.seawall.core.internal.event.EventHub.PolicyEvents events;

    private AnswerPlan(String policy, boolean failClosed, int bufferBytes, Stages stages) {
        this.policy = policy;
        this.failClosed = failClosed;
        this.bufferBytes = bufferBytes;
        this.fallback = stages.fallback;
        this.timeout = stages.timeout;
        this.breaker = stages.breaker;
    }

    /** The first stage of each kind the plan cares about, as the chain orders them. */
    private static final class Stages {
        FallbackStage fallback;
        TimeoutStage timeout;
        BreakerStage breaker;
    }

    /**
     * @param policy      the policy's name
     * @param chain       its stages; the first fallback, timeout and breaker stage of the chain are the policy's
     * @param failClosed  whether the policy never serves a substitute
     * @param bufferBytes the policy's response buffer (0: none)
     */
    public static AnswerPlan of(String policy, Chain chain, boolean failClosed, int bufferBytes) {
        Objects.requireNonNull(policy, "policy");
        Stages found = new Stages();
        for (Stage s : chain.stages()) {
            if (s instanceof FallbackStage f && found.fallback == null) {
                found.fallback = f;
            } else if (s instanceof TimeoutStage t && found.timeout == null) {
                found.timeout = t;
            } else if (s instanceof BreakerStage b && found.breaker == null) {
                found.breaker = b;
            }
        }
        return new AnswerPlan(policy, failClosed, bufferBytes, found);
    }

    /** Sets where the policy's fallbacks and timeouts are published (the engine serving the policy does). */
    public void events(dev.seawall.core.internal.event.EventHub.PolicyEvents events) {
        this.events = events;
    }

    /** @return where the policy's fallbacks and timeouts are published, or null */
    public dev.seawall.core.internal.event.EventHub.PolicyEvents events() {
        return events;
    }

    /** @return the policy's name */
    public String policy() {
        return policy;
    }

    /** @return whether the policy never serves a substitute (an application failure becomes a 503 problem) */
    public boolean failClosed() {
        return failClosed;
    }

    /** @return how much of a response the policy holds back; 0 for none */
    public int bufferBytes() {
        return bufferBytes;
    }

    /** @return the policy's fallback stage, or null */
    public FallbackStage fallback() {
        return fallback;
    }

    /** @return the policy's timeout stage, or null */
    public TimeoutStage timeout() {
        return timeout;
    }

    /** @return the policy's circuit-breaker stage, or null */
    public BreakerStage breaker() {
        return breaker;
    }

    /**
     * @return whether the adapter holds the application's response back under an {@link AnswerArbiter}: the policy has
     *         a buffer and something that may replace the response (a timeout or a fallback)
     */
    public boolean buffers() {
        return bufferBytes > 0 && (timeout != null || fallback != null);
    }

    /** @return the largest body worth capturing for the stale cache; 0 when the policy keeps no copies */
    public int captureLimit() {
        return fallback != null && fallback.cache() != null ? fallback.cache().maxEntryBytes() : 0;
    }

    /** @return the request's stale-cache key, or null when the policy keeps no copies or none fits the request */
    public StaleCache.Key cacheKey(RequestView request) {
        return fallback == null ? null : fallback.cacheKey(request);
    }

    /**
     * The substitute for a refused request: the policy's fallback answers a refusal by a stage inside it (breaker open,
     * throttle overflow when listed), never one by a stage outside it (a rate limit).
     *
     * @param exchange a rejected exchange of this policy
     * @return the fallback's answer, or null when the client gets the rejection itself
     */
    public FallbackResponse refusalAnswer(Exchange exchange, RequestView request, long nowNanos) {
        Rejection rejection = exchange.rejection();
        FallbackTrigger trigger = rejection == null ? null : FallbackTrigger.of(rejection);
        if (fallback == null || trigger == null || !exchange.passed(fallback)) {
            return null;
        }
        FallbackResponse answer = fallback.answer(trigger, fallback.cacheKey(request), request, nowNanos);
        dev.seawall.core.internal.event.EventHub.PolicyEvents e = events;
        if (e != null) {
            e.fallback(trigger, answer, e.currentObservation());
        }
        return answer;
    }

    @Override
    public String toString() {
        return "AnswerPlan[" + policy + (fallback != null ? ", fallback" : "") + (timeout != null ? ", timeout" : "")
                + (breaker != null ? ", breaker" : "") + (failClosed ? ", fail-closed" : "") + ", buffer=" + bufferBytes
                + "]";
    }
}
