package dev.seawall.core.timeout;

import dev.seawall.core.time.NanoClock;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The moment by which the inbound request being served must be answered: set by Seawall's adapters while a request
 * admitted under a {@code timeout} runs the application, and read by Seawall's outbound clients, which give each call
 * at most the time left. Immutable and thread-safe.
 *
 * <p><b>Which thread sees it.</b> The deadline is bound to the thread that runs the application ({@link #current()})
 * for as long as Seawall's adapter runs it, including the threads Seawall hands a request to (a resumed throttle
 * wait, an async dispatch). Work the application hands to its own executors does not see it unless carried:
 * {@link #wrap(Runnable)}, {@link #wrap(Callable)}, {@link #wrap(Supplier)} capture the caller's deadline when they
 * are called and bind it while the work runs; {@link #wrap(Executor)} does so for every task submitted.
 */
@SuppressWarnings("try") // scopes are opened and closed around work that does not refer to them
public final class Deadline {

    /** Cleared when the binding scope closes, so a pooled thread never keeps a finished request's deadline. */
    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    private final long dueNanos;
    private final NanoClock clock;

    private Deadline(long dueNanos, NanoClock clock) {
        this.dueNanos = dueNanos;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @return a deadline at {@code dueNanos} on {@code clock} */
    public static Deadline at(long dueNanos, NanoClock clock) {
        return new Deadline(dueNanos, clock);
    }

    /** @return a deadline {@code timeout} from now on {@code clock} */
    public static Deadline after(Duration timeout, NanoClock clock) {
        return new Deadline(clock.nanoTime() + timeout.toNanos(), clock);
    }

    /** @return the deadline bound to this thread, or null when none */
    public static Deadline current() {
        return CURRENT.get();
    }

    /** @return the clock reading at which the deadline passes */
    public long dueNanos() {
        return dueNanos;
    }

    /** @return the clock the deadline is measured on */
    public NanoClock clock() {
        return clock;
    }

    /** @return nanoseconds left; zero or negative once passed */
    public long remainingNanos() {
        return dueNanos - clock.nanoTime();
    }

    /** @return the time left, zero once passed */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, remainingNanos()));
    }

    /** @return whether the deadline has passed */
    public boolean expired() {
        return remainingNanos() <= 0;
    }

    /**
     * Binds this deadline to the calling thread until the returned scope is closed, which restores what was bound
     * before. Use with try-with-resources on the thread that opened it.
     */
    public Scope bind() {
        Deadline previous = CURRENT.get();
        CURRENT.set(this);
        return new Scope(previous);
    }

    /** @return {@code task} running under the caller's current deadline; {@code task} itself when there is none */
    public static Runnable wrap(Runnable task) {
        Deadline d = current();
        if (d == null) {
            return task;
        }
        return () -> {
            try (Scope ignored = d.bind()) {
                task.run();
            }
        };
    }

    /** @return {@code task} running under the caller's current deadline; {@code task} itself when there is none */
    public static <T> Callable<T> wrap(Callable<T> task) {
        Deadline d = current();
        if (d == null) {
            return task;
        }
        return () -> {
            try (Scope ignored = d.bind()) {
                return task.call();
            }
        };
    }

    /** @return {@code task} running under the caller's current deadline; {@code task} itself when there is none */
    public static <T> Supplier<T> wrap(Supplier<T> task) {
        Deadline d = current();
        if (d == null) {
            return task;
        }
        return () -> {
            try (Scope ignored = d.bind()) {
                return task.get();
            }
        };
    }

    /**
     * @return an executor that runs each task under the deadline current on the thread that submits it (for
     *         {@code CompletableFuture.supplyAsync(work, Deadline.wrap(pool))} and the like)
     */
    public static Executor wrap(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        return task -> executor.execute(wrap(task));
    }

    @Override
    public String toString() {
        return "Deadline[" + Duration.ofNanos(remainingNanos()) + " left]";
    }

    /** Restores the binding that was in place before {@link #bind()}. Not thread-safe: close it on its own thread. */
    public static final class Scope implements AutoCloseable {
        private final Deadline previous;
        private boolean closed;

        private Scope(Deadline previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }
}
