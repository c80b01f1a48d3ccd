package dev.seawall.core.internal.throttle;

import dev.seawall.core.throttle.ConcurrencyLimit;
import dev.seawall.core.time.ManualClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted dependency behind a saturated throttle, on a fake clock: every window, the throttle's queue is full, so
 * as many requests are in flight as the limit allows, and each takes {@code base × max(1, inflight / capacity)}
 * (latency grows with concurrency beyond the capacity). Not thread-safe: one test thread drives it.
 */
final class Backend {

    final ManualClock clock;
    final Duration window;
    final int samplesPerWindow;
    long baseNanos;
    int capacity;
    /** share of each window's requests that end as drops (timeouts, 5xx) */
    double dropShare;
    /** when true, latency no longer depends on concurrency (a dependency that is slow whatever the load) */
    boolean flat;
    final List<Integer> history = new ArrayList<>();

    Backend(ManualClock clock, Duration window, int samplesPerWindow, Duration base, int capacity) {
        this.clock = clock;
        this.window = window;
        this.samplesPerWindow = samplesPerWindow;
        this.baseNanos = base.toNanos();
        this.capacity = capacity;
    }

    long latency(int inflight) {
        if (flat) {
            return baseNanos;
        }
        return (long) (baseNanos * Math.max(1.0, (double) inflight / capacity));
    }

    /** Runs {@code windows} windows; checks the limit's bounds after every sample. */
    void run(ConcurrencyLimit limit, int windows, int min, int max) {
        for (int w = 0; w < windows; w++) {
            clock.advance(window);
            int inflight = limit.current();
            long rtt = latency(inflight);
            long now = clock.nanoTime();
            int drops = (int) Math.round(samplesPerWindow * dropShare);
            for (int i = 0; i < samplesPerWindow; i++) {
                limit.onSample(now - rtt, rtt, inflight, i < drops);
                int c = limit.current();
                if (c < min || c > max || c < 1) {
                    throw new AssertionError("limit " + c + " left [" + min + ", " + max + "] at window " + w);
                }
            }
            history.add(limit.current());
        }
    }

    /** @return the highest limit among the last {@code n} windows (probes lower it for a window now and then) */
    int highestOfLast(int n) {
        return history.subList(history.size() - n, history.size()).stream().mapToInt(Integer::intValue).max()
                .orElseThrow();
    }
}
