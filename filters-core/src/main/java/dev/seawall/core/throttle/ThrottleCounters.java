package dev.seawall.core.throttle;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link ThrottleStage} counts: refusals by reason, shadow mode's would-be refusals by reason, refusals by
 * criticality class, and the waits that ended. Bounded: one adder per reason and per class.
 *
 * <p>Thread-safe: every count is a {@link LongAdder}.
 */
final class ThrottleCounters {

    /** The criticality class names, by queue class (critical is the highest). */
    static final String[] CLASS_NAMES = {"critical", "default", "sheddable"};

    private final LongAdder[] rejected = adders(ThrottleStage.Reason.values().length);
    private final LongAdder[] wouldReject = adders(ThrottleStage.Reason.values().length);
    private final LongAdder[] refusedByClass = adders(CLASS_NAMES.length);
    private final LongAdder queueWaits = new LongAdder();
    private final LongAdder queueWaitNanos = new LongAdder();

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** @return the queue class of a criticality class name, or -1 */
    static int classIndex(String name) {
        for (int i = 0; i < CLASS_NAMES.length; i++) {
            if (CLASS_NAMES[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    void rejected(ThrottleStage.Reason reason) {
        rejected[reason.ordinal()].increment();
    }

    long rejections(ThrottleStage.Reason reason) {
        return rejected[reason.ordinal()].sum();
    }

    void wouldReject(ThrottleStage.Reason reason) {
        wouldReject[reason.ordinal()].increment();
    }

    long wouldRejections(ThrottleStage.Reason reason) {
        return wouldReject[reason.ordinal()].sum();
    }

    long wouldRejectionsTotal() {
        long total = 0;
        for (LongAdder a : wouldReject) {
            total += a.sum();
        }
        return total;
    }

    void refusedClass(int cls) {
        refusedByClass[cls].increment();
    }

    long refused(int cls) {
        return refusedByClass[cls].sum();
    }

    void waited(long nanos) {
        queueWaits.increment();
        queueWaitNanos.add(Math.max(0, nanos));
    }

    long waits() {
        return queueWaits.sum();
    }

    long waitNanos() {
        return queueWaitNanos.sum();
    }
}
