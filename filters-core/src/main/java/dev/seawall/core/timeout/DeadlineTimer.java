package dev.seawall.core.timeout;

import dev.seawall.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * Fires request deadlines. Scheduling and cancelling are lock-free (a request thread only appends to a
 * concurrent queue and flips a flag), because {@link java.util.concurrent.ScheduledThreadPoolExecutor}
 * takes one lock shared by every request to do either. One ticker thread moves new deadlines into a heap
 * only it touches, and hands expired ones to a small bounded pool of answer threads, so a slow client being
 * answered never delays another request's deadline.
 *
 * <p>Resolution: the ticker sleeps at most {@value #TICK_MILLIS} ms, so a deadline fires within about that
 * much of its time. Cancelled deadlines stay in the heap until they would have fired, or until the
 * once-a-second purge; the heap therefore holds at most the deadlines scheduled within one timeout period.
 *
 * <p>Thread-safe. {@link #manual(NanoClock)} builds a timer with no threads, driven by {@link #runDue()},
 * for tests with a fake clock.
 */
public final class DeadlineTimer implements AutoCloseable {

    static final int TICK_MILLIS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(DeadlineTimer.class);
    private static final long PURGE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final NanoClock clock;
    private final ConcurrentLinkedQueue<Handle> incoming = new ConcurrentLinkedQueue<>();
    /** Touched by the ticker only (or the test driving a manual timer). */
    private final PriorityQueue<Handle> heap = new PriorityQueue<>(64,
            (a, b) -> Long.compare(a.deadlineNanos - b.deadlineNanos, 0));
    private final ThreadPoolExecutor answers;
    private final Thread ticker;
    private volatile boolean closed;
    private long lastPurge;

    private DeadlineTimer(NanoClock clock, boolean threads) {
        this.clock = clock;
        if (threads) {
            // answer threads write small responses; four cover bursts, the bounded queue caps memory, and
            // overflow runs on the ticker itself (late answers beat lost ones)
            answers = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4096), r -> {
                Thread t = new Thread(r, "seawall-timeout-answer-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.CallerRunsPolicy());
            answers.allowCoreThreadTimeOut(true);
            ticker = new Thread(this::tick, "seawall-deadline-timer-" + THREADS.incrementAndGet());
            ticker.setDaemon(true);
            ticker.start();
        } else {
            answers = null;
            ticker = null;
        }
        lastPurge = clock.nanoTime();
    }

    /** A timer with its ticker thread running, on this clock. */
    public static DeadlineTimer start(NanoClock clock) {
        return new DeadlineTimer(clock, true);
    }

    /** A timer with no thread: deadlines fire only when {@link #runDue()} is called (tests, fake clocks). */
    public static DeadlineTimer manual(NanoClock clock) {
        return new DeadlineTimer(clock, false);
    }

    /**
     * Schedules {@code task} at {@code deadlineNanos} (a reading of this timer's clock). The task runs at most
     * once, on an answer thread, unless cancelled first.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public Handle schedule(long deadlineNanos, Runnable task) {
        if (closed) {
            throw new IllegalStateException("the deadline timer is closed");
        }
        Handle h = new Handle(deadlineNanos, task);
        incoming.add(h);
        return h;
    }

    /**
     * Fires every deadline that is due now, on the calling thread. For manual timers; a started timer does
     * this on its own thread.
     *
     * @return how many tasks ran
     */
    public int runDue() {
        return fireDue(clock.nanoTime(), false);
    }

    private int fireDue(long now, boolean async) {
        Handle h;
        while ((h = incoming.poll()) != null) {
            if (!h.cancelled()) {
                heap.add(h);
            }
        }
        int fired = 0;
        while ((h = heap.peek()) != null && h.deadlineNanos - now <= 0) {
            heap.poll();
            if (h.claim()) {
                fired++;
                Handle run = h;
                if (async) {
                    answers.execute(() -> run.runTask());
                } else {
                    run.runTask();
                }
            }
        }
        if (now - lastPurge > PURGE_EVERY_NANOS) {
            lastPurge = now;
            heap.removeIf(Handle::cancelled);
        }
        return fired;
    }

    /** @return deadlines scheduled and neither fired nor purged yet (cancelled ones included until purged) */
    public int pending() {
        return heap.size() + incoming.size();
    }

    private void tick() {
        while (!closed) {
            try {
                fireDue(clock.nanoTime(), true);
            } catch (RuntimeException | Error e) {
                // a failing task must not stop every later deadline
                LOG.error("Seawall: a timeout task failed", e);
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
        }
    }

    /** Stops the ticker and the answer threads; pending deadlines never fire. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (ticker != null) {
            LockSupport.unpark(ticker);
            answers.shutdown();
        }
    }

    /** One scheduled deadline. Thread-safe: cancel and fire race through a compare-and-set. */
    public static final class Handle {
        private static final AtomicIntegerFieldUpdater<Handle> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Handle.class, "state");
        private static final int WAITING = 0;
        private static final int FIRED = 1;
        private static final int CANCELLED = 2;

        private final long deadlineNanos;
        private final Runnable task;
        private volatile int state;

        Handle(long deadlineNanos, Runnable task) {
            this.deadlineNanos = deadlineNanos;
            this.task = task;
        }

        /** @return true when this call prevented the task from running */
        public boolean cancel() {
            return STATE.compareAndSet(this, WAITING, CANCELLED);
        }

        boolean cancelled() {
            return state == CANCELLED;
        }

        boolean claim() {
            return STATE.compareAndSet(this, WAITING, FIRED);
        }

        void runTask() {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("Seawall: a timeout task failed", e);
            }
        }

        public long deadlineNanos() {
            return deadlineNanos;
        }
    }
}
