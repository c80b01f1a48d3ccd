package dev.seawall.core.event;

import java.util.List;
import java.util.Objects;

/**
 * A circuit breaker changed state. Immutable and thread-safe.
 *
 * @param breaker  the breaker's name (a named breaker may serve several policies)
 * @param policies the policies using the breaker, in configuration order
 * @param from     the state before
 * @param to       the state after
 * @param cause    what moved it
 */
public record BreakerTransition(String breaker, List<String> policies, State from, State to, Cause cause) {

    public BreakerTransition {
        Objects.requireNonNull(breaker, "breaker");
        policies = List.copyOf(policies);
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(cause, "cause");
    }

    /** A breaker's state, as the status page and {@code seawall.breaker.state} show it. */
    public enum State { CLOSED, OPEN, HALF_OPEN, FORCED_OPEN }

    /** What moved a breaker. */
    public enum Cause {
        /** The failure rate over the window (failures and slow calls, which count as failures) reached the threshold. */
        FAILURE_RATE,
        /** {@code open-for} elapsed: the next request moved the breaker to half-open to let probes through. */
        OPEN_TIME_ELAPSED,
        /** The half-open probes succeeded: the breaker closed. */
        PROBES_SUCCEEDED,
        /** The half-open probes failed: the breaker opened again. */
        PROBES_FAILED,
        /** An operator forced the breaker open (status page, actuator, {@code Breaker.forceOpen()}). */
        FORCED_OPEN,
        /** An operator closed the breaker (status page, actuator, {@code Breaker.close()}). */
        FORCED_CLOSED
    }
}
