package dev.seawall.jaxrs;

import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.answer.AnswerArbiter;
import dev.seawall.core.internal.answer.AnswerSink;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.ws.rs.core.Response;
import org.glassfish.jersey.server.ContainerException;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.spi.ContainerResponseWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Jersey's response writer for a guarded request, and the JAX-RS side ({@link AnswerSink}) of the core's
 * {@link AnswerArbiter}, which decides what goes on the wire. The application's status, headers and body are held back
 * (up to the policy's {@code buffer}) until Jersey commits, so that a deadline, a 5xx answered by a fallback, or an
 * unmapped exception can be answered instead; a 2xx GET is kept as a stale copy. This is the JAX-RS counterpart of the
 * servlet adapter's buffered response, and it works the same on any Jersey container (servlet, Grizzly), for
 * synchronous and {@code @Suspended} methods alike. This class only translates: Jersey's writer calls into
 * {@link AnswerArbiter#finish}, and the arbiter's answers into {@link ContainerResponse}s.
 *
 * <p>Thread-safety: Jersey writes from the request's (or the resuming) thread while the deadline may fire on a
 * timer thread. The {@link ResponseGate}'s compare-and-set decides once who writes the real response; the
 * gate's monitor orders the deadline's answer against the application's write-through.
 */
final class GatedWriter extends ForwardingWriter implements AnswerSink {

    private static final Logger LOG = LoggerFactory.getLogger(GatedWriter.class);

    private final GuardedRequest guarded;
    private final ResponseGate gate;
    private final int limit;
    private final int captureLimit;
    private final AnswerArbiter arbiter;
    private ContainerResponse appResponse;   // guarded by the Jersey writing thread, then the gate
    /** The status of the response Jersey wrote for the request, even one the deadline's answer made moot; 0 before. */
    private volatile int writtenStatus;
    private Holding holding;

    /**
     * @param limit        bytes held back before the response streams (0: nothing is held)
     * @param captureLimit largest body kept as a stale copy
     */
    GatedWriter(GuardedRequest guarded, ContainerResponseWriter real, ResponseGate gate, int limit, int captureLimit) {
        super(real);
        this.guarded = guarded;
        this.gate = gate;
        this.limit = limit;
        this.captureLimit = captureLimit;
        this.arbiter = new AnswerArbiter(this, gate, guarded.view, guarded.runtime.clock());
        arbiter.join(guarded.plan, guarded.exchange);
    }

    /** @param afterNanos the request's own timeout ({@link TimeoutStage#afterNanos(dev.seawall.core.http.RequestView)}) */
    void arm(TimeoutStage stage, DeadlineTimer timer, long startNanos, long afterNanos) {
        arbiter.arm(stage, timer, startNanos, afterNanos);
    }

    @Override
    public OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse response)
            throws ContainerException {
        writtenStatus = response.getStatus();
        synchronized (gate) {
            if (gate.state() == ResponseGate.TIMED_OUT) {
                return OutputStream.nullOutputStream();
            }
            appResponse = response;
            if (response.isChunked() || contentLength > limit) {
                // a stream (SSE, chunked output) or a body larger than the buffer: it goes out as it is written,
                // and a later deadline is only recorded
                if (gate.stream()) {
                    return real.writeResponseStatusAndHeaders(contentLength, response);
                }
                return OutputStream.nullOutputStream();
            }
            holding = new Holding(contentLength);
            return holding;
        }
    }

    /** Jersey finished the application's response. */
    @Override
    public void commit() {
        int status = writtenStatus;
        guarded.applicationEnded(status == 0 ? 500 : status, null);
        try {
            if (decide(null) == AnswerArbiter.Finish.STREAMING) {
                real.commit();
            }
        } finally {
            // the response is complete: settle now rather than wait for Jersey's FINISHED event, which is only
            // the backstop (the arbiter settled already when it answered)
            guarded.settle();
        }
    }

    /** An exception no mapper answered: Seawall answers instead of the container's error page. */
    @Override
    public void failure(Throwable error) {
        guarded.failed(error);
        boolean streamed;
        synchronized (gate) {
            streamed = appResponse != null && gate.state() == ResponseGate.STREAMING;
        }
        int status = writtenStatus;
        // a response that already streams is the resource's answer: a failure now is its delivery's (the client
        // left), not the resource's outcome
        guarded.applicationEnded(streamed ? status : 500, streamed ? null : error);
        try {
            if (decide(error) == AnswerArbiter.Finish.STREAMING) {
                real.failure(error);
            }
        } finally {
            guarded.settle();
        }
    }

    private AnswerArbiter.Finish decide(Throwable error) {
        try {
            return arbiter.finish(error);
        } catch (IOException e) {
            LOG.debug("Seawall: the client went away while the response was written", e);
            return AnswerArbiter.Finish.ANSWERED;
        }
    }

    // ---- AnswerSink: what the arbiter reads and writes ----

    @Override
    public int applicationStatus() {
        ContainerResponse app = appResponse;
        return app == null ? 500 : app.getStatus();
    }

    @Override
    public List<Rejection.Header> applicationHeaders() {
        List<Rejection.Header> headers = new ArrayList<>();
        ContainerResponse app = appResponse;
        if (app != null) {
            for (Map.Entry<String, List<String>> e : app.getStringHeaders().entrySet()) {
                for (String v : e.getValue()) {
                    headers.add(new Rejection.Header(e.getKey(), v));
                }
            }
        }
        return headers;
    }

    @Override
    public byte[] applicationBody() {
        Holding h = holding;
        if (h == null || h.buf == null || h.count > captureLimit) {
            return null; // streamed, or larger than a copy may be
        }
        return Arrays.copyOf(h.buf, h.count);
    }

    @Override
    public void discard() {
        // nothing of the application's answer reached the real writer: the answer written next replaces it
    }

    @Override
    public void writeFallback(FallbackResponse r, boolean atDeadline) {
        guarded.markAnswered();
        writeAnswer(Responses.fallback(r, guarded.exchange), atDeadline);
    }

    @Override
    public void writeProblem(Rejection problem, boolean atDeadline) {
        guarded.markAnswered();
        Responses.MultivaluedSink permits = new Responses.MultivaluedSink();
        arbiter.writePermitHeaders(permits);
        Response.ResponseBuilder b = Response.fromResponse(Responses.problem(problem));
        permits.copyTo(b);
        writeAnswer(b.build(), atDeadline);
    }

    /** Sends the application's held response, or only ends the exchange when Jersey wrote none. */
    @Override
    public void commitApplication() {
        ContainerResponse app = appResponse;
        if (app != null) {
            Holding h = holding;
            int length = h == null ? 0 : h.count;
            try {
                OutputStream out = real.writeResponseStatusAndHeaders(h == null ? 0 : length, app);
                if (out != null && h != null && length > 0) {
                    out.write(h.buf, 0, length);
                }
                if (out != null) {
                    out.flush();
                }
            } catch (IOException e) {
                LOG.debug("Seawall: the client went away while the response was written", e);
            }
        }
        real.commit();
    }

    @Override
    public void settle(Throwable failure, int applicationStatus, boolean refusedInside) {
        guarded.settle();
    }

    private void writeAnswer(Response response, boolean atDeadline) {
        ContainerResponse cr = new ContainerResponse(guarded.request, response);
        if (atDeadline) {
            // the resource may still hold this connection's thread: the client must not queue its next
            // request behind it
            cr.getHeaders().putSingle("Connection", "close");
        }
        byte[] body = (byte[]) response.getEntity();
        try {
            OutputStream out = real.writeResponseStatusAndHeaders(body.length, cr);
            if (out != null) {
                out.write(body);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Seawall: an answer could not be written", e);
        }
        real.commit();
    }

    /** The held-back body; spills to the real writer (streaming) when it outgrows the buffer. */
    private final class Holding extends OutputStream {
        private byte[] buf;
        private int count;
        private OutputStream through;
        private boolean discard;

        Holding(long contentLength) {
            this.buf = new byte[(int) Math.min(limit, contentLength > 0 ? contentLength : 512)];
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (through != null) {
                through.write(b, off, len);
                return;
            }
            if (discard) {
                return;
            }
            if (count + len > limit) {
                spill();
                write(b, off, len);
                return;
            }
            if (count + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.min(limit, Math.max(count + len, buf.length * 2)));
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        private void spill() throws IOException {
            synchronized (gate) {
                if (!gate.stream()) {
                    discard = true;
                    return;
                }
                OutputStream out = real.writeResponseStatusAndHeaders(-1, appResponse);
                through = out == null ? OutputStream.nullOutputStream() : out;
            }
            through.write(buf, 0, count);
            buf = null;
        }

        @Override
        public void flush() throws IOException {
            // Jersey's entity providers flush as a matter of course: holding on is what lets Seawall replace
            // the response, so only a body already passing through is flushed
            if (through != null) {
                through.flush();
            }
        }

        @Override
        public void close() throws IOException {
            if (through != null) {
                through.close();
            }
        }
    }
}
