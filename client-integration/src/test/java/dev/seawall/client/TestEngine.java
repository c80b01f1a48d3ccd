package dev.seawall.client;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import dev.seawall.core.time.NanoClock;

import java.util.List;
import java.util.function.Supplier;

/** The outbound clients of a test, on the system clock and a real timer thread. */
final class TestEngine implements AutoCloseable {

    private final DeadlineTimer timer = DeadlineTimer.start(NanoClock.system());
    private final OutboundClients clients;

    TestEngine(ClientConfig... configs) {
        clients = CoreAccess.clients(List.of(configs), ClientRuntime.system(NanoClock.system(), timer), null);
    }

    Supplier<OutboundClients> supplier() {
        return () -> clients;
    }

    OutboundClient client(String name) {
        return clients.named(name);
    }

    @Override
    public void close() {
        timer.close();
    }
}
