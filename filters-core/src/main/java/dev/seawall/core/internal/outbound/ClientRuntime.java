package dev.seawall.core.internal.outbound;

import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.time.NanoClock;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * What the outbound clients of one engine share: the monotonic clock, the timer that fires backoff waits, attempt
 * time-outs and hedges, the wall clock for {@code Retry-After} dates, the random source of jitter, and how a
 * synchronous call waits. Tests replace each with a fake. Immutable and thread-safe.
 *
 * @param pause how a synchronous call waits between attempts (the calling thread sleeps; interruptible)
 */
public record ClientRuntime(NanoClock clock, DeadlineTimer timer, Clock wallClock, DoubleSupplier random,
                            Pause pause) {

    /** Waits on the calling thread. */
    @FunctionalInterface
    public interface Pause {
        void pause(long nanos) throws InterruptedException;
    }

    public ClientRuntime {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(timer, "timer");
        Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(pause, "pause");
    }

    /** The runtime of a real engine: system clocks, thread-local randomness, sleeping threads. */
    public static ClientRuntime system(NanoClock clock, DeadlineTimer timer) {
        return new ClientRuntime(clock, timer, Clock.systemUTC(), () -> ThreadLocalRandom.current().nextDouble(),
                nanos -> TimeUnit.NANOSECONDS.sleep(nanos));
    }
}
