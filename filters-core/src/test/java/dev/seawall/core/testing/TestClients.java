package dev.seawall.core.testing;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.time.NanoClock;

import java.util.List;

/**
 * Outbound clients made straight from their configuration records, on the system clock and a timer of their own, for
 * tests outside the shipped modules (which may not reach the engine's internals) that need a client without a
 * {@code clients:} block in YAML. Close it to stop the timer. Thread-safe.
 */
public final class TestClients implements AutoCloseable {

    private final DeadlineTimer timer = DeadlineTimer.start(NanoClock.system());

    /** @return a client with {@code config}'s settings, as the engine would build it from {@code clients:} */
    public OutboundClient client(ClientConfig config) {
        return CoreAccess.clients(List.of(config), ClientRuntime.system(NanoClock.system(), timer), null)
                .named(config.name());
    }

    @Override
    public void close() {
        timer.close();
    }
}
