package dev.seawall.core.internal.answer;

import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.timeout.TimeoutStage;

/**
 * The deadline of a request whose response Seawall does not hold back (the policy's buffer is 0): nothing can be
 * replaced, so at the deadline the handler's thread is only interrupted, if it is still inside the handler, and the
 * overrun is counted ({@link TimeoutStage#overran()}). The outcome reports the timeout through
 * {@link #deadlinePassed()}.
 *
 * <p>Thread-safe: armed and ended on the request's thread, fired on a timer thread; the {@link ResponseGate}'s
 * monitor orders the interrupt against {@link #handlerReturned()}.
 */
public final class UnbufferedDeadline {

    private final ResponseGate gate;
    private final DeadlineTimer.Handle handle;

    private UnbufferedDeadline(ResponseGate gate, DeadlineTimer.Handle handle) {
        this.gate = gate;
        this.handle = handle;
    }

    /**
     * @param handler the thread running the handler, interrupted at the deadline while inside it; null: never
     */
    public static UnbufferedDeadline arm(TimeoutStage timeout, DeadlineTimer timer, long appStartNanos,
                                         Thread handler) {
        return arm(timeout, timer, appStartNanos, timeout.afterNanos(), handler);
    }

    /**
     * @param afterNanos the request's own timeout ({@link TimeoutStage#afterNanos(dev.seawall.core.http.RequestView)})
     * @param handler    the thread running the handler, interrupted at the deadline while inside it; null: never
     */
    public static UnbufferedDeadline arm(TimeoutStage timeout, DeadlineTimer timer, long appStartNanos,
                                         long afterNanos, Thread handler) {
        ResponseGate gate = new ResponseGate(handler);
        DeadlineTimer.Handle h = timer.schedule(appStartNanos + afterNanos, () -> {
            gate.passDeadline();
            timeout.overran();
        });
        return new UnbufferedDeadline(gate, h);
    }

    /** @return the gate that records the deadline and guards the interrupt */
    public ResponseGate gate() {
        return gate;
    }

    /** @return whether the deadline passed while the handler ran */
    public boolean deadlinePassed() {
        return gate.deadlinePassed();
    }

    /**
     * On the handler's thread, once the handler returned: no interrupt can reach the thread after this (one sent is
     * cleared), and the deadline is cancelled.
     */
    public void handlerReturned() {
        gate.handlerReturned();
        handle.cancel();
    }
}
