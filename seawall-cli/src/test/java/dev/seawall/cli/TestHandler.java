package dev.seawall.cli;

import dev.seawall.core.fallback.FallbackHandler;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.http.RequestView;

import java.util.List;

/** An application's fallback handler, on the tests' class path. Stateless and thread-safe. */
public final class TestHandler implements FallbackHandler {

    @Override
    public FallbackResponse handle(FallbackTrigger trigger, RequestView request) {
        return new FallbackResponse(200, List.of(), new byte[0], "test");
    }
}
