package dev.seawall.bench;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.outbound.AttemptContext;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.outbound.ResponseReader;
import dev.seawall.core.outbound.Transport;
import dev.seawall.core.time.NanoClock;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The one place where the benchmarks send a {@code java.net.http} request through Seawall's outbound engine: the
 * engine's {@link OutboundClient#execute} with a small {@link Transport} over {@link HttpClient#sendAsync}. The
 * {@code java.net.http} adapter of the client module ({@code dev.seawall.client.SeawallHttpClient}) does the same
 * job; when it exists, this class is replaced by it and the benchmarks keep their shape ({@link #send},
 * {@link #sendAsync}, {@link #client()}).
 *
 * <p>Thread-safe: the engine's client and the {@link HttpClient} serve every thread; a call's state lives in its
 * own future.
 */
final class SeawallDependencyCall implements AutoCloseable {

    private final OutboundClient client;
    private final HttpClient http;
    private final DeadlineTimer ownTimer;

    SeawallDependencyCall(OutboundClient client, HttpClient http) {
        this(client, http, null);
    }

    private SeawallDependencyCall(OutboundClient client, HttpClient http, DeadlineTimer ownTimer) {
        this.client = client;
        this.http = http;
        this.ownTimer = ownTimer;
    }

    /**
     * A client with Seawall's defaults for {@code 127.0.0.1:port}, as {@code seawall.yaml} with only
     * {@code clients: [{name: dependency, hosts: ["127.0.0.1:<port>"]}]} gives it: 3 attempts, a budget of 10 % of
     * first attempts plus 1 retry a second over 10 s, full jitter from 100 ms, no breaker, no time-out of its own. It
     * owns its timer thread ({@link #close()} stops it).
     */
    static SeawallDependencyCall defaults(int port, HttpClient http) {
        ClientConfig config = ClientConfig.builder("dependency").host("127.0.0.1:" + port).build();
        NanoClock clock = NanoClock.system();
        DeadlineTimer timer = DeadlineTimer.start(clock);
        OutboundClient c = CoreAccess.clients(List.of(config), ClientRuntime.system(clock, timer), null)
                .named("dependency");
        return new SeawallDependencyCall(c, http, timer);
    }

    /** @return the engine's client, for {@link OutboundClient#call} and its counts */
    OutboundClient client() {
        return client;
    }

    /** Sends {@code request} through the client's retries, budget and breakers; completes with the final response. */
    <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        URI uri = request.uri();
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        boolean replayable = request.bodyPublisher().map(p -> p.contentLength() == 0).orElse(true);
        OutboundRequest facts = new OutboundRequest(request.method(), uri.getHost(), port, uri.getRawPath(),
                request.headers().firstValue("Idempotency-Key").isPresent(), replayable);
        Transport<HttpResponse<T>> transport = attempt -> http.sendAsync(forAttempt(request, attempt), body);
        return client.execute(facts, transport, new Reader<>());
    }

    /** {@link #sendAsync}, waiting on the calling thread; the exception of a failed call is rethrown as it came. */
    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        try {
            return sendAsync(request, body).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(cause);
        }
    }

    /** The request of one attempt: bounded by the attempt's time and carrying the deadline header when asked. */
    private static HttpRequest forAttempt(HttpRequest request, AttemptContext attempt) {
        boolean bounded = attempt.timeoutNanos() != Long.MAX_VALUE;
        if (!bounded && attempt.deadlineHeader() == null) {
            return request;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(request, (name, value) -> true);
        if (bounded) {
            b.timeout(Duration.ofNanos(Math.max(1_000_000, attempt.timeoutNanos())));
        }
        if (attempt.deadlineHeader() != null) {
            b.setHeader(attempt.deadlineHeader(), Long.toString(attempt.remainingMillis()));
        }
        return b.build();
    }

    /** Reads statuses and headers of {@code java.net.http} responses; closes a streamed body it is given to drop. */
    private static final class Reader<T> implements ResponseReader<HttpResponse<T>> {
        @Override
        public int status(HttpResponse<T> response) {
            return response.statusCode();
        }

        @Override
        public String header(HttpResponse<T> response, String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        @Override
        public void discard(HttpResponse<T> response) {
            if (response.body() instanceof InputStream in) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // the connection is dropped instead of reused: nothing else to release
                }
            }
        }
    }

    @Override
    public void close() {
        if (ownTimer != null) {
            ownTimer.close();
        }
    }
}
