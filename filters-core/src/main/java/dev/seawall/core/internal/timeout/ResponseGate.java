package dev.seawall.core.internal.timeout;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Decides, once, who writes a request's real response: the handler (it finished, or began streaming)
 * or the deadline (the timeout answer). A compare-and-set makes the decision; the loser writes nothing.
 *
 * <p>The gate also interrupts the handler's thread when the deadline wins, and only while that thread is
 * still inside the handler: {@link #handlerReturned()} and the interrupt are ordered by this object's
 * monitor, so a thread that already went back to its pool (serving another request) is never interrupted,
 * and the flag the gate set is cleared before the thread leaves.
 *
 * <p>Who uses it: for a response Seawall holds back, the {@link dev.seawall.core.internal.answer.AnswerArbiter} makes
 * both decisions ({@link #expire()} at the deadline, {@link #finish()} when the application's response is complete) and
 * writes the timeout answer while holding this object's monitor; the adapter's response, which lets the handler write
 * headers onto the real response while it runs, must hold the same monitor for each such write and call
 * {@link #stream()} before it passes output through, so the two never interleave. For a response Seawall does not
 * hold back, {@link dev.seawall.core.internal.answer.UnbufferedDeadline} only records the deadline ({@link
 * #passDeadline()}).
 *
 * <p>Thread-safe. One per request.
 */
public final class ResponseGate {

    /** Nobody has decided yet; the handler writes into a buffer. */
    public static final int RUNNING = 0;
    /** The handler finished in time; it writes the response. */
    public static final int FINISHED = 1;
    /** The handler streams (flushed, or outgrew the buffer); a later deadline is only recorded. */
    public static final int STREAMING = 2;
    /** The deadline won; the handler's output is discarded. */
    public static final int TIMED_OUT = 3;

    private static final AtomicIntegerFieldUpdater<ResponseGate> STATE =
            AtomicIntegerFieldUpdater.newUpdater(ResponseGate.class, "state");

    private volatile int state;
    private volatile boolean deadlinePassed;
    private final Thread handler;
    private boolean inside = true;     // guarded by this
    private boolean interrupted;       // guarded by this

    /** @param handler the thread running the handler (usually the current thread); null: never interrupt */
    public ResponseGate(Thread handler) {
        this.handler = handler;
    }

    /** @return one of {@link #RUNNING}, {@link #FINISHED}, {@link #STREAMING}, {@link #TIMED_OUT} */
    public int state() {
        return state;
    }

    /** The handler completed in time: @return true when it may write the response */
    public boolean finish() {
        return STATE.compareAndSet(this, RUNNING, FINISHED);
    }

    /** The handler needs to stream: @return true when it may pass its output through */
    public boolean stream() {
        return STATE.compareAndSet(this, RUNNING, STREAMING) || state == STREAMING;
    }

    /**
     * The deadline passed. When the deadline wins, interrupts the handler's thread if it is still inside
     * the handler, so an interruptible handler stops early. A streaming handler is left alone: its response
     * is already on the wire, and cutting it would only corrupt it; the overrun is recorded.
     *
     * @return true when the deadline won and the caller must write the timeout answer
     */
    public boolean expire() {
        deadlinePassed = true;
        boolean won = STATE.compareAndSet(this, RUNNING, TIMED_OUT);
        if (won) {
            synchronized (this) {
                if (inside && handler != null) {
                    interrupted = true;
                    handler.interrupt();
                }
            }
        }
        return won;
    }

    /**
     * The deadline passed for a response Seawall does not hold back (buffering off): nothing can be replaced,
     * so the handler is only interrupted, if still inside, and the timeout recorded.
     */
    public void passDeadline() {
        deadlinePassed = true;
        synchronized (this) {
            if (inside && handler != null) {
                interrupted = true;
                handler.interrupt();
            }
        }
    }

    /** @return true when the deadline passed, whoever won (a streaming handler that overran it counts) */
    public boolean deadlinePassed() {
        return deadlinePassed;
    }

    /**
     * Called by the handler's thread when the handler returned (normally or not), before the thread goes
     * back to its pool: no interrupt can reach it after this, and one the gate sent is cleared.
     */
    public void handlerReturned() {
        boolean clear;
        synchronized (this) {
            inside = false;
            clear = interrupted;
        }
        if (clear && Thread.currentThread() == handler) {
            Thread.interrupted();
        }
    }
}
