package dev.seawall.client;

import dev.seawall.core.outbound.OutboundClients;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.ext.MessageBodyWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

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

    /** An entity type only the caller's own writer knows. */
    record Money(int amount, String currency) {
    }

    /** Writes {@link Money} as {@code 5 EUR}. */
    static final class MoneyWriter implements MessageBodyWriter<Money> {
        @Override
        public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
            return type == Money.class;
        }

        @Override
        public void writeTo(Money m, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                            MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
            out.write((m.amount() + " " + m.currency()).getBytes(StandardCharsets.UTF_8));
        }
    }

    private void retryingPosts() {
        server.then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "fine"));
        use(client().maxBody(1000));
    }

    private Response post(Entity<?> entity) {
        return client.target(server.uri("/post")).request().header("Idempotency-Key", "k").post(entity);
    }

    @Test
    void eachAttemptIsSerializedByTheCallersOwnWriters() {
        retryingPosts();
        client.register(new MoneyWriter());

        try (Response r = post(Entity.entity(new Money(5, "EUR"), MediaType.TEXT_PLAIN_TYPE))) {
            assertThat(r.getStatus()).isEqualTo(200);
        }
        assertThat(server.arrivals()).hasSize(2).extracting(ScriptedServer.Arrival::body).containsOnly("5 EUR");
        assertThat(server.arrivals()).extracting(a -> a.header("Content-Type")).containsOnly("text/plain");
    }

    @Test
    void aWriterRegisteredOnTheTargetOnlyIsUsedToo() {
        retryingPosts();

        try (Response r = client.target(server.uri("/post")).register(new MoneyWriter()).request()
                .header("Idempotency-Key", "k").post(Entity.entity(new Money(7, "CHF"), MediaType.TEXT_PLAIN_TYPE))) {
            assertThat(r.getStatus()).isEqualTo(200);
        }
        assertThat(server.arrivals()).hasSize(2).extracting(ScriptedServer.Arrival::body).containsOnly("7 CHF");
    }

    @Test
    void theCallersFiltersRunOnceAndTheirHeadersAreNeverDoubled() {
        retryingPosts();
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger responses = new AtomicInteger();
        client.register((ClientRequestFilter) ctx -> {
            requests.incrementAndGet();
            ctx.getHeaders().add("X-Trace", "t-1");
        });
        client.register((ClientResponseFilter) (req, res) -> {
            responses.incrementAndGet();
            res.getHeaders().add("X-Seen", "yes");
        });

        try (Response r = client.target(server.uri("/get")).request().get()) {
            assertThat(r.getStatus()).isEqualTo(200);
            assertThat(r.getStringHeaders().get("X-Seen")).containsExactly("yes");
            assertThat(r.readEntity(String.class)).isEqualTo("fine");
        }
        assertThat(requests).hasValue(1);
        assertThat(responses).hasValue(1);
        assertThat(server.arrivals()).hasSize(2).extracting(a -> a.header("X-Trace")).containsOnly("t-1");
    }

    @Test
    void asyncAndRxInvocationsGetTheFinalResponse() throws Exception {
        server.then(ScriptedServer.status(503, "down")).then(ScriptedServer.status(200, "async"))
                .then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "rx"));
        use(client());

        try (Response r = client.target(server.uri("/a")).request().async().get().get(10, TimeUnit.SECONDS)) {
            assertThat(r.readEntity(String.class)).isEqualTo("async");
        }
        try (Response r = client.target(server.uri("/b")).request().rx().get().toCompletableFuture()
                .get(10, TimeUnit.SECONDS)) {
            assertThat(r.readEntity(String.class)).isEqualTo("rx");
        }
        assertThat(server.hits()).isEqualTo(4);
    }

    @Test
    void readOnceEntitiesAreKeptUpToMaxBodyAndRetried() {
        retryingPosts();
        String small = "s".repeat(900);
        StreamingOutput streaming = out -> out.write(small.getBytes(StandardCharsets.UTF_8));

        for (Entity<?> e : List.of(
                Entity.entity(new ByteArrayInputStream(small.getBytes(StandardCharsets.UTF_8)),
                        MediaType.TEXT_PLAIN_TYPE),
                Entity.entity(new StringReader(small), MediaType.TEXT_PLAIN_TYPE),
                Entity.entity(streaming, MediaType.TEXT_PLAIN_TYPE))) {
            server.then(ScriptedServer.status(503, "down"));
            try (Response r = post(e)) {
                assertThat(r.getStatus()).isEqualTo(200);
            }
        }
        // the first 503 of retryingPosts() and one per entity: two attempts each, the whole body every time
        assertThat(server.arrivals()).hasSize(7).extracting(ScriptedServer.Arrival::body).containsOnly(small);
    }

    @Test
    void readOnceEntitiesLargerThanMaxBodyAreSentOnceWhole() {
        server.otherwise(ScriptedServer.status(503, "down"));
        use(client().maxBody(1000));
        String large = "L".repeat(300_000);
        StreamingOutput streaming = out -> {
            byte[] b = large.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < b.length; i += 7000) {
                out.write(b, i, Math.min(7000, b.length - i));
            }
        };

        for (Entity<?> e : List.of(
                Entity.entity(new ByteArrayInputStream(large.getBytes(StandardCharsets.UTF_8)),
                        MediaType.TEXT_PLAIN_TYPE),
                Entity.entity(new StringReader(large), MediaType.TEXT_PLAIN_TYPE),
                Entity.entity(streaming, MediaType.TEXT_PLAIN_TYPE))) {
            try (Response r = post(e)) {
                assertThat(r.getStatus()).isEqualTo(503);
            }
        }
        assertThat(server.arrivals()).hasSize(3).extracting(ScriptedServer.Arrival::body).containsOnly(large);
    }
}
