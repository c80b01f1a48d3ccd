package dev.seawall.client;

import dev.seawall.core.outbound.AttemptContext;
import dev.seawall.core.outbound.FailureClassifier;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import dev.seawall.core.outbound.OutboundRequest;
import dev.seawall.core.outbound.ResponseReader;
import dev.seawall.core.outbound.Transport;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.client.InvocationCallback;
import jakarta.ws.rs.core.GenericEntity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.Variant;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.SequenceInputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The request filter {@link SeawallClientFeature} registers last in the chain: it sends a matching request through
 * the outbound engine, each attempt on the transport-only client of {@link TransportClients}, and aborts the caller's
 * invocation with the final response, buffered. See {@link SeawallClientFeature} for the contract. Thread-safe.
 */
final class SeawallRequestFilter implements ClientRequestFilter {

    /** Jersey's per-request read and connect time-outs, in milliseconds (other implementations ignore them). */
    static final String READ_TIMEOUT = "jersey.config.client.readTimeout";
    static final String CONNECT_TIMEOUT = "jersey.config.client.connectTimeout";
    /** The largest response body handed to the caller: it is held in memory for the aborted invocation. */
    static final int MAX_RESPONSE_BODY = 64 * 1024 * 1024;
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** Headers the entity's variant sets, or the transport computes, per attempt. */
    private static final Set<String> NOT_COPIED = Set.of("content-type", "content-length", "content-language",
            "transfer-encoding");

    private final ClientResolver resolver;
    private final TransportClients transports = new TransportClients();

