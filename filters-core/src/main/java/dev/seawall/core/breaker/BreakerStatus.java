package dev.seawall.core.breaker;

/**
 * What a status page shows of a {@link BreakerStage}. An immutable snapshot.
 *
 * @param breaker     the breaker's name (shared breakers carry their own name, otherwise the policy's)
 * @param state       {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN} or {@code FORCED_OPEN}
 * @param failureRate the failure rate in percent over the window; -1 while fewer than minimum-calls calls are
 *                    recorded; null while the breaker is forced open, when no call is recorded and so no rate is
 *                    measured
 * @param shadow      whether the stage only records and reports, never refusing
 * @param shared      whether the breaker's state is shared across nodes ({@code circuit-breaker.shared})
 * @param degraded    for a shared breaker: whether this node judges alone now, its store unreachable
 */
public record BreakerStatus(String breaker, String state, Float failureRate, boolean shadow, boolean shared,
                            boolean degraded) {

    /** A breaker of this node only. */
    public BreakerStatus(String breaker, String state, Float failureRate, boolean shadow) {
        this(breaker, state, failureRate, shadow, false, false);
    }
}
