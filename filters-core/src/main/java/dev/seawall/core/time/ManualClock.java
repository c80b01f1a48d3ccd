package dev.seawall.core.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to; for tests of time-dependent behaviour.
 *
 * <p>Thread-safe: several test threads may read it while one advances it.
 */
public final class ManualClock implements NanoClock {

    private final AtomicLong now;

    /** Starts at an arbitrary non-zero instant so that code never relies on time starting at 0. */
    public ManualClock() {
        this(1_000_000_000L);
    }

    public ManualClock(long startNanos) {
        this.now = new AtomicLong(startNanos);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    /** Moves the clock forward; a negative duration is refused because the clock is monotonic. */
    public ManualClock advance(Duration by) {
        return advanceNanos(by.toNanos());
    }

    public ManualClock advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("a monotonic clock cannot go back: " + nanos + "ns");
        }
        now.addAndGet(nanos);
        return this;
    }
}
