package dev.seawall.client;

import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.AttemptContext;
import dev.seawall.core.outbound.FailureClassifier;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.outbound.ResponseReader;
import dev.seawall.core.outbound.Transport;
import dev.seawall.core.timeout.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A {@link HttpClient} whose requests to a configured dependency go through Seawall's outbound engine: retries with
 * backoff, jitter and a retry budget, {@code Retry-After}, a breaker per host, a bulkhead, attempt and total
 * time-outs, hedging and the inbound request's deadline, as the client's entry in {@code clients:} says. This class
 * only translates; every decision is the engine's ({@link OutboundClient#execute}).
 *
 * <pre>{@code
 * HttpClient http = SeawallHttpClient.wrap(HttpClient.newHttpClient(), liveSeawall::current);
 * HttpResponse<String> r = http.send(request, BodyHandlers.ofString());
 * }</pre>
 *
 * <p><b>Which requests</b>: a request whose URI matches a client ({@link OutboundClients#match(URI)}), or every
 * request when the wrapper is bound to a named client; any other request goes to the wrapped client untouched.
 * Everything else ({@code executor()}, {@code sslContext()}, WebSockets, ...) is the wrapped client's.
 *
 * <p><b>Attempts</b>: each attempt is a copy of the request with {@link HttpRequest.Builder#timeout} set to the
 * attempt's time (the shorter of the request's own and the engine's), so the JDK aborts a hung exchange rather than
 * leaving it open, and, when {@code timeout.deadline-header} is set, that header carrying the call's time left in
 * milliseconds. An attempt the engine cancels (time-out, a hedge that lost) is cancelled in the JDK, which aborts
 * its exchange. A request with an {@code Idempotency-Key} header may be retried whatever its method.
 *
 * <p><b>What is retried</b>: what the client's {@code retry} allows, and only a request whose body can be sent
 * again. A body is read once, up to {@code max-body} bytes, and each attempt sends those bytes; a larger body
 * ({@link HttpRequest.BodyPublisher#contentLength()} above {@code max-body}, or found larger while reading) is sent
 * once, whole, and never retried or hedged. The body is read on the thread that calls {@code send} or
 * {@code sendAsync} (the JDK's publishers hand their bytes over synchronously). A response that is not returned (a
 * failed attempt retried, a hedge that lost) is released: an {@code InputStream} or {@code Stream} body is closed,
 * a {@code Publisher} body is cancelled; other body handlers have read their body already.
 *
 * <p><b>Threads</b>: {@code send} runs every attempt as a blocking {@code send} of the wrapped client on the calling
 * thread, which sleeps between attempts (the caller waits anyway; handing each exchange to the client's executor and
 * back cost several times a bare call); only a client with {@code hedge} uses the asynchronous path for {@code send},
 * since a hedge needs a second attempt in flight. {@code sendAsync} holds no thread between attempts.
 *
 * <p><b>Failures</b>: {@code send} throws what the JDK throws ({@code IOException}s such as
 * {@code HttpTimeoutException} or {@code ConnectException}, unchecked exceptions as they are), or
 * {@link OutboundException} when Seawall ended the call without an answer (breaker open, bulkhead full, no time
 * left, cut at {@code timeout.total}). An interrupted {@code send} cancels the call and throws
 * {@link InterruptedException} with the thread's interrupt flag set. {@code sendAsync}'s future fails with the same
 * exceptions; cancelling it cancels the call.
 *
 * <p><b>HTTP/2 push</b>: {@link #sendAsync(HttpRequest, HttpResponse.BodyHandler, HttpResponse.PushPromiseHandler)}
 * for a protected request is protected like the others and sent without its push promise handler: pushes are
 * refused, since an attempt that is retried or loses a hedge would hand the caller pushes of an exchange it never
 * sees. A WARN says so once per wrapper. Unprotected requests keep their handler.
 *
 * <p>Thread-safe, like the client it wraps; share one instance.
 */
public final class SeawallHttpClient extends HttpClient {

    private static final Logger LOG = LoggerFactory.getLogger(SeawallHttpClient.class);
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final HttpClient delegate;
    private final ClientResolver resolver;
    private volatile boolean pushWarned;

    private SeawallHttpClient(HttpClient delegate, ClientResolver resolver) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.resolver = resolver;
    }

    /** Protects the requests that match a client of {@code seawall} ({@code clients:}). */
    public static SeawallHttpClient wrap(HttpClient client, Seawall seawall) {
        return new SeawallHttpClient(client, new ClientResolver(ClientResolver.of(seawall), null));
    }

    /**
     * Protects the requests that match a client of the engine {@code seawall} supplies at the time of each request:
     * pass {@code liveSeawall::current} to follow configuration reloads.
     */
    public static SeawallHttpClient wrap(HttpClient client, Supplier<Seawall> seawall) {
        return new SeawallHttpClient(client, new ClientResolver(ClientResolver.of(seawall), null));
    }

    /**
     * Protects every request with the client named {@code clientName}, whatever its host.
     *
     * @throws IllegalArgumentException when {@code seawall} has no client of that name
     */
    public static SeawallHttpClient wrap(HttpClient client, Seawall seawall, String clientName) {
        Objects.requireNonNull(clientName, "clientName");
        seawall.client(clientName);
        return new SeawallHttpClient(client, new ClientResolver(ClientResolver.of(seawall), clientName));
    }

    /**
     * Protects every request with the client named {@code clientName} in the engine {@code seawall} supplies at the
     * time of each request; while the current configuration has no such client, requests go out unprotected (a WARN
     * says so once).
     */
    public static SeawallHttpClient wrap(HttpClient client, Supplier<Seawall> seawall, String clientName) {
        Objects.requireNonNull(clientName, "clientName");
        return new SeawallHttpClient(client, new ClientResolver(ClientResolver.of(seawall), clientName));
    }

    /** For tests: protects with the given clients directly. */
    static SeawallHttpClient wrapClients(HttpClient client, Supplier<OutboundClients> clients, String clientName) {
        return new SeawallHttpClient(client, new ClientResolver(clients, clientName));
    }

    /** @return the wrapped client */
    public HttpClient delegate() {
        return delegate;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        OutboundClient client = resolver.resolve(request.uri());
        if (client == null) {
            return delegate.send(request, handler);
        }
        if (client.config().hedge() != null) {
            // a hedge needs a second attempt in flight: the asynchronous driver, waited for here
            CompletableFuture<HttpResponse<T>> call = protect(client, request, handler);
            try {
                return call.get();
            } catch (InterruptedException e) {
                call.cancel(true);
                Thread.currentThread().interrupt();
                throw e;
            } catch (ExecutionException e) {
                throw Failures.rethrow(e);
            }
        }
        return sendBlocking(client, request, handler);
    }

    /**
     * Every attempt a blocking {@code send} of the wrapped client on this thread, which sleeps between attempts: the
     * caller waits anyway, and {@code sendAsync} would hand each exchange to the client's executor and back.
     */
    private <T> HttpResponse<T> sendBlocking(OutboundClient client, HttpRequest request,
                                             HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        Objects.requireNonNull(handler, "handler");
        RequestBody body;
        try {
            body = RequestBody.of(request, client.config().maxBody()).get();
        } catch (ExecutionException e) {
            throw Failures.rethrow(e);
        }
        try {
            return client.executeBlocking(what(request, body), attempt -> delegate.send(attempt(request, body,
                    attempt), handler), new Reader<>(), FailureClassifier.DEFAULT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's interrupt: kept, as the call is abandoned
            throw e;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            body.release();
        }
    }

    private static OutboundRequest what(HttpRequest request, RequestBody body) {
        URI uri = request.uri();
        return new OutboundRequest(request.method(), uri.getHost(), OutboundClients.port(uri), uri.getRawPath(),
                request.headers().firstValue(IDEMPOTENCY_KEY).isPresent(), body.replayable());
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                                                            HttpResponse.BodyHandler<T> handler) {
        OutboundClient client = resolver.resolve(request.uri());
        if (client == null) {
            return delegate.sendAsync(request, handler);
        }
        return protect(client, request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        OutboundClient client = resolver.resolve(request.uri());
        if (client == null) {
            return delegate.sendAsync(request, handler, pushPromiseHandler);
        }
        if (pushPromiseHandler != null && !pushWarned) {
            pushWarned = true;
            LOG.warn("Seawall client '{}': HTTP/2 push promises are refused for protected requests (an attempt may"
                    + " be retried or cancelled); the request itself is protected", client.name());
        }
        return protect(client, request, handler);
    }

    private <T> CompletableFuture<HttpResponse<T>> protect(OutboundClient client, HttpRequest request,
                                                           HttpResponse.BodyHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
        Deadline deadline = Deadline.current(); // the caller's: a body read asynchronously ends on another thread
        RequestBody.of(request, client.config().maxBody()).whenComplete((body, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            Deadline.Scope scope = deadline != null && Deadline.current() != deadline ? deadline.bind() : null;
            try {
                execute(client, request, handler, body, result);
            } finally {
                if (scope != null) {
                    scope.close();
                }
            }
        });
        return result;
    }

    private <T> void execute(OutboundClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler,
                             RequestBody body, CompletableFuture<HttpResponse<T>> result) {
        OutboundRequest what = what(request, body);
        Transport<HttpResponse<T>> transport = attempt -> delegate.sendAsync(attempt(request, body, attempt),
                handler);
        CompletableFuture<HttpResponse<T>> call = client.execute(what, transport, new Reader<>());
        call.whenComplete((r, t) -> {
            body.release();
            if (t != null) {
                result.completeExceptionally(t);
            } else if (!result.complete(r)) {
                Reader.release(r); // the caller cancelled first
            }
        });
        result.whenComplete((r, t) -> {
            if (result.isCancelled()) {
                call.cancel(true);
            }
        });
    }

    /** The request of one attempt: the caller's, with the attempt's time-out, deadline header and body. */
    private static HttpRequest attempt(HttpRequest request, RequestBody body, AttemptContext attempt) {
        HttpRequest.Builder b = HttpRequest.newBuilder(request, (name, value) -> true);
        if (!body.original()) {
            b.method(request.method(), body.publisher());
        }
        if (attempt.timeoutNanos() != Long.MAX_VALUE) {
            Duration t = Duration.ofNanos(attempt.timeoutNanos());
            Optional<Duration> own = request.timeout();
            b.timeout(own.isPresent() && own.get().compareTo(t) < 0 ? own.get() : t);
            if (attempt.deadlineHeader() != null) {
                b.setHeader(attempt.deadlineHeader(), Long.toString(attempt.remainingMillis()));
            }
        }
        return b.build();
    }

    /** What the engine reads from a {@code java.net.http} response. Stateless. */
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
            release(response);
        }

        static void release(HttpResponse<?> response) {
            Object body = response.body();
            try {
                if (body instanceof InputStream in) {
                    in.close();
                } else if (body instanceof Stream<?> s) {
                    s.close();
                } else if (body instanceof Flow.Publisher<?> p) {
                    cancel(p);
                }
            } catch (IOException | RuntimeException e) {
                // a response being dropped: its connection is closed either way
            }
        }

        @SuppressWarnings("unchecked")
        private static void cancel(Flow.Publisher<?> publisher) {
            ((Flow.Publisher<List<ByteBuffer>>) publisher).subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    s.cancel();
                }

                @Override
                public void onNext(List<ByteBuffer> item) {
                    // cancelled
                }

                @Override
                public void onError(Throwable t) {
                    // cancelled
                }

                @Override
                public void onComplete() {
                    // cancelled
                }
            });
        }
    }

    // --- everything else is the wrapped client's

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }

    // --- the life-cycle methods of newer JDKs (21+), delegated when the running JDK has them

    private static final MethodHandle SHUTDOWN = handle("shutdown", MethodType.methodType(void.class));
    private static final MethodHandle SHUTDOWN_NOW = handle("shutdownNow", MethodType.methodType(void.class));
    private static final MethodHandle AWAIT = handle("awaitTermination",
            MethodType.methodType(boolean.class, Duration.class));
    private static final MethodHandle TERMINATED = handle("isTerminated", MethodType.methodType(boolean.class));
    private static final MethodHandle CLOSE = handle("close", MethodType.methodType(void.class));

    private static MethodHandle handle(String name, MethodType type) {
        try {
            return MethodHandles.publicLookup().findVirtual(HttpClient.class, name, type);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // a JDK before 21
        }
    }

    /** Shuts the wrapped client down (JDK 21 and later; nothing before). */
    public void shutdown() {
        invoke(SHUTDOWN);
    }

    /** Shuts the wrapped client down now (JDK 21 and later; nothing before). */
    public void shutdownNow() {
        invoke(SHUTDOWN_NOW);
    }

    /** Closes the wrapped client (JDK 21 and later; nothing before). */
    public void close() {
        invoke(CLOSE);
    }

    /**
     * Waits for the wrapped client to terminate (JDK 21 and later).
     *
     * @return whether it terminated; false on a JDK before 21
     */
    public boolean awaitTermination(Duration duration) throws InterruptedException {
        if (AWAIT == null) {
            return false;
        }
        try {
            return (boolean) AWAIT.invoke(delegate, duration);
        } catch (InterruptedException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** @return whether the wrapped client terminated (JDK 21 and later); false on a JDK before 21 */
    public boolean isTerminated() {
        if (TERMINATED == null) {
            return false;
        }
        try {
            return (boolean) TERMINATED.invoke(delegate);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void invoke(MethodHandle h) {
        if (h == null) {
            return;
        }
        try {
            h.invoke(delegate);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public String toString() {
        return "SeawallHttpClient[" + delegate + "]";
    }
}