    SeawallRequestFilter(ClientResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public void filter(ClientRequestContext ctx) throws IOException {
        OutboundClient client = resolver.resolve(ctx.getUri());
        if (client == null) {
            return;
        }
        Client transport = transports.of(ctx.getClient(), ctx.getConfiguration());
        long maxBody = client.config().maxBody();
        Object entity = ctx.hasEntity() ? ctx.getEntity() : null;
        CompletableFuture<Response> call;
        IOException writeError = null;
        if (entity instanceof StreamingOutput so) {
            Spill spill = new Spill(maxBody, client, ctx, transport);
            try {
                so.write(spill);
                spill.close();
            } catch (IOException | RuntimeException e) {
                spill.failed();
                if (spill.call == null) {
                    throw e;
                }
                writeError = e instanceof IOException io ? io : new IOException(e);
            }
            call = spill.call != null ? spill.call
                    : start(client, ctx, transport, new Body(spill.bytes(), byte[].class, true));
        } else if (client.config().hedge() == null) {
            // no hedge: every attempt a synchronous invocation on this thread, which waits for the call anyway
            ctx.abortWith(buffered(sendBlocking(client, ctx, transport,
                    Body.of(entity, ctx.getEntityType(), maxBody))));
            return;
        } else {
            call = start(client, ctx, transport, Body.of(entity, ctx.getEntityType(), maxBody));
        }
        Response last = await(call);
        if (writeError != null) {
            last.close();
            throw writeError;
        }
        ctx.abortWith(buffered(last));
    }

    /** The entity of every attempt, and whether there may be more than one. */
    record Body(Object entity, Type type, boolean replayable) {

        static Body of(Object entity, Type type, long maxBody) throws IOException {
            if (entity instanceof InputStream in) {
                byte[] head = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
                if (head.length <= maxBody) {
                    in.close(); // read whole, as the writer sending it would have closed it
                    return new Body(head, byte[].class, true);
                }
                return new Body(new SequenceInputStream(new ByteArrayInputStream(head), in), InputStream.class, false);
            }
            if (entity instanceof Reader r) {
                StringBuilder sb = new StringBuilder();
                char[] buf = new char[8192];
                int n;
                while (sb.length() <= maxBody && (n = r.read(buf, 0, (int) Math.min(buf.length,
                        maxBody + 1 - sb.length()))) > 0) {
                    sb.append(buf, 0, n);
                }
                if (sb.length() <= maxBody) {
                    r.close();
                    return new Body(sb.toString(), String.class, true);
                }
                return new Body(new PrefixedReader(sb.toString(), r), Reader.class, false);
            }
            return new Body(entity, type, true);
        }
    }

    private CompletableFuture<Response> start(OutboundClient client, ClientRequestContext ctx, Client transport,
                                              Body body) {
        Transport<Response> t = attempt -> send(ctx, transport, body, attempt);
        return client.execute(what(ctx, body), t, READER);
    }

    private static OutboundRequest what(ClientRequestContext ctx, Body body) {
        URI uri = ctx.getUri();
        return new OutboundRequest(ctx.getMethod(), uri.getHost(), OutboundClients.port(uri), uri.getRawPath(),
                ctx.getHeaderString(IDEMPOTENCY_KEY) != null, body.replayable());
    }

    /** The attempts as synchronous invocations on the transport client, on this thread (the blocking driver). */
    private static Response sendBlocking(OutboundClient client, ClientRequestContext ctx, Client transport, Body body)
            throws IOException {
        try {
            return client.executeBlocking(what(ctx, body), attempt -> {
                Invocation.Builder b = attempt(ctx, transport, attempt);
                return body.entity() == null ? b.method(ctx.getMethod())
                        : b.method(ctx.getMethod(), entity(ctx, body));
            }, READER, FailureClassifier.DEFAULT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException("interrupted while waiting for the outbound call");
            io.initCause(e);
            throw io;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Sends one attempt on the transport client; its future is cancelled by the engine at the attempt's end. */
    private static CompletableFuture<Response> send(ClientRequestContext ctx, Client transport, Body body,
                                                    AttemptContext attempt) {
        Invocation.Builder b = attempt(ctx, transport, attempt);
        CompletableFuture<Response> f = new CompletableFuture<>();
        InvocationCallback<Response> callback = new InvocationCallback<>() {
            @Override
            public void completed(Response response) {
                if (!f.complete(response)) {
                    response.close(); // the attempt was cancelled meanwhile
                }
            }

            @Override
            public void failed(Throwable error) {
                f.completeExceptionally(error);
            }
        };
        Future<Response> sent = body.entity() == null ? b.async().method(ctx.getMethod(), callback)
                : b.async().method(ctx.getMethod(), entity(ctx, body), callback);
        f.whenComplete((r, t) -> {
            if (f.isCancelled()) {
                sent.cancel(true);
            }
        });
        return f;
    }

    /** One attempt's invocation: the request's headers and properties, the attempt's time-outs and deadline header. */
    private static Invocation.Builder attempt(ClientRequestContext ctx, Client transport, AttemptContext attempt) {
        Invocation.Builder b = transport.target(ctx.getUri()).request();
        String deadline = attempt.timeoutNanos() == Long.MAX_VALUE ? null : attempt.deadlineHeader();
        for (Map.Entry<String, List<String>> h : ctx.getStringHeaders().entrySet()) {
            String lower = h.getKey().toLowerCase(Locale.ROOT);
            if (NOT_COPIED.contains(lower) || deadline != null && lower.equals(deadline.toLowerCase(Locale.ROOT))) {
                continue;
            }
            for (String v : h.getValue()) {
                b.header(h.getKey(), v);
            }
        }
        for (String name : ctx.getPropertyNames()) {
            b.property(name, ctx.getProperty(name));
        }
        if (attempt.timeoutNanos() != Long.MAX_VALUE) {
            long ms = Math.max(1, (attempt.timeoutNanos() + 999_999) / 1_000_000);
            b.property(READ_TIMEOUT, millis(ctx, READ_TIMEOUT, ms));
            b.property(CONNECT_TIMEOUT, millis(ctx, CONNECT_TIMEOUT, ms));
        }
        if (deadline != null) {
            b.header(deadline, Long.toString(attempt.remainingMillis()));
        }
        return b;
    }

    /** @return the shorter of the attempt's time and the one the caller set, in milliseconds */
    private static int millis(ClientRequestContext ctx, String property, long attemptMillis) {
        Object own = ctx.getProperty(property);
        if (own == null) {
            own = ctx.getConfiguration().getProperty(property);
        }
        long ms = attemptMillis;
        if (own instanceof Number n && n.longValue() > 0) {
            ms = Math.min(ms, n.longValue());
        } else if (own instanceof String s) {
            try {
                long v = Long.parseLong(s.trim());
                if (v > 0) {
                    ms = Math.min(ms, v);
                }
            } catch (NumberFormatException e) {
                // not a number: the attempt's time alone
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    private static Entity<?> entity(ClientRequestContext ctx, Body body) {
        MediaType type = ctx.getMediaType();
        Locale language = ctx.getLanguage();
        Variant variant = type == null && language == null
                ? new Variant(MediaType.APPLICATION_OCTET_STREAM_TYPE, (Locale) null, null)
                : new Variant(type, language, null);
        Annotation[] annotations = ctx.getEntityAnnotations();
        Object e = body.entity();
        Object value = body.type() == null || body.type().equals(e.getClass()) || !(body.type()
                instanceof java.lang.reflect.ParameterizedType) ? e : new GenericEntity<>(e, body.type());
        return Entity.entity(value, variant, annotations);
    }

    /** Waits for the call; interrupted, it cancels the call and keeps the interrupt flag set. */
    private static Response await(CompletableFuture<Response> call) throws IOException {
        try {
            return call.get();
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException("interrupted while waiting for the outbound call");
            io.initCause(e);
            throw io;
        } catch (ExecutionException e) {
            throw Failures.rethrow(e);
        }
    }

    /** The final response, its entity read whole (at most {@link #MAX_RESPONSE_BODY} bytes) and its connection freed. */
    static Response buffered(Response r) throws IOException {
        try {
            Response.ResponseBuilder b = Response.status(r.getStatus(), r.getStatusInfo().getReasonPhrase());
            for (Map.Entry<String, List<String>> h : r.getStringHeaders().entrySet()) {
                for (String v : h.getValue()) {
                    b.header(h.getKey(), v);
                }
            }
            if (r.hasEntity()) {
                InputStream in = r.readEntity(InputStream.class);
                byte[] bytes = in.readNBytes(MAX_RESPONSE_BODY + 1);
                if (bytes.length > MAX_RESPONSE_BODY) {
                    throw new IOException("the response body is larger than " + MAX_RESPONSE_BODY
                            + " bytes, the most a protected JAX-RS call hands over");
                }
                b.entity(bytes);
            }
            return b.build();
        } catch (RuntimeException e) {
            throw new IOException("reading the response failed", e);
        } finally {
            r.close();
        }
    }

    static final ResponseReader<Response> READER = new ResponseReader<>() {
        @Override
        public int status(Response response) {
            return response.getStatus();
        }

        @Override
        public String header(Response response, String name) {
            return response.getStringHeaders().getFirst(name);
        }

        @Override
        public void discard(Response response) {
            try {
                response.close();
            } catch (RuntimeException e) {
                // a response being dropped: its connection is closed either way
            }
        }
    };

    /**
     * Where a {@code StreamingOutput} writes: memory up to {@code max-body}; past it the call starts at once with the
     * bytes so far and the rest handed over through a {@link ChunkPipe} as the transport sends them (one attempt).
     */
    private final class Spill extends OutputStream {
        private final long max;
        private final OutboundClient client;
        private final ClientRequestContext ctx;
        private final Client transport;
        private ByteArrayOutputStream memory = new ByteArrayOutputStream();
        private ChunkPipe pipe;
        CompletableFuture<Response> call;

        Spill(long max, OutboundClient client, ClientRequestContext ctx, Client transport) {
            this.max = max;
            this.client = client;
            this.ctx = ctx;
            this.transport = transport;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (pipe != null) {
                pipe.out.write(b, off, len);
                return;
            }
            if (memory.size() + (long) len <= max) {
                memory.write(b, off, len);
                return;
            }
            ChunkPipe p = new ChunkPipe();
            pipe = p;
            call = start(client, ctx, transport, new Body(p.in, InputStream.class, false));
            call.whenComplete((r, t) -> p.abort());
            byte[] head = memory.toByteArray();
            memory = null;
            p.out.write(head, 0, head.length);
            p.out.write(b, off, len);
        }

        @Override
        public void close() {
            if (pipe != null) {
                pipe.finish();
            }
        }

        void failed() {
            if (pipe != null) {
                pipe.abort();
            }
        }

        byte[] bytes() {
            return memory.toByteArray();
        }
    }

    /** A reader's first characters, kept, followed by the rest of it. */
    private static final class PrefixedReader extends Reader {
        private final String head;
        private final Reader rest;
        private int pos;

        PrefixedReader(String head, Reader rest) {
            this.head = head;
            this.rest = rest;
        }

        @Override
        public int read(char[] cbuf, int off, int len) throws IOException {
            if (pos < head.length()) {
                int n = Math.min(len, head.length() - pos);
                head.getChars(pos, pos + n, cbuf, off);
                pos += n;
                return n;
            }
            return rest.read(cbuf, off, len);
        }

        @Override
        public void close() throws IOException {
            rest.close();
        }
    }
}
