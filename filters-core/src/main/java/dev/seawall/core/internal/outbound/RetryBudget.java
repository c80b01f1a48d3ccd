package dev.seawall.core.internal.outbound;

import dev.seawall.core.config.RetryBudgetConfig;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A client's retry budget (Finagle's and Linkerd's): every first attempt deposits {@code percent / 100} of a retry,
 * every retry or hedge withdraws one, and a deposit counts for {@code window}; on top, {@code min-per-second} retries
 * per second of the window are always allowed. A dependency that is down therefore sees at most
 * {@code (1 + percent/100)} times the calls made, plus the floor, however many attempts each call may make.
 *
 * <p>The window is ten slices, each a pair of adders created when its time comes round again, so deposits and
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

    private record Slice(long epoch, LongAdder deposits, LongAdder withdrawals) {
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
     * Takes one retry from the budget when there is one.
     *
     * @return whether the retry may be made
     */
    public boolean tryWithdraw(long nowNanos) {
        if (available(nowNanos) < 1) {
            return false;
        }
        slice(nowNanos).withdrawals.increment();
        return true;
    }

    /** @return retries the budget allows now (may be fractional, never below zero) */
    public double available(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, sliceNanos);
        long deposits = 0;
        long withdrawals = 0;
        for (int i = 0; i < SLICES; i++) {
            Slice s = slices.get(i);
            if (s != null && s.epoch > epoch - SLICES && s.epoch <= epoch) {
                deposits += s.deposits.sum();
                withdrawals += s.withdrawals.sum();
            }
        }
        return Math.max(0, deposits * ratio + floor - withdrawals);
    }

    private Slice slice(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, sliceNanos);
        int i = Math.floorMod(epoch, SLICES);
        Slice s = slices.get(i);
        while (s == null || s.epoch < epoch) {
            Slice fresh = new Slice(epoch, new LongAdder(), new LongAdder());
            if (slices.compareAndSet(i, s, fresh)) {
                return fresh;
            }
            s = slices.get(i);
        }
        return s; // the current slice, or (a thread that read the clock late) a newer one: counted there
    }
}
