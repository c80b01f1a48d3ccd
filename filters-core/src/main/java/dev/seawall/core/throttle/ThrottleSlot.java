package dev.seawall.core.throttle;

import dev.seawall.core.chain.Permit;
import dev.seawall.core.http.Outcome;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A slot inside the application, handed out by a {@link ThrottleStage}; freed exactly once, on completion or release.
 * A completion is one sample for the stage's {@link ConcurrencyLimit}; a release (the request never reached the
 * application) is none.
 *
 * <p>Thread-safe: the compare-and-set makes the first settlement the only one, whichever thread it comes from.
 */
final class ThrottleSlot extends AtomicBoolean implements Permit {

    private static final long serialVersionUID = 1L;

    private final transient ThrottleStage stage;
    final transient Object key;
    final long grantedNanos;
    /** requests inside the application when this slot was granted, itself included */
    final int inflightAtGrant;

    ThrottleSlot(ThrottleStage stage, Object key, long grantedNanos, int inflightAtGrant) {
        this.stage = stage;
        this.key = key;
        this.grantedNanos = grantedNanos;
        this.inflightAtGrant = inflightAtGrant;
    }

    @Override
    public void complete(Outcome outcome) {
        if (compareAndSet(false, true)) {
            stage.ended(this, outcome);
        }
    }

    @Override
    public void release() {
        if (compareAndSet(false, true)) {
            stage.ended(this, null);
        }
    }

    /**
     * @return whether an outcome is a sign of overload for the limit: the request timed out, threw, or was answered
     *         5xx. One such outcome is not overload by itself: an adaptive limit backs off only on a window whose
     *         share of drops reaches its {@code drop-share} (10 % by default), so a path that fails fast on a few
     *         per cent of requests does not hold the whole policy at {@code min}, while a dependency timing out or
     *         failing on a large share of calls still lowers the limit. (A breaker refusal never reaches the
     *         throttle's slot: the breaker sits outside the throttle.)
     */
    static boolean dropped(Outcome outcome) {
        return outcome.timedOut() || outcome.failed() || outcome.status() >= 500;
    }
}
