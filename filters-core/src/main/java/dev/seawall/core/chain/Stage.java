package dev.seawall.core.chain;

import dev.seawall.core.http.RequestView;

/**
 * One resilience step of a chain. Implementations are shared by every request of their policy and
 * must be thread-safe; {@link #admit} runs on the hot path, so it must not block on a lock shared by
 * all requests, register meters, parse or compile anything.
 */
public interface Stage {

    /** @return the stage's kind, used for ordering and warnings */
    StageKind kind();

    /** @return a name for logs, metrics and status; bounded (never derived from a request) */
    String name();

    /**
     * Decides on a request.
     *
     * @param request  the request; only read during this call
     * @param nowNanos the chain's clock reading for this request
     * @return a {@link Permit} (admitted) or a {@code Rejection}; never null
     */
    Admission admit(RequestView request, long nowNanos);
}
