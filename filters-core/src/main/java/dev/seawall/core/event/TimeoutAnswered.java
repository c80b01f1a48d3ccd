package dev.seawall.core.event;

import java.time.Duration;
import java.util.Objects;

/**
 * A policy's timeout answered a request at its deadline, while the application still ran. Immutable and thread-safe.
 *
 * @param policy   the policy's name
 * @param after    the request's timeout (the policy's, or the shorter one the client asked for)
 * @param fallback whether a fallback answered (then {@link SeawallListener#onFallback} reports it as well) rather than
 *                 the timeout problem
 */
public record TimeoutAnswered(String policy, Duration after, boolean fallback) {

    public TimeoutAnswered {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(after, "after");
    }
}
