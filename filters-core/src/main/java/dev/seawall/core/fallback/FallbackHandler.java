package dev.seawall.core.fallback;

import dev.seawall.core.http.RequestView;

/**
 * An application's own fallback ({@code fallback: {handler: com.example.MyFallback}}), instantiated once
 * through its public no-argument constructor when the configuration loads.
 *
 * <p>Implementations must be thread-safe and fast: they may run on a Seawall timeout thread at the
 * deadline, while the request's handler still runs. They must not block on the failing dependency. An
 * exception thrown here is logged and the request gets Seawall's problem answer instead; its message is
 * never shown to the client.
 */
@FunctionalInterface
public interface FallbackHandler {

    /**
     * @param trigger what failed
     * @param request the request (read only; valid during this call)
     * @return the response to send, or null to let Seawall answer with its problem response
     */
    FallbackResponse handle(FallbackTrigger trigger, RequestView request);
}
