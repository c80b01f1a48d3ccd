package dev.seawall.core.throttle;

/**
 * What a status page shows of a {@link ThrottleStage}: its bounds and how many requests are inside and waiting.
 * An immutable snapshot; the two counts are read one after the other, so they may be a few requests apart.
 *
 * @param maxConcurrent requests allowed inside the application at once
 * @param queue         requests allowed to wait
 * @param inFlight      requests inside the application when read
 * @param queued        requests waiting when read
 */
public record ThrottleStatus(int maxConcurrent, int queue, int inFlight, int queued) {
}
