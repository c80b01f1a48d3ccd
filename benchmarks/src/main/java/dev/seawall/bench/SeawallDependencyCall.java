package dev.seawall.bench;

import dev.seawall.client.SeawallHttpClient;
import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.OutboundClient;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The one place where the benchmarks send a {@code java.net.http} request through Seawall: {@link SeawallHttpClient}
 * wrapping the benchmark's {@link HttpClient}, on an engine whose {@code seawall.yaml} holds only
 * {@code clients: [{name: dependency, hosts: ["127.0.0.1:<port>"]}]} — every outbound default.
 *
 * <p>Thread-safe: the engine and the wrapped client serve every thread.
 */
final class SeawallDependencyCall implements AutoCloseable {

    private final Seawall engine;
    private final SeawallHttpClient http;

    private SeawallDependencyCall(Seawall engine, HttpClient http) {
        this.engine = engine;
        this.http = SeawallHttpClient.wrap(http, engine);
    }

    /**
     * Seawall's defaults for {@code 127.0.0.1:port}: 3 attempts, a budget of 10 % of first attempts (spent in the second
     * they were made) plus 1 retry a second over 10 s, full jitter from 100 ms, no breaker, no time-out of its own. The
     * engine owns its timer thread ({@link #close()} stops it).
     */
    static SeawallDependencyCall defaults(int port, HttpClient http) {
        Seawall engine = Seawall.builder().yaml("outage.yaml", """
                clients:
                  - name: dependency
                    hosts: ["127.0.0.1:%d"]
                """.formatted(port)).build();
        return new SeawallDependencyCall(engine, http);
    }

    /** @return the engine's client, for {@link OutboundClient#call} and its counts */
    OutboundClient client() {
        return engine.client("dependency");
    }

    /** @return the engine, for the other client kinds */
    Seawall engine() {
        return engine;
    }

    /** @return the wrapped client */
    SeawallHttpClient http() {
        return http;
    }

    /** Sends {@code request} through the client's retries and budget; completes with the final response. */
    <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        return http.sendAsync(request, body);
    }

    /** The blocking {@code send}: every attempt on the calling thread. */
    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        return http.send(request, body);
    }

    @Override
    public void close() {
        engine.close();
    }
}
