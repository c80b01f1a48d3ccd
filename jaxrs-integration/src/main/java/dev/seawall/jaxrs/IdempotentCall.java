package dev.seawall.jaxrs;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.idempotency.Claim;
import dev.seawall.core.internal.idempotency.Decision;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.idempotency.KeyEntry;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.glassfish.jersey.server.ContainerException;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.spi.ContainerResponseWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The JAX-RS side of a policy's {@link IdempotencyGuard}, which takes every decision: {@link #before} opens the
 * request's key, reads and restores its body, claims the key and turns a refusal or a replay into the response to
 * abort with; a request that runs gets an {@code IdempotentCall} holding its {@link Claim} until its answer is kept.
 *
 * <p><b>Capturing the answer as sent.</b> {@link #tee} wraps the container's response writer before the policy's
 * {@link GatedWriter} wraps it in turn, so every answer that reaches the wire passes here: the application's, a
 * fallback's, the deadline's or Seawall's 500 for an unmapped exception. A body up to {@link Claim#maxResponse()} is
 * held until Jersey commits the response, so that the answer is kept <em>before</em> the client can read its last byte
 * (a client that retries at once finds the stored answer, not the key still in flight); a chunked body, or one known
 * to be larger, streams as it is written. Writer interceptors run inside, so the kept bytes are the encoded ones.
 *
 * <p><b>Settling</b>, on the application's own outcome, never on a substitute that replaced it. The claim settles once
 * both the application ended ({@link #applicationEnded}: the status Jersey wrote for it, or what it threw that no mapper
 * answered) and the tee saw the answer's end; at the latest at Jersey's {@code FINISHED} event ({@link #finished}).
 * <ul>
 *   <li>The resource method never started ({@link #methodStarted}: Jersey's {@code RESOURCE_METHOD_START}, or a parked
 *       call's invocation): the key is freed — the chain refused ({@link #refused}), a later request filter aborted,
 *       the request was answered while it waited.</li>
 *   <li>It failed and no answer went out (the container answered): the key is freed.</li>
 *   <li>Otherwise {@link Claim#finish(int, Throwable, int, List, byte[], int)} decides on the resource's status (or its
 *       failure, as 500): a fallback's 200 for a resource's 502 frees the key; a resource's 201 after the deadline
 *       answered 503, or whose answer streamed or was lost with the client, leaves a marker (repeats get 409); a whole
 *       answer of a kept status is kept.</li>
 *   <li>The resource may still run and Jersey will not report its end (its suspension timed out and Jersey's time-out
 *       handler answered, or {@code FINISHED} came before its end): the key is held until its lease ends
 *       ({@link Claim#hold()}).</li>
 * </ul>
 * {@link Claim} counts only the first settlement, so the backstop may call again.
 *
 * <p>Thread-safety: created on the request's thread; the tee writes on the thread Jersey (or the deadline timer, for
 * the deadline's answer) writes on, which the {@link GatedWriter}'s gate makes one at a time; the settlement may run
 * on the timer's, the resuming or the request's thread. The flags and the answer they share are volatile, each side
 * writes its own flag before reading the other's, so at least one of them sees both and settles.
 */
final class IdempotentCall {

    private static final Logger LOG = LoggerFactory.getLogger(IdempotentCall.class);

    /** A body cut short: the client left during the upload. Nothing was claimed. */
    private static final Rejection UNREADABLE = Rejection.builder(400, "about:blank", "Bad Request")
            .detail("The request body could not be read to its end.").build();

    /** What {@link #before} decided: abort with a response, run holding a claim, or run unprotected (both null). */
    record Before(Response abort, IdempotentCall call) {
    }

    private static final Before UNPROTECTED = new Before(null, null);

    /** The request body buffer's first size; it doubles as bytes arrive, up to {@code max-body} plus one. */
    static final int INITIAL_BODY_BUFFER = 8192;

    /** An answer as sent: its body is null when it was not captured whole. */
    private record Answer(int status, List<Rejection.Header> headers, byte[] body, int length) {
    }

    private final Claim claim;
    /** The resource method started (Jersey's {@code RESOURCE_METHOD_START}, or a parked call's invocation). */
    private volatile boolean started;
    /** The application's outcome is known: {@link #appStatus} and {@link #appFailure} are set. */
    private volatile boolean ended;
    private volatile int appStatus;
    private volatile Throwable appFailure;
    /** The tee saw the answer's end (commit or failure); {@link #answer} is what it saw, or null. */
    private volatile boolean answerDone;
    private volatile Answer answer;
    /** The container's suspension timed out: Jersey's time-out handler answers, the resource may still run. */
    private volatile boolean suspensionTimedOut;

    private IdempotentCall(Claim claim) {
        this.claim = claim;
    }

    /**
     * Steps 1 and 2 of the guard's protocol, before the policy's chain: opens the key, reads the body (at most
     * {@link IdempotencyGuard#maxBody()} bytes) and puts it back as the request's entity, and claims the key.
     */
    static Before before(IdempotencyGuard guard, JaxrsRequestView view, ContainerRequest request) {
        KeyEntry entry = guard.open(view);
        if (entry.rejection() != null) {
            return new Before(Responses.problem(entry.rejection()), null);
        }
        if (!entry.protects()) {
            return UNPROTECTED;
        }
        int max = guard.maxBody();
        long declared = declaredLength(request);
        if (declared > max) {
            return new Before(Responses.problem(entry.bodyTooLarge()), null);
        }
        byte[] body;
        int length;
        try (InputStream in = request.getEntityStream()) {
            // grown as bytes arrive: a declared length is the client's claim, not memory to reserve for it
            body = new byte[(int) Math.min(max + 1L, INITIAL_BODY_BUFFER)];
            length = 0;
            while (true) {
                if (length == body.length) {
                    if (length > max) {
                        break;
                    }
                    body = Arrays.copyOf(body, (int) Math.min(max + 1L, body.length * 2L));
                }
                int n = in == null ? -1 : in.read(body, length, body.length - length);
                if (n < 0) {
                    break;
                }
                length += n;
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("Seawall: the body of a request with an idempotency key could not be read", e);
            return new Before(Responses.problem(UNREADABLE), null);
        }
        if (length > max) {
            return new Before(Responses.problem(entry.bodyTooLarge()), null);
        }
        request.setEntityStream(new ByteArrayInputStream(body, 0, length));
        Decision d = entry.claim(view, body, length);
        return switch (d.kind()) {
            case RUN -> new Before(null, new IdempotentCall(d.claim()));
            case REPLAY -> new Before(replay(request, d.replay()), null);
            case REFUSE -> new Before(Responses.problem(d.rejection()), null);
            case UNPROTECTED -> UNPROTECTED;
        };
    }

    /** @return the declared body length, or -1 when none (chunked) or unreadable (the body is read to its end) */
    private static long declaredLength(ContainerRequest request) {
        String v = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (v == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The kept answer as the response to abort with: its status and headers, and its body as a {@code byte[]} entity
     * that a writer of its own puts on the wire as it is, with the kept {@code Content-Type} (or none), so that no
     * content negotiation, writer interceptor or entity provider of Jersey's changes a byte or a header of the entity.
     * An answer without a body is replayed without an entity, as Jersey sent it the first time (a servlet container
     * then answers a 4xx or 5xx with its error page, as it did then). The application's response filters still run.
     */
    private static Response replay(ContainerRequest request, Decision.Replay r) {
        Response.ResponseBuilder b = Response.status(r.status());
        String contentType = null;
        for (Rejection.Header h : r.headers()) {
            b.header(h.name(), h.value());
            if (h.name().equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)) {
                contentType = h.value();
            }
        }
        if (r.body().length > 0) {
            b.entity(r.body());
            request.setWriter(new ReplayWriter(request.getResponseWriter(), r.body(), contentType));
        }
        return b.build();
    }

    /**
     * The policy admitted the request: wraps the container's writer to capture what is sent. Called once, before the
     * policy's {@link GatedWriter} is made around the returned writer.
     */
    ContainerResponseWriter tee(ContainerResponseWriter real) {
        return new Tee(real);
    }

    /**
     * The resource method starts: from now on its effect may have happened, so the key is never freed for a reason
     * other than the application's own outcome.
     */
    void methodStarted() {
        started = true;
    }

    /** The application never ran (the chain refused, the request was answered while it waited): frees the key. */
    void refused() {
        claim.release();
    }

    /**
     * Jersey committed a response, or failed one, for the request: the application's outcome is known.
     *
     * @param status  the resource's own status (as Jersey wrote it, before Seawall substituted anything)
     * @param failure what the resource threw that no mapper answered, or null
     */
    void applicationEnded(int status, Throwable failure) {
        if (suspensionTimedOut) {
            // the time-out handler's answer, not the resource's: the resource may still run, and Jersey will not
            // report its end
            claim.hold();
            return;
        }
        appStatus = status;
        appFailure = failure;
        ended = true;
        if (answerDone) {
            settle();
        }
    }

    /**
     * Jersey's {@code FINISHED}, the backstop: frees the key of a request whose resource never started, holds the key
     * of one whose end is unknown, and otherwise settles as {@link #settle()} does.
     */
    void finished() {
        if (!started) {
            claim.release();
        } else if (!ended || suspensionTimedOut) {
            claim.hold();
        } else {
            settle();
        }
    }

    /** The tee saw the answer end; {@code a} is what went out, or null when nothing did. */
    private void answered(Answer a) {
        if (a != null) {
            answer = a;
        }
        answerDone = true;
        if (ended) {
            settle();
        }
    }

    /**
     * The application ended and the answer's end was seen: the key is freed when the resource never started, or when
     * it failed and no answer went out (the container answered); otherwise the core decides on the resource's own
     * outcome ({@link Claim#finish(int, Throwable, int, List, byte[], int)}): kept, freed, or a marker that it ran.
     */
    private void settle() {
        if (!started) {
            claim.release();
            return;
        }
        Answer a = answer;
        Throwable failure = appFailure;
        int status = appStatus;
        if (a == null) {
            if (failure != null) {
                claim.release();
            } else {
                // the resource ended but nothing it answered was seen going out: what the client got is unknown
                claim.finish(status, null, status, List.of(), null, 0);
            }
            return;
        }
        claim.finish(status, failure, a.status(), a.headers(), a.body(), a.length());
    }

    private static List<Rejection.Header> headers(ContainerResponse response) {
        List<Rejection.Header> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : response.getStringHeaders().entrySet()) {
            for (String v : e.getValue()) {
                out.add(new Rejection.Header(e.getKey(), v));
            }
        }
        return out;
    }

    /**
     * The container's writer as the application's writers see it: holds a body up to the claim's
     * {@code maxResponse} until commit, copies it, and passes everything on. Used by one writing thread at a time.
     */
    private final class Tee extends ForwardingWriter {
        private ContainerResponse response;
        private long declared;
        private Capture capture;

        Tee(ContainerResponseWriter real) {
            super(real);
        }

        @Override
        public OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse r)
                throws ContainerException {
            response = r;
            declared = contentLength;
            for (Rejection.Header h : claim.headers()) {
                r.getHeaders().putSingle(h.name(), h.value());
            }
            int max = claim.maxResponse();
            capture = new Capture(max);
            if (r.isChunked() || contentLength > max) {
                // a stream, or a body too large to keep: it goes out as it is written (a chunked one is still copied
                // while it fits)
                capture.overflow = contentLength > max;
                capture.open(real.writeResponseStatusAndHeaders(contentLength, r));
            }
            return capture;
        }

        @Override
        public boolean suspend(long timeOut, TimeUnit timeUnit, TimeoutHandler timeoutHandler) {
            return super.suspend(timeOut, timeUnit, timeoutHandler == null ? null : w -> {
                suspensionTimedOut = true;
                timeoutHandler.onTimeout(w);
            });
        }

        @Override
        public void commit() {
            try {
                Capture c = capture;
                if (c != null) {
                    if (!c.opened()) {
                        // held: the answer is kept (when the application ended) before the client can read it
                        answered(c.answer(response));
                        c.open(real.writeResponseStatusAndHeaders(c.count, response));
                        c.sendHeld();
                    } else {
                        answered(c.answer(response));
                        c.closeThrough();
                    }
                } else {
                    answered(null);
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("Seawall: the client went away while the response was written", e);
            } finally {
                real.commit();
            }
        }

        @Override
        public void failure(Throwable error) {
            try {
                // what went out, if anything did, is not known whole: the resource's outcome decides
                Capture c = capture;
                answered(c == null ? null : new Answer(response.getStatus(), headers(response), null, 0));
            } finally {
                real.failure(error);
            }
        }

        /** The held (or passing) body, and its copy up to {@code max} bytes. */
        private final class Capture extends OutputStream {
            private final int max;
            private byte[] buf = new byte[0];
            private int count;
            /** the body outgrew {@code max} (or a write failed): no copy is kept */
            private boolean overflow;
            private OutputStream through;
            private boolean closed;

            Capture(int max) {
                this.max = max;
            }

            boolean opened() {
                return through != null;
            }

            void open(OutputStream out) {
                through = out == null ? OutputStream.nullOutputStream() : out;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!overflow) {
                    if (count + len > max) {
                        overflow = true;
                        if (through == null) {
                            // too large to keep: what was held goes out, the rest streams
                            open(real.writeResponseStatusAndHeaders(declared, response));
                            through.write(buf, 0, count);
                        }
                        buf = null;
                    } else {
                        if (count + len > buf.length) {
                            buf = Arrays.copyOf(buf, (int) Math.min(max, Math.max(count + len, buf.length * 2L)));
                        }
                        System.arraycopy(b, off, buf, count, len);
                        count += len;
                    }
                }
                if (through != null) {
                    try {
                        through.write(b, off, len);
                    } catch (IOException e) {
                        overflow = true; // what reached the client is unknown
                        buf = null;
                        throw e;
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                // a held body stays held: only one passing through is flushed
                if (through != null) {
                    through.flush();
                }
            }

            @Override
            public void close() {
                // the container's stream is closed at commit, once the answer is kept
                closed = true;
            }

            Answer answer(ContainerResponse r) {
                int status = r.getStatus();
                return overflow ? new Answer(status, headers(r), null, 0)
                        : new Answer(status, headers(r), Arrays.copyOf(buf, count), count);
            }

            void sendHeld() throws IOException {
                if (count > 0) {
                    through.write(buf, 0, count);
                }
                through.flush();
            }

            void closeThrough() throws IOException {
                if (closed) {
                    through.close();
                } else {
                    through.flush();
                }
            }
        }
    }

    /** Writes a kept answer's body, exactly, under the status and headers Jersey writes. */
    private static final class ReplayWriter extends ForwardingWriter {
        private final byte[] body;
        private final String contentType;

        ReplayWriter(ContainerResponseWriter real, byte[] body, String contentType) {
            super(real);
            this.body = body;
            this.contentType = contentType;
        }

        @Override
        public OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse response)
                throws ContainerException {
            // the kept media type, not one Jersey negotiated for the byte[] entity; the kept body's length
            if (contentType == null) {
                response.getHeaders().remove(HttpHeaders.CONTENT_TYPE);
            } else {
                response.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, contentType);
            }
            response.getHeaders().remove(HttpHeaders.CONTENT_LENGTH);
            OutputStream out = real.writeResponseStatusAndHeaders(body.length, response);
            if (out != null) {
                try {
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    LOG.debug("Seawall: the client went away while a kept answer was replayed", e);
                }
            }
            // anything Jersey writes after it (an entity a response filter set) is not part of the kept answer
            return OutputStream.nullOutputStream();
        }

        @Override
        public void commit() {
            real.commit();
        }

        @Override
        public void failure(Throwable error) {
            real.failure(error);
        }
    }
}
