package dev.seawall.core.fallback;

import java.util.Set;

/**
 * What a status page shows of a {@link FallbackStage}. An immutable snapshot; the counts are read one after the
 * other, so they may be a few requests apart.
 *
 * @param failClosed      whether the policy never gets a substitute
 * @param on              the failures the fallback answers
 * @param servedFromCache failures answered with a last-good copy so far
 * @param servedFallback  failures answered with the handler's or the static response so far
 * @param unanswered      failures left to Seawall's problem response so far
 * @param cachedCopies    last-good copies held, or null when the policy keeps none
 * @param cachedBytes     bytes those copies hold, or null when the policy keeps none
 */
public record FallbackStatus(boolean failClosed, Set<FallbackTrigger> on, long servedFromCache, long servedFallback,
                             long unanswered, Long cachedCopies, Long cachedBytes) {

    public FallbackStatus {
        on = Set.copyOf(on);
    }
}
