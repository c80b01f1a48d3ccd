package dev.seawall.cli.internal;

import dev.seawall.core.fallback.FallbackHandler;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.http.RequestView;

/**
 * <b>Internal</b>. Stands in for an application's fallback handler that is not on the tool's class path, so that
 * the rest of a policy is still built and checked. Never answers a request: the tool serves none. Stateless and thread-safe.
 */
public final class UncheckedHandler implements FallbackHandler {

    @Override
    public FallbackResponse handle(FallbackTrigger trigger, RequestView request) {
        throw new UnsupportedOperationException("the command-line tool serves no request");
    }
}
