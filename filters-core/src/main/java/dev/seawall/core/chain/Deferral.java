package dev.seawall.core.chain;

import dev.seawall.core.time.NanoClock;

import dev.seawall.core.http.Rejection;

/**
 * "Not yet": the request waits (in a throttle queue) and is decided later, with a {@link Permit} when a slot
 * frees or a {@link Rejection} when the wait expires or the queue gives up on it.
 *
 * <p>Thread-safe: decided exactly once, by whichever thread frees a slot, expires the wait or cancels it.
 * The adapter registers one callback with {@link #onDecided(Runnable)}; it runs exactly once, on the
 * deciding thread (or at once if already decided), and must only hand the request back to its container
 * (e.g. {@code AsyncContext.dispatch()}), never run application code.
 */
public interface Deferral extends Admission {

    @Override
    default Rejection rejection() {
        return null;
    }

    @Override
    default Permit permit() {
        return Permit.NONE;
    }

    @Override
    default boolean deferred() {
        return true;
    }

    /** @return the decision (a {@link Permit} or a {@link Rejection}), or null while still waiting */
    Admission outcome();

    /** Registers the one callback that runs when the decision is made. */
    void onDecided(Runnable callback);

    /**
     * The waiter gives up (client gone, request released). If still waiting, it leaves the queue; if a permit
     * was already granted, that permit is released. Idempotent.
     */
    void cancel();

    /** Ends the wait now if it is past its deadline (e.g. the container's async timeout fired). */
    void expire(long nowNanos);

    /** @return the clock reading after which the wait is refused */
    long deadlineNanos();

    /**
     * Ends the wait now because a timer fired at (or just before) its deadline: expires it, or, when this clock
     * says the deadline is a hair away, cancels it rather than wait on. After this call the wait is decided.
     */
    default void endAt(long nowNanos) {
        expire(nowNanos);
        if (outcome() == null) {
            cancel();
        }
    }

    /**
     * Waits on the calling thread until the wait is decided, at most until its deadline plus {@code marginNanos}
     * (then ends it with {@link #endAt}): for an adapter that cannot suspend the request. Must be the deferral's
     * only {@link #onDecided} callback.
     *
     * @throws InterruptedException when the thread is interrupted; the wait is then still undecided and the caller
     *                              releases its exchange
     */
    default void awaitDecision(NanoClock clock, long marginNanos) throws InterruptedException {
        java.util.concurrent.CountDownLatch decided = new java.util.concurrent.CountDownLatch(1);
        onDecided(decided::countDown);
        long remaining = deadlineNanos() - clock.nanoTime();
        if (!decided.await(Math.max(0, remaining) + marginNanos, java.util.concurrent.TimeUnit.NANOSECONDS)) {
            endAt(clock.nanoTime());
        }
    }
}
