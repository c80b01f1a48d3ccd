package dev.seawall.client;

import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import dev.seawall.core.outbound.OutboundException;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Protects the calls of a Jakarta REST client ({@code jakarta.ws.rs.client.Client}; Jersey's is the tested
 * implementation) with Seawall's outbound engine: retries with backoff, jitter and a retry budget,
 * {@code Retry-After}, a breaker per host, a bulkhead, attempt and total time-outs, hedging and the inbound request's
 * deadline, as the matching entry of {@code clients:} says. Every decision is the engine's
 * ({@link OutboundClient#execute}); this feature only translates.
 *
 * <pre>{@code
 * Client client = ClientBuilder.newClient().register(new SeawallClientFeature(liveSeawall::current));
 * }</pre>
 *
 * <p><b>How</b>: the feature registers a {@code ClientRequestFilter} with the highest priority number, so it runs
 * after the application's request filters. For a request whose URI matches a client (or every request, for the
 * named-client form), it sends the request through the engine and {@code abortWith}s the caller's invocation with the
 * final response; synchronous, {@code async()} and {@code rx()} invocations all get it, and the caller's response
 * filters run once, on that response. The attempts run on the thread running the request filters (the caller's for a
 * synchronous call, the implementation's executor for an asynchronous one), as synchronous invocations on the
 * transport client, with a sleep between them: that thread waits for the call anyway, and handing each attempt to
 * the implementation's executor and back cost about as much again as a loopback call. A client with {@code hedge}
 * sends its attempts asynchronously instead, since a hedge needs a second attempt in flight, and the filter waits for
 * the call, at most {@code timeout.total} or the deadline's share when either is set.
 *
 * <p><b>The inbound deadline</b> ({@code dev.seawall.core.timeout.Deadline#current()}) is read on the thread that runs
 * the request filters. A synchronous invocation on the request's thread has it; for {@code async()} and {@code rx()}
 * invocations Jersey runs the filters on its own executor, so the deadline applies there only when that executor
 * carries it (an executor service that runs each task under {@code Deadline.wrap}, given to
 * {@code ClientBuilder.executorService}); otherwise only the client's own {@code timeout} bounds the call.
 *
 * <p><b>Re-sending</b>, the choice and why: each attempt is sent on a <em>transport-only client</em>, built once per
 * runtime configuration of the caller's {@code Client} (or {@code WebTarget}, when it registers components of its
 * own) from that configuration: the same properties, SSL context, hostname verifier and
 * (Jersey) connector, and only the components that write an entity ({@code MessageBodyWriter},
 * {@code WriterInterceptor}, {@code ContextResolver}, including those the caller's features registered). So every
 * attempt's entity is serialized by the caller's own writers, while no request or response filter runs in the
 * attempts: the caller's request filters ran once already (their headers are copied into each attempt, so a filter
 * that adds a header never adds it twice), and its response filters run once, on the final response. The
 * alternative, an inner invocation on the caller's own client marked to pass this filter, was rejected: in Jersey
 * every request filter of that client runs again for each attempt (duplicating headers that filters add) and every
 * response filter runs on each attempt's response and again on the aborted one. Components registered only as a class
 * implementing both a filter and a writer are copied as writers only.
 *
 * <p><b>Attempts</b>: each attempt carries the request's headers and properties, Jersey's
 * {@code jersey.config.client.readTimeout} and {@code connectTimeout} set to the attempt's time (or the caller's own,
 * when shorter), so a hung connection is closed by the connector, and the {@code timeout.deadline-header} with the
 * call's time left. An attempt the engine ends (time-out, a hedge that lost) has its future cancelled; a connector
 * blocked in a read (Jersey's default {@code HttpURLConnection} one) gives up at that read time-out. A request with
 * an {@code Idempotency-Key} header may be retried whatever its method.
 *
 * <p><b>What is retried</b>: what the client's {@code retry} allows, and only a request whose entity can be sent
 * again. Entities are serialized anew for each attempt, except those that can be read once: an {@code InputStream} or
 * {@code Reader} entity is read ahead up to {@code max-body} bytes (characters for a reader) and each attempt sends
 * that copy; a {@code StreamingOutput} is written into memory up to {@code max-body}. A longer one is sent once,
 * whole (for a {@code StreamingOutput}, its bytes handed over to the attempt as it writes them, at most
 * 64 KB waiting), and never retried or hedged. Any other entity (a string, bytes, a file, an object for a writer) is
 * taken to serialize the same way every time; one that wraps a stream (a multipart part built on an
 * {@code InputStream}, a {@code DataSource}) should be read into memory by the caller before it is sent.
 *
 * <p><b>The response</b> handed to the caller carries the status, the headers and the whole entity, read into memory
 * (at most 64 MB; a longer body fails the call with an
 * {@code IOException}) so that the attempt's connection is freed at once. Responses not handed over (a retried
 * failure, a hedge that lost) are closed.
 *
 * <p><b>Failures</b> reach the caller as the implementation reports them: Jersey throws (or fails the future with) a
 * {@code ProcessingException} whose cause is the attempt's own failure, or an {@link OutboundException} when Seawall
 * ended the call without an answer (breaker open, bulkhead full, no time left, cut at {@code timeout.total}).
 *
 * <p>Requests that match no client pass untouched. Thread-safe: one instance may be registered in many clients.
 */
public final class SeawallClientFeature implements Feature {

    private final ClientResolver resolver;

    /** Protects the requests that match a client of {@code seawall} ({@code clients:}). */
    public SeawallClientFeature(Seawall seawall) {
        this(new ClientResolver(ClientResolver.of(seawall), null));
    }

    /**
     * Protects the requests that match a client of the engine {@code seawall} supplies at the time of each request:
     * pass {@code liveSeawall::current} to follow configuration reloads.
     */
    public SeawallClientFeature(Supplier<Seawall> seawall) {
        this(new ClientResolver(ClientResolver.of(seawall), null));
    }

    /**
     * Protects every request with the client named {@code clientName}, whatever its host.
     *
     * @throws IllegalArgumentException when {@code seawall} has no client of that name
     */
    public SeawallClientFeature(Seawall seawall, String clientName) {
        this(new ClientResolver(ClientResolver.of(checked(seawall, clientName)), clientName));
    }

    /**
     * Protects every request with the client named {@code clientName} in the engine {@code seawall} supplies at the
     * time of each request; while the current configuration has no such client, requests go out unprotected (a WARN
     * says so once).
     */
    public SeawallClientFeature(Supplier<Seawall> seawall, String clientName) {
        this(new ClientResolver(ClientResolver.of(seawall), Objects.requireNonNull(clientName, "clientName")));
    }

    private SeawallClientFeature(ClientResolver resolver) {
        this.resolver = resolver;
    }

    /** For tests: protects with the given clients directly. */
    static SeawallClientFeature forClients(Supplier<OutboundClients> clients, String clientName) {
        return new SeawallClientFeature(new ClientResolver(clients, clientName));
    }

    private static Seawall checked(Seawall seawall, String clientName) {
        Objects.requireNonNull(clientName, "clientName");
        seawall.client(clientName);
        return seawall;
    }

    /** Registers the filter on a client's configuration; does nothing (returns false) on a server's. */
    @Override
    public boolean configure(FeatureContext context) {
        if (context.getConfiguration().getRuntimeType() != RuntimeType.CLIENT) {
            return false;
        }
        context.register(new SeawallRequestFilter(resolver), Integer.MAX_VALUE);
        return true;
    }
}
