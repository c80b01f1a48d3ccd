package dev.seawall.client;

import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Finds the configured client for an outbound request: the named one when the adapter was given a name, else the one
 * whose {@code hosts} and {@code paths} match the URI. The clients are read from the supplier on every request, so a
 * supplier such as {@code LiveSeawall::current} makes the adapter follow reloads. Thread-safe.
 */
final class ClientResolver {

    private static final Logger LOG = LoggerFactory.getLogger(ClientResolver.class);

    private final Supplier<OutboundClients> clients;
    private final String name;
    private volatile boolean missingWarned;

    ClientResolver(Supplier<OutboundClients> clients, String name) {
        this.clients = Objects.requireNonNull(clients, "clients");
        this.name = name;
    }

    static Supplier<OutboundClients> of(Seawall seawall) {
        Objects.requireNonNull(seawall, "seawall");
        return seawall::clients;
    }

    static Supplier<OutboundClients> of(Supplier<Seawall> seawall) {
        Objects.requireNonNull(seawall, "seawall");
        return () -> {
            Seawall s = seawall.get();
            return s == null ? OutboundClients.NONE : s.clients();
        };
    }

    /** @return the client for the request, or null when it goes out unprotected */
    OutboundClient resolve(URI uri) {
        OutboundClients all = clients.get();
        if (all == null) {
            return null;
        }
        if (name != null) {
            OutboundClient c = all.find(name);
            if (c == null && !missingWarned) {
                missingWarned = true;
                LOG.warn("Seawall: no client is named '{}' in the current configuration; requests of the adapter"
                        + " bound to it go out unprotected until it is configured again", name);
            }
            return c;
        }
        if (uri == null || uri.getHost() == null) {
            return null;
        }
        return all.match(uri);
    }
}
