package dev.seawall.client;

import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Configuration;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.WriterInterceptor;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The transport-only clients that send the attempts of the caller's clients: one per runtime configuration (a
 * client's, or a {@code WebTarget}'s with components of its own), built from it with its properties, SSL context, hostname verifier, Jersey connector,
 * and only the components that write a request entity ({@code MessageBodyWriter}, {@code WriterInterceptor},
 * {@code ContextResolver}); no request or response filter and no feature, so that the caller's filters run once per
 * call, on the caller's own invocation, and a response reaches the caller with its bytes as the server sent them.
 *
 * <p>Kept in a weak map by configuration: a transport client lives as long as the configuration it copies. Its
 * connector is not closed explicitly (the caller's client gives no signal when it closes); Jersey's default
 * {@code HttpURLConnection} connector holds nothing that needs it. Thread-safe.
 */
final class TransportClients {

    private static final Class<?>[] KEPT = {MessageBodyWriter.class, WriterInterceptor.class, ContextResolver.class};

    private final Map<Configuration, Client> clients = new WeakHashMap<>();
    private volatile Last last;

    /**
     * @param config the invocation's runtime configuration: a client's, or a {@code WebTarget}'s with components of
     *               its own; Jersey makes a new one when either is changed after use, so a later registration is seen
     */
    Client of(Client caller, Configuration config) {
        Last l = last;
        if (l != null && l.config.get() == config) {
            return l.client; // the usual case, one configuration: no lock, no hashing of the configuration
        }
        Client t;
        synchronized (this) {
            t = clients.get(config);
            if (t == null) {
                t = build(caller, config);
                clients.put(config, t);
            }
        }
        last = new Last(new WeakReference<>(config), t);
        return t;
    }

    /** The configuration served last, held weakly, with its transport client. */
    private record Last(WeakReference<Configuration> config, Client client) {
    }

    private static Client build(Client caller, Configuration config) {
        ClientBuilder b = ClientBuilder.newBuilder();
        for (Map.Entry<String, Object> p : config.getProperties().entrySet()) {
            if (p.getValue() != null) {
                b.property(p.getKey(), p.getValue());
            }
        }
        try {
            b.sslContext(caller.getSslContext());
        } catch (RuntimeException e) {
            // no SSL context of its own: the transport's default
        }
        if (caller.getHostnameVerifier() != null) {
            b.hostnameVerifier(caller.getHostnameVerifier());
        }
        copyConnector(config, b.getConfiguration());
        for (Class<?> c : config.getClasses()) {
            Map<Class<?>, Integer> contracts = kept(config.getContracts(c));
            if (!contracts.isEmpty()) {
                b.register(c, contracts);
            }
        }
        for (Object o : config.getInstances()) {
            Map<Class<?>, Integer> contracts = kept(config.getContracts(o.getClass()));
            if (!contracts.isEmpty()) {
                b.register(o, contracts);
            }
        }
        return b.build();
    }

    private static Map<Class<?>, Integer> kept(Map<Class<?>, Integer> contracts) {
        Map<Class<?>, Integer> out = new LinkedHashMap<>();
        for (Class<?> k : KEPT) {
            Integer priority = contracts.get(k);
            if (priority != null) {
                out.put(k, priority);
            }
        }
        return out;
    }

    /**
     * Jersey keeps its connector provider (Apache, Jetty, ...) in its {@code ClientConfig}, not in a property: copied
     * by name, so that this module needs no Jersey type. Other implementations have no such method.
     */
    private static void copyConnector(Configuration from, Configuration to) {
        try {
            Method get = from.getClass().getMethod("getConnectorProvider");
            Object provider = get.invoke(from);
            if (provider != null) {
                to.getClass().getMethod("connectorProvider", get.getReturnType()).invoke(to, provider);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not Jersey, or a Jersey without the method: the transport's default connector
        }
    }
}
