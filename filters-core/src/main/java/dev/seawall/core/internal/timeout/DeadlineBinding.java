package dev.seawall.core.internal.timeout;

import dev.seawall.core.timeout.Deadline;

/**
 * How the adapters bind a request's {@link Deadline} to the thread that runs the application: never later than a
 * deadline already bound there (stacked Seawall filters, a JAX-RS {@code @Timeout} behind a servlet filter: the
 * earliest bounds the request, as for the timeout answer itself). Stateless; thread-safe.
 */
public final class DeadlineBinding {

    private DeadlineBinding() {
    }

    /**
     * Binds {@code deadline} to the calling thread unless one bound there already passes no later.
     *
     * @param deadline the request's deadline, or null
     * @return the scope to close on this thread when the application returns, or null when nothing was bound
     *         (try-with-resources accepts a null resource)
     */
    public static Deadline.Scope bindEarliest(Deadline deadline) {
        if (deadline == null) {
            return null;
        }
        Deadline outer = Deadline.current();
        // compared as time left, not as clock readings: the two may come from engines with different clocks
        if (outer != null && outer.remainingNanos() <= deadline.remainingNanos()) {
            return null;
        }
        return deadline.bind();
    }
}
