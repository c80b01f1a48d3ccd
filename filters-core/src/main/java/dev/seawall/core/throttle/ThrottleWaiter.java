package dev.seawall.core.throttle;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Deferral;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request waiting for a slot of a {@link ThrottleStage}; a node of its class's {@link WaitQueue} while queued. It
 * is decided exactly once (granted, refused at its deadline, displaced, or cancelled): {@link #decide} is a
 * compare-and-set, and the callback runs at most once, after the stage released its lock.
 *
 * <p>Thread-safe: the queue links are guarded by the stage's lock; the outcome and the callback are atomic.
 */
final class ThrottleWaiter extends WaitQueue.Node<ThrottleWaiter> implements Deferral {

    /** logs under the stage's name: the stage is what operators configure */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ThrottleStage.class);

    private final ThrottleStage stage;
    final Object key;
    /** the queue class, {@link PriorityClassifier#HIGH} to {@link PriorityClassifier#LOW} */
    final int priority;
    final long enqueuedNanos;
    final long deadlineNanos;
    private final AtomicReference<Admission> outcome = new AtomicReference<>();
    private final AtomicReference<Runnable> callback = new AtomicReference<>();
    private final AtomicBoolean callbackRan = new AtomicBoolean();

    ThrottleWaiter(ThrottleStage stage, Object key, int priority, long enqueuedNanos, long deadlineNanos) {
        this.stage = stage;
        this.key = key;
        this.priority = priority;
        this.enqueuedNanos = enqueuedNanos;
        this.deadlineNanos = deadlineNanos;
    }

    boolean decide(Admission decision) {
        return outcome.compareAndSet(null, decision);
    }

    void runCallback() {
        Runnable cb = callback.get();
        if (cb != null && callbackRan.compareAndSet(false, true)) {
            cb.run();
        }
    }

    @Override
    public Admission outcome() {
        return outcome.get();
    }

    @Override
    public void onDecided(Runnable cb) {
        if (!callback.compareAndSet(null, Objects.requireNonNull(cb, "callback"))) {
            throw new IllegalStateException("a deferral takes one callback");
        }
        if (outcome.get() != null) {
            runCallback();
        }
    }

    @Override
    public void cancel() {
        if (stage.cancel(this)) {
            return;
        }
        // already decided: a granted slot nobody will use goes back
        Admission a = outcome.get();
        if (a != null) {
            a.permit().release();
        }
    }

    @Override
    public void expire(long nowNanos) {
        if (outcome.get() != null || deadlineNanos - nowNanos > 0) {
            return;
        }
        stage.expire(nowNanos);
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * Runs each decided waiter's callback. A callback runs on the thread that decided (often another request's
     * thread finishing), so one that throws must not break that request or the waiters after it.
     */
    static void runCallbacks(List<ThrottleWaiter> decided) {
        for (ThrottleWaiter w : decided) {
            try {
                w.runCallback();
            } catch (RuntimeException e) {
                LOG.warn("Seawall: handing a decided throttle wait back to its request failed ({}); the adapter"
                        + " must settle it", e.getClass().getSimpleName());
            }
        }
    }
}
