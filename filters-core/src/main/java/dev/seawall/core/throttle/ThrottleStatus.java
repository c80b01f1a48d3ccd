package dev.seawall.core.throttle;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a status page shows of a {@link ThrottleStage}: its limit and bounds, how many requests are inside and waiting,
 * the adaptive limit's estimates, and the criticality classes' shed levels. An immutable snapshot; the counts are read
 * one after the other, so they may be a few requests apart.
 *
 * @param maxConcurrent      the limit now: requests allowed inside the application at once
 * @param queue              requests allowed to wait
 * @param inFlight           requests inside the application when read
 * @param queued             requests waiting when read
 * @param adaptive           true when the limit moves by itself ({@code max-concurrent: adaptive})
 * @param noLoadLatencyNanos the adaptive limit's estimate of the latency without load, or -1 when unknown or fixed
 * @param recentLatencyNanos the adaptive limit's recent latency estimate, or -1 when unknown or fixed
 * @param drops              completions the limit counted as drops (timeouts, 5xx, failures); 0 for a fixed limit
 * @param mode               {@code enforce} or {@code shadow}
 * @param reserved           slots of the limit now reserved for critical requests (0 without criticality)
 * @param shedLevels         criticality class to shed level 0-100 (empty without criticality)
 * @param refusedByClass     criticality class to requests refused so far (empty without criticality)
 * @param wouldReject        requests shadow mode admitted that enforce mode would have refused
 */
public record ThrottleStatus(int maxConcurrent, int queue, int inFlight, int queued, boolean adaptive,
                             long noLoadLatencyNanos, long recentLatencyNanos, long drops, String mode, int reserved,
                             Map<String, Integer> shedLevels, Map<String, Long> refusedByClass, long wouldReject) {

    public ThrottleStatus {
        // in class order, highest first
        shedLevels = Collections.unmodifiableMap(new LinkedHashMap<>(shedLevels));
        refusedByClass = Collections.unmodifiableMap(new LinkedHashMap<>(refusedByClass));
    }
}
