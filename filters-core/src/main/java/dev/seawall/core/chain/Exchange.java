package dev.seawall.core.chain;

import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One request's passage through a {@link Chain}: the permits it holds, or the rejection that stopped it.
 *
 * <p>Thread-safe for settlement: {@link #complete(Outcome)} and {@link #release()} may race (the request
 * thread finishing while an async listener reports a disconnect); a compare-and-set lets exactly one of
 * them settle the permits, inner to outer, and makes every later call a no-op.
 */
public final class Exchange {

    private static final AtomicIntegerFieldUpdater<Exchange> SETTLED =
            AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "settled");

    private final Permit[] permits;
    private final int count;
    private final Rejection rejection;
    private final long startNanos;
    @SuppressWarnings("unused") // written through SETTLED
    private volatile int settled;

    Exchange(Permit[] permits, int count, Rejection rejection, long startNanos) {
        this.permits = permits;
        this.count = count;
        this.rejection = rejection;
        this.startNanos = startNanos;
        // a rejected exchange has already released what it took inside Chain.admit
        this.settled = rejection == null ? 0 : 1;
    }

    /** @return true when every stage admitted the request */
    public boolean admitted() {
        return rejection == null;
    }

    /** @return the rejection to send, or null when admitted */
    public Rejection rejection() {
        return rejection;
    }

    /** @return the clock reading at admission, the start of {@link Outcome#elapsedNanos()} */
    public long startNanos() {
        return startNanos;
    }

    /** Writes the headers of every permit, outer to inner, onto an admitted response. */
    public void writeHeaders(HeaderSink headers) {
        for (int i = 0; i < count; i++) {
            permits[i].writeHeaders(headers);
        }
    }

    /**
     * Reports the application's outcome to every permit, inner to outer. Only the first settlement
     * counts.
     *
     * @return true when this call settled the exchange
     */
    public boolean complete(Outcome outcome) {
        if (!SETTLED.compareAndSet(this, 0, 1)) {
            return false;
        }
        for (int i = count - 1; i >= 0; i--) {
            permits[i].complete(outcome);
        }
        return true;
    }

    /**
     * Gives every permit back, inner to outer: the request never reached the application. Only the
     * first settlement counts.
     *
     * @return true when this call settled the exchange
     */
    public boolean release() {
        if (!SETTLED.compareAndSet(this, 0, 1)) {
            return false;
        }
        Chain.releaseAll(permits, count);
        return true;
    }

    /** @return true once the exchange was completed, released or rejected */
    public boolean settled() {
        return settled != 0;
    }
}
