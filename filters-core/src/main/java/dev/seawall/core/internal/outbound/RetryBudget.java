package dev.seawall.core.internal.outbound;

import dev.seawall.core.config.RetryBudgetConfig;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A client's retry budget (Finagle's and Linkerd's): every first attempt deposits {@code percent / 100} of a retry and
 * every retry or hedge withdraws one; on top, a floor of {@code min-per-second} retries per second (so
 * {@code min-per-second × window} per window) is always allowed, so that a quiet client can still retry.
 *
 * <p>The deposits are spent in the tenth of the window (a <em>slice</em>) they were made in, never saved up: a retry
 * paid from deposits needs {@code percent / 100 × first attempts − deposit-paid retries ≥ 1} within the current slice.
 * This is what keeps an outage from being amplified at its start: a budget counted over the whole sliding window would
 * let the retries a healthy window saved (a tenth of a window's calls) all be spent in the outage's first moments, and
 * again each time their slice left the window. Only the floor may be spent in a burst: retries paid from it stay
 * within {@code min-per-second × window} over the sliding window. So a dependency that is down sees at most
 * {@code (1 + percent/100)} times the calls made plus twice the window's floor, over any outage; a burst of failures
 * within one slice is retried up to the share of that slice's first attempts, plus what is left of the floor.
 *
 * <p>The window is ten slices, each a set of adders created when its time comes round again, so deposits and
 * withdrawals take no lock and contend only on striped adders. Two races are accepted, both bounded by the calls
 * racing at that instant: a thread may count into a slice that was just replaced (that one count is lost), and
 * threads that read the same last unit of budget together may all withdraw it. Thread-safe.
 */
public final class RetryBudget {

    private static final int SLICES = 10;

    private final double ratio;
    private final long floor;
    private final long sliceNanos;
    private final AtomicReferenceArray<Slice> slices = new AtomicReferenceArray<>(SLICES);

    /** One slice: first attempts, retries paid from its deposits, retries paid from the floor. */
    private record Slice(long epoch, LongAdder deposits, LongAdder paid, LongAdder fromFloor) {
    }

    public RetryBudget(RetryBudgetConfig config) {
        this.ratio = config.percent() / 100.0;
        long windowNanos = config.window().toNanos();
        this.floor = (long) config.minPerSecond() * Math.max(1, config.window().toSeconds());
        this.sliceNanos = Math.max(1, windowNanos / SLICES);
    }

    /** A first attempt was made. */
    public void deposit(long nowNanos) {
        slice(nowNanos).deposits.increment();
    }

    /**
     * Takes one retry from the budget when there is one: from the current slice's deposits first, else from the
     * floor.
     *
     * @return whether the retry may be made
     */
    public boolean tryWithdraw(long nowNanos) {
        Slice current = slice(nowNanos);
        if (current.deposits.sum() * ratio - current.paid.sum() >= 1) {
            current.paid.increment();
            return true;
        }
        if (floor - floorSpent(nowNanos) >= 1) {
            current.fromFloor.increment();
            return true;
        }
        return false;
    }

    /** @return retries the budget allows now: the current slice's deposits' and the floor's (never below zero) */
    public double available(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, sliceNanos);
        Slice current = slices.get(Math.floorMod(epoch, SLICES));
        double fromDeposits = current != null && current.epoch == epoch
                ? Math.max(0, current.deposits.sum() * ratio - current.paid.sum()) : 0;
        return fromDeposits + Math.max(0, floor - floorSpent(nowNanos));
    }

    /** @return retries paid from the floor over the sliding window */
    private long floorSpent(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, sliceNanos);
        long spent = 0;
        for (int i = 0; i < SLICES; i++) {
            Slice s = slices.get(i);
            if (s != null && s.epoch > epoch - SLICES && s.epoch <= epoch) {
                spent += s.fromFloor.sum();
            }
        }
        return spent;
    }

    private Slice slice(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, sliceNanos);
        int i = Math.floorMod(epoch, SLICES);
        Slice s = slices.get(i);
        while (s == null || s.epoch < epoch) {
            Slice fresh = new Slice(epoch, new LongAdder(), new LongAdder(), new LongAdder());
            if (slices.compareAndSet(i, s, fresh)) {
                return fresh;
            }
            s = slices.get(i);
        }
        return s; // the current slice, or (a thread that read the clock late) a newer one: counted there
    }
}
