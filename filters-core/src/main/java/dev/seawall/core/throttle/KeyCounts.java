package dev.seawall.core.throttle;

import java.util.HashMap;
import java.util.Map;

/**
 * Fair share's per-key counts of a {@link ThrottleStage}: key to {in flight, queued}. An entry lives only while either
 * count is positive, so the map is bounded by the requests inside plus the queue.
 *
 * <p>Not thread-safe: the stage guards it with its lock.
 */
final class KeyCounts {

    private final Map<Object, int[]> counts = new HashMap<>();

    /** @return {in flight, queued} of a key, or null when it has none (or the key is null); do not keep it */
    int[] get(Object key) {
        return key == null ? null : counts.get(key);
    }

    /** Adjusts a key's counts; removes the entry when both reach zero. A null key is not counted. */
    void add(Object key, int inFlightDelta, int queuedDelta) {
        if (key == null) {
            return;
        }
        int[] c = counts.computeIfAbsent(key, k -> new int[2]);
        c[0] += inFlightDelta;
        c[1] += queuedDelta;
        if (c[0] <= 0 && c[1] <= 0) {
            counts.remove(key);
        }
    }
}
