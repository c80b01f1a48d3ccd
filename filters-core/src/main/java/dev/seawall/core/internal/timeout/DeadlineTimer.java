package dev.seawall.core.internal.timeout;

import dev.seawall.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Fires request deadlines. Scheduling and cancelling take no lock and touch nothing another request thread
 * writes, because {@link java.util.concurrent.ScheduledThreadPoolExecutor} takes one lock shared by every request
 * to do either, and even a shared lock-free queue made every request thread contend for its tail (and the ticker
 * poll every deadline, though nearly all are cancelled within microseconds).
 *
 * <p>How: each scheduling thread owns a <em>slot</em> holding its latest deadline; scheduling writes the slot and
 * cancelling flips the deadline's state. A thread schedules its next deadline only after the request it served has
 * returned, so the previous deadline in its slot is nearly always settled; when it is not (an asynchronous request
 * still running), it is moved to a shared queue then, which only asynchronous requests reach. One ticker thread
 * looks at every slot each tick (as many as threads that ever scheduled and are alive), moves a due deadline and
 * the queue's into a heap only it touches, and hands expired ones to a small bounded pool of answer threads, so a
 * slow client being answered never delays another request's deadline. Slots of threads that died are emptied into
 * the heap and dropped.
 *
 * <p>Resolution: the ticker sleeps at most {@value #TICK_MILLIS} ms, so a deadline fires within about that
 * much of its time. A cancelled deadline is cleared from its slot by the next tick (so a finished request is not
 * kept reachable longer); cancelled deadlines that reached the heap stay until they would have fired, or until the
 * once-a-second purge.
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
    /**
     * Each thread's slot. The value is a JDK type, and a slot is emptied once its deadline is settled, so a container
     * thread does not keep this web application's classes reachable after an undeploy.
     */
    private final ThreadLocal<AtomicReference<Handle>> slots = ThreadLocal.withInitial(this::register);
    /** Every live thread's slot; written when a thread first schedules, read by the ticker. */
    private final CopyOnWriteArrayList<Slot> registered = new CopyOnWriteArrayList<>();
    /** Deadlines still waiting when their thread scheduled its next one (asynchronous requests). */
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
        if (isVirtual(Thread.currentThread())) {
            // a virtual thread serves one request and ends: a slot each would only be registered and dropped
            Handle h = new Handle(deadlineNanos, task);
            incoming.add(h);
            return h;
        }
        AtomicReference<Handle> slot = slots.get();
        Handle previous = slot.get();
        if (previous != null && previous.state == Handle.WAITING) {
            // its request is still running (asynchronously): the shared queue keeps it from now on
            incoming.add(previous);
        }
        Handle h = new Handle(deadlineNanos, task);
        slot.set(h);
        if (closed) {
            // close() emptied the slots while this was being scheduled: nothing would ever clear this one
            slot.compareAndSet(h, null);
        }
        return h;
    }

    /** {@code Thread.isVirtual()} where the running Java has it (19 and later); this library targets 17. */
    private static final MethodHandle IS_VIRTUAL = isVirtualMethod();

    private static MethodHandle isVirtualMethod() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }

    private static boolean isVirtual(Thread t) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(t);
        } catch (Throwable e) {
            return false;
        }
    }

    private AtomicReference<Handle> register() {
        AtomicReference<Handle> slot = new AtomicReference<>();
        registered.add(new Slot(Thread.currentThread(), slot));
        return slot;
    }

    /** A thread's slot, as the ticker sees it. Immutable. */
    private static final class Slot {
        final WeakReference<Thread> owner;
        final AtomicReference<Handle> latest;

        Slot(Thread owner, AtomicReference<Handle> latest) {
            this.owner = new WeakReference<>(owner);
            this.latest = latest;
        }
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
        for (Slot slot : registered) {
            Thread owner = slot.owner.get();
            boolean dead = owner == null || !owner.isAlive();
            // read after the liveness check: once a thread is seen dead its last write to the slot is visible (its
            // end happens-before isAlive() answers false), while a slot read first could miss the deadline the
            // thread wrote just before it ended, and that deadline would be dropped with the slot
            h = slot.latest.get();
            if (dead) {
                registered.remove(slot);
            }
            if (h == null) {
                continue;
            }
            if (h.state != Handle.WAITING) {
                slot.latest.compareAndSet(h, null); // settled: let its request go (the owner may have moved on)
            } else if (dead || h.deadlineNanos - now <= 0) {
                // the claim below decides, should the owner also queue it as its previous deadline
                slot.latest.compareAndSet(h, null);
                heap.add(h);
            }
        }
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

    /**
     * @return deadlines scheduled and neither fired nor purged yet: waiting ones in threads' slots, and those in the
     *         queue and the heap (cancelled ones there included until purged)
     */
    public int pending() {
        int waiting = 0;
        for (Slot slot : registered) {
            Handle h = slot.latest.get();
            if (h != null && h.state == Handle.WAITING) {
                waiting++;
            }
        }
        return waiting + heap.size() + incoming.size();
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
        for (Slot slot : registered) {
            slot.latest.set(null); // pending deadlines never fire now; threads need not keep them
        }
        if (ticker != null) {
            LockSupport.unpark(ticker);
            answers.shutdown();
        }
    }

    /** One scheduled deadline. Thread-safe: cancel and fire race through a compare-and-set. */
    public static final class Handle {
        private static final AtomicIntegerFieldUpdater<Handle> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Handle.class, "state");
        static final int WAITING = 0;
        private static final int FIRED = 1;
        private static final int CANCELLED = 2;

        private final long deadlineNanos;
        private final Runnable task;
        volatile int state;

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
