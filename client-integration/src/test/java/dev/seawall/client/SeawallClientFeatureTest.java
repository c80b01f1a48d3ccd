package dev.seawall.client;

import dev.seawall.core.outbound.OutboundClients;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** {@link SeawallClientFeature} on Jersey's client against scripted downstream servers. */
class SeawallClientFeatureTest extends OutboundAdapterContract {

    private Client client;

    @Override
    void protect(Supplier<OutboundClients> clients, String clientName) {
        client = ClientBuilder.newClient().register(SeawallClientFeature.forClients(clients, clientName));
    }

    @Override
    Outcome call(String method, URI uri, String body, String... headers) {
        Invocation.Builder b = client.target(uri).request();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try (Response r = body == null ? b.method(method)
                : b.method(method, Entity.entity(body, MediaType.TEXT_PLAIN_TYPE))) {
            return new Outcome(r.getStatus(), r.readEntity(String.class), null);
        } catch (ProcessingException e) {
            return new Outcome(0, null, e);
        }
    }

    @Override
    CompletableFuture<Integer> callAsync(URI uri) {
        return client.target(uri).request().rx().get().toCompletableFuture().thenApply(r -> {
            r.close();
            return r.getStatus();
        });
    }

    @Override
    Class<? extends Throwable> transportFailure() {
        return ProcessingException.class;
    }

    @Override
    void closeAdapter() {
        if (client != null) {
            client.close();
        }
    }
}
