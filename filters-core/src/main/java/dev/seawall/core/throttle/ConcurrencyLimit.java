package dev.seawall.core.throttle;

/**
 * The number of requests a throttle lets into the application at once: fixed, or adaptive (found from the latency
 * and drops of the requests it admitted). The throttle reads {@link #current()} on every admission and reports every
 * admitted request's end to {@link #onSample}, exactly once, when the request truly ended (async included).
 *
 * <p>Implementations are thread-safe; {@link #current()} is a volatile read and {@link #onSample} never blocks on a
 * lock shared by all requests.
 */
public interface ConcurrencyLimit {

    /**
     * @return the limit now, always at least 1. It may rise only inside {@link #onSample}: the throttle hands a risen
     *         limit to waiting requests from the completion that reported the sample, so a limit that rose by itself
     *         between completions (on a timer, say) would leave waiters queued with free slots until the next
     *         completion. It may fall at any time.
     */
    int current();

    /**
     * One admitted request ended.
     *
     * @param startNanos when it got its slot, on the throttle's clock
     * @param rttNanos   how long it held the slot
     * @param inflight   requests inside the application when it got its slot (itself included)
     * @param dropped    whether it ended as a sign of overload: timed out, threw, or answered 5xx. Refusals by a
     *                   circuit breaker never reach the throttle (the breaker sits outside it), so they are no
     *                   samples; while a breaker is open the limit gets none. An adaptive limit treats a few drops
     *                   as noise: it backs off only when a window's share of drops reaches its {@code drop-share}
     */
    void onSample(long startNanos, long rttNanos, int inflight, boolean dropped);

    /** @return true when the limit moves by itself */
    default boolean adaptive() {
        return false;
    }

    /**
     * @return true while the limit is lowered on purpose for a moment to measure the latency without load (a probe):
     *         the throttle's refusals then come from the probe, not from callers asking too much, so they do not raise
     *         the shed levels. False for a fixed limit.
     */
    default boolean probing() {
        return false;
    }

    /** @return samples reported as dropped so far (0 for a fixed limit) */
    default long drops() {
        return 0;
    }

    /** @return the estimated latency without load, in nanoseconds, or -1 when unknown (or fixed) */
    default long noLoadLatencyNanos() {
        return -1;
    }

    /** @return the recent latency estimate the limit is judged on, in nanoseconds, or -1 when unknown (or fixed) */
    default long recentLatencyNanos() {
        return -1;
    }

    /** @return a limit that never moves; thread-safe and immutable */
    static ConcurrencyLimit fixed(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " must be at least 1");
        }
        return new ConcurrencyLimit() {
            @Override
            public int current() {
                return limit;
            }

            @Override
            public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
                // a fixed limit learns nothing
            }

            @Override
            public String toString() {
                return "fixed(" + limit + ")";
            }
        };
    }
}
