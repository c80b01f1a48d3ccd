package dev.seawall.client;

import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.OutboundClients;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SeawallHttpClient} against scripted downstream servers. */
class SeawallHttpClientTest extends OutboundAdapterContract {

    private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private HttpClient http;

    @Override
    void protect(Supplier<OutboundClients> clients, String clientName) {
        http = SeawallHttpClient.wrapClients(jdk, clients, clientName);
    }

    @Override
    Outcome call(String method, URI uri, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Outcome(r.statusCode(), r.body(), null);
        } catch (IOException | RuntimeException e) {
            return new Outcome(0, null, e);
        }
    }

    @Override
    CompletableFuture<Integer> callAsync(URI uri) {
        return http.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
                .thenApply(HttpResponse::statusCode);
    }

    @Override
    Class<? extends Throwable> transportFailure() {
        return IOException.class;
    }

    @Override
    void closeAdapter() {
        // the JDK client holds no thread of ours
    }

    @Test
    void aBodyFromAnInputStreamIsKeptAndSentWholeOnEveryAttempt() throws Exception {
        server.then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "fine"));
        use(client());
        String body = "x".repeat(100_000);
        HttpRequest r = HttpRequest.newBuilder(server.uri("/put"))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))).build();

        assertThat(http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(server.arrivals()).hasSize(2).extracting(ScriptedServer.Arrival::body).containsOnly(body);
    }

    @Test
    void aBodyLargerThanMaxBodyIsSentOnceWholeAndNotRetried() throws Exception {
        server.otherwise(ScriptedServer.status(503, "down"));
        use(client().maxBody(1000));
        String body = "y".repeat(50_000);
        // unknown length: found too large while reading
        HttpRequest streamed = HttpRequest.newBuilder(server.uri("/put"))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))).build();
        assertThat(http.send(streamed, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
        // known length above max-body
        HttpRequest declared = HttpRequest.newBuilder(server.uri("/put"))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        assertThat(http.send(declared, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);

        assertThat(server.arrivals()).hasSize(2).extracting(ScriptedServer.Arrival::body).containsOnly(body);
    }

    @Test
    void aBodyOfManySmallBuffersIsCollectedWhole() throws Exception {
        server.then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "fine"));
        use(client());
        java.util.List<byte[]> parts = new java.util.ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            String p = Integer.toString(i % 10);
            parts.add(p.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            expected.append(p);
        }
        HttpRequest r = HttpRequest.newBuilder(server.uri("/many"))
                .PUT(HttpRequest.BodyPublishers.ofByteArrays(parts)).build();

        assertThat(http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(server.arrivals()).hasSize(2).extracting(ScriptedServer.Arrival::body)
                .containsOnly(expected.toString());
    }

    @Test
    void aPushPromiseRequestIsProtectedWithoutPushes() throws Exception {
        server.then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "fine"));
        use(client());

        HttpResponse<String> r = http.sendAsync(HttpRequest.newBuilder(server.uri("/push")).build(),
                HttpResponse.BodyHandlers.ofString(), (initiating, push, accept) -> {
                    throw new AssertionError("no push is offered");
                }).get(10, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(r.body()).isEqualTo("fine");
        assertThat(server.hits()).isEqualTo(2);
    }

    @Test
    void aRetriedInputStreamResponseIsClosedAndTheLastOneHandedOver() throws Exception {
        server.then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "fine"));
        use(client());

        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(server.uri("/s")).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        try (InputStream in = r.body()) {
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("fine");
        }
        assertThat(server.hits()).isEqualTo(2);
    }

    @Test
    void anInterruptedSendCancelsTheCallAndKeepsTheFlag() throws Exception {
        server.otherwise(server.hang());
        use(client());
        Thread.currentThread().interrupt();
        try {
            http.send(HttpRequest.newBuilder(server.uri("/i")).build(), HttpResponse.BodyHandlers.ofString());
            org.junit.jupiter.api.Assertions.fail("send returned");
        } catch (InterruptedException expected) {
            assertThat(Thread.interrupted()).isTrue();
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> server.hangsClosedByClient() == server.hits());
    }

    @Test
    void theSeawallFactoriesPassRequestsOfAnEngineWithoutClientsUntouched() throws Exception {
        server.otherwise(ScriptedServer.status(503, "down"));
        try (Seawall seawall = Seawall.builder().build()) {
            HttpClient plain = SeawallHttpClient.wrap(jdk, seawall);
            HttpClient supplied = SeawallHttpClient.wrap(jdk, () -> seawall);
            for (HttpClient c : java.util.List.of(plain, supplied)) {
                assertThat(c.send(HttpRequest.newBuilder(server.uri("/p")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
            }
            assertThat(server.hits()).isEqualTo(2);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SeawallHttpClient.wrap(jdk, seawall, "none"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
