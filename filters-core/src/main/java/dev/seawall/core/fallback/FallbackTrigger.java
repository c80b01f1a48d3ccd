package dev.seawall.core.fallback;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemTypes;

/**
 * The failures a policy's fallback may answer ({@code on:} in the YAML). Rate-limit and identity
 * rejections are deliberately absent: a client over its quota must see 429, never a substitute. Immutable.
 */
public enum FallbackTrigger {
    /** The circuit breaker is open. */
    CIRCUIT_OPEN("circuit-open"),
    /** The request timed out. */
    TIMEOUT("timeout"),
    /** The application threw, or answered with a 5xx status. */
    ERROR("error"),
    /** The throttle's queue was full or the wait expired. Not answered unless listed. */
    THROTTLED("throttled");

    private final String configName;

    FallbackTrigger(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** @return the trigger of this YAML name, or null */
    public static FallbackTrigger fromConfigName(String name) {
        for (FallbackTrigger t : values()) {
            if (t.configName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** @return the trigger a stage's rejection corresponds to, or null when no fallback may answer it */
    public static FallbackTrigger of(Rejection rejection) {
        return switch (rejection.type()) {
            case ProblemTypes.SERVICE_UNAVAILABLE -> CIRCUIT_OPEN;
            case ProblemTypes.TIMEOUT -> TIMEOUT;
            case ProblemTypes.TEMPORARY_REDUCED_CAPACITY -> THROTTLED;
            default -> null;
        };
    }
}
