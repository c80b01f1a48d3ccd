package dev.seawall.core.event;

import dev.seawall.core.fallback.FallbackTrigger;

import java.util.Objects;

/**
 * A policy's fallback answered. Immutable and thread-safe.
 *
 * @param policy  the policy's name
 * @param trigger what the fallback answered for (breaker open, timeout, error, throttled)
 * @param source  {@code cache} for a stale copy, {@code fallback} for the fallback response (the value of
 *                {@code X-Data-Source})
 * @param status  the status of the answer sent
 */
public record FallbackServed(String policy, FallbackTrigger trigger, String source, int status) {

    public FallbackServed {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(source, "source");
    }
}
