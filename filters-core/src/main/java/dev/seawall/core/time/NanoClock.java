package dev.seawall.core.time;

/**
 * The one monotonic time source of the engine, read as a primitive {@code long} of nanoseconds.
 *
 * <p>Logic never calls {@code System.nanoTime()} itself: the adapter reads this clock once per request
 * and passes {@code nowNanos} down, so tests drive every time-dependent decision with a
 * {@link ManualClock}. Values are only meaningful as differences, exactly like {@link System#nanoTime()}.
 *
 * <p>Implementations must be thread-safe and must not allocate.
 */
@FunctionalInterface
public interface NanoClock {

    /** @return the current monotonic time in nanoseconds */
    long nanoTime();

    /** The system's monotonic clock. Thread-safe, allocation-free. */
    static NanoClock system() {
        return SystemNanoClock.INSTANCE;
    }
}
