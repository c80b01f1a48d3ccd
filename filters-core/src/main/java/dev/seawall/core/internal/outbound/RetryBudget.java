package dev.seawall.core.internal.outbound;

import dev.seawall.core.config.RetryBudgetConfig;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A client's retry budget (Finagle's and Linkerd's): every first attempt deposits {@code percent / 100} of a retry and
 * every retry or hedge withdraws one; and a floor of {@code min-per-second × window} retries per sliding window is
 * always allowed, so that a quiet client can still retry.
 *
 * <p><b>Deposits are spent in the twentieth of the window they were made in</b> (a <em>slice</em>, 500 ms by default),
 * never saved up: a retry paid from deposits needs {@code percent / 100 × first attempts − deposit-paid retries ≥ 1}
 * within the current slice. A budget counted over the whole sliding window would let the retries a healthy window
 * saved (a tenth of a window's calls) be spent in the first moments of an outage, and again each time their slice left
 * the window; the outage benchmark measured 1.6× the incoming rate in an outage's first second that way. Only what
 * the healthy part of the outage's first slice deposited carries over.
 *
 * <p><b>The floor is a minimum, not an addition</b>: a retry the slice's deposits cannot pay is paid from the floor
 * only while all the retries of the sliding window number fewer than the floor. A busy client's retries are thus
 * {@code percent} of its calls, with no floor on top; a quiet one's are at least the floor (and may come in a burst).
 * So a dependency that is down sees at most {@code max(1 + percent/100 times the calls made, the calls plus the
 * floor)}, plus one slice's carry, over any outage.
 *
 * <p>Slices are sets of adders created when their time comes round again, so deposits and withdrawals take no lock
 * and contend only on striped adders. Two races are accepted, both bounded by the calls racing at that instant: a
 * thread may count into a slice that was just replaced (that one count is lost), and threads that read the same last
 * unit of budget together may all withdraw it. Thread-safe.
 */
public final class RetryBudget {

    private static final int SLICES = 20;

    private final double ratio;
    private final long floor;
    private final long sliceNanos;
    private final AtomicReferenceArray<Slice> slices = new AtomicReferenceArray<>(SLICES);

    /** One slice: first attempts, retries paid from its deposits, all retries made in it. */
    private record Slice(long epoch, LongAdder deposits, LongAdder paid, LongAdder retries) {
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
     * Takes one retry from the budget when there is one: from the current slice's deposits, else from the floor.
     *
     * @return whether the retry may be made
     */
    public boolean tryWithdraw(long nowNanos) {
        Slice current = slice(nowNanos);
        if (current.deposits.sum() * ratio - current.paid.sum() >= 1) {
            current.paid.increment();
            current.retries.increment();
            return true;
        }
        if (floor - retriesInWindow(nowNanos) >= 1) {
            current.retries.increment();
            return true;
        }
        return false;
    }

    /** @return retries the budget allows now: the current slice's deposits' or the floor's, whichever is more */
    public double available(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, sliceNanos);
        Slice current = slices.get(Math.floorMod(epoch, SLICES));
        double fromDeposits = current != null && current.epoch == epoch
                ? Math.max(0, current.deposits.sum() * ratio - current.paid.sum()) : 0;
        return Math.max(fromDeposits, floor - retriesInWindow(nowNanos));
    }

    /** @return every retry made over the sliding window */
    private long retriesInWindow(long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, sliceNanos);
        long n = 0;
        for (int i = 0; i < SLICES; i++) {
            Slice s = slices.get(i);
            if (s != null && s.epoch > epoch - SLICES && s.epoch <= epoch) {
                n += s.retries.sum();
            }
        }
        return n;
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
