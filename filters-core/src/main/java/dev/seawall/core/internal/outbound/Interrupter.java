package dev.seawall.core.internal.outbound;

import dev.seawall.core.internal.timeout.DeadlineTimer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Interrupts a synchronous attempt's thread when the attempt runs out of time, and guarantees that no interrupt
 * reaches the thread after {@link #disarm()} returned: the timer and the thread race on one compare-and-set, and a
 * thread that lost waits for the interrupt to land and clears it. One per attempt; thread-safe.
 */
final class Interrupter {

    private static final int ARMED = 0;
    private static final int FIRING = 1;
    private static final int FIRED = 2;
    private static final int DISARMED = 3;

    private final Thread thread;
    private final AtomicInteger state = new AtomicInteger(ARMED);
    private final DeadlineTimer.Handle handle;

    Interrupter(DeadlineTimer timer, long dueNanos) {
        this.thread = Thread.currentThread();
        this.handle = timer.schedule(dueNanos, this::fire);
    }

    private void fire() {
        if (state.compareAndSet(ARMED, FIRING)) {
            thread.interrupt();
            state.set(FIRED);
        }
    }

    /**
     * Called by the attempt's thread when the attempt ended.
     *
     * @return whether the time-out fired (its interrupt has been cleared)
     */
    boolean disarm() {
        handle.cancel();
        if (state.compareAndSet(ARMED, DISARMED)) {
            return false;
        }
        while (state.get() != FIRED) {
            Thread.onSpinWait();
        }
        Thread.interrupted(); // ours, not the caller's: clear it
        return true;
    }
}
