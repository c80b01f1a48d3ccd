package dev.seawall.core.outbound;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.outbound.ClientCore;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.outbound.ClientTable;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The outbound clients of one configuration ({@code clients:}), found by name or by an outbound request's host and
 * path. Immutable and thread-safe; a reload builds a new one, keeping each client whose settings did not change (its
 * budget, breakers and counts).
 */
public final class OutboundClients {

    static {
        CoreAccess.registerClients(new CoreAccess.ClientsAccess() {
            @Override
            public OutboundClients build(List<ClientConfig> configs, ClientRuntime runtime, OutboundClients previous) {
                return of(configs, runtime, previous);
            }

            @Override
            public ClientCore core(OutboundClient client) {
                return client.core();
            }
        });
    }

    /** No clients. */
    public static final OutboundClients NONE = new OutboundClients(List.of());

    private final List<OutboundClient> clients;
    private final ClientTable<OutboundClient> table = new ClientTable<>();

    private OutboundClients(List<OutboundClient> clients) {
        this.clients = List.copyOf(clients);
        for (OutboundClient c : this.clients) {
            table.add(c.config(), c);
        }
    }

    /**
     * Builds the clients of a configuration; a client whose settings equal one of {@code previous} is carried over.
     * For Seawall's engine; not part of the API.
     */
    static OutboundClients of(List<ClientConfig> configs, ClientRuntime runtime, OutboundClients previous) {
        if (configs.isEmpty()) {
            return NONE;
        }
        List<OutboundClient> out = new ArrayList<>();
        for (ClientConfig c : configs) {
            OutboundClient kept = previous == null ? null : previous.find(c.name());
            out.add(kept != null && kept.config().equals(c) ? kept : new OutboundClient(c, runtime));
        }
        return new OutboundClients(out);
    }

    /** @return every client, in configuration order */
    public List<OutboundClient> all() {
        return clients;
    }

    /** @return whether there is no client */
    public boolean isEmpty() {
        return clients.isEmpty();
    }

    /**
     * @return the client with this name
     * @throws IllegalArgumentException naming the clients there are, when none has this name
     */
    public OutboundClient named(String name) {
        OutboundClient c = find(name);
        if (c == null) {
            List<String> names = new ArrayList<>();
            for (OutboundClient o : clients) {
                names.add(o.name());
            }
            throw new IllegalArgumentException("no Seawall client is named \"" + name + "\" (clients: "
                    + (names.isEmpty() ? "none configured" : String.join(", ", names)) + ")");
        }
        return c;
    }

    /** @return the client with this name, or null */
    public OutboundClient find(String name) {
        for (OutboundClient c : clients) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /**
     * @param host the request's host (any case; IPv6 in brackets, as {@link URI#getHost()} gives it)
     * @param port the request's port, or -1 for the scheme's default (pass it resolved when you can)
     * @param path the request's path, without the query
     * @return the most specific client for the request, or null when none matches (the call goes out unprotected)
     */
    public OutboundClient match(String host, int port, String path) {
        return table.match(host, port, path);
    }

    /** @return the client for a request URI, or null; the port defaults to the scheme's (80, 443) */
    public OutboundClient match(URI uri) {
        return match(uri.getHost(), port(uri), uri.getRawPath());
    }

    /** @return the URI's port, or its scheme's default port (80 for http, 443 for https), or -1 */
    public static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "http", "ws" -> 80;
            case "https", "wss" -> 443;
            default -> -1;
        };
    }
}
