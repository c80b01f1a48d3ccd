package dev.seawall.jaxrs;

import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.fallback.StaleCache;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.Failures;
import dev.seawall.core.timeout.DeadlineTimer;
import dev.seawall.core.timeout.ResponseGate;
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
import java.util.concurrent.TimeUnit;

/**
 * Jersey's response writer for a request whose response Seawall may still replace: the application's status,
 * headers and body are held back (up to the policy's {@code buffer}) until Jersey commits, so that a deadline,
 * a 5xx answered by a fallback, or an unmapped exception can be answered instead; a 2xx GET is kept as a stale
 * copy. This is the JAX-RS counterpart of the servlet adapter's buffered response, and it works the same on any
 * Jersey container (servlet, Grizzly), for synchronous and {@code @Suspended} methods alike.
 *
 * <p>Thread-safety: Jersey writes from the request's (or the resuming) thread while the deadline may fire on a
 * timer thread. The {@link ResponseGate}'s compare-and-set decides once who writes the real response; the
 * gate's monitor orders the deadline's answer against the application's write-through.
 */
final class GatedWriter implements ContainerResponseWriter {

    private static final Logger LOG = LoggerFactory.getLogger(GatedWriter.class);

    private final GuardedRequest guarded;
    private final ContainerResponseWriter real;
    private final ResponseGate gate;
    private final int limit;
    private final int captureLimit;
    private final StaleCache.Key key;
    private volatile TimeoutStage timeout;
    private volatile DeadlineTimer.Handle deadline;
    private ContainerResponse appResponse;   // guarded by the Jersey writing thread, then the gate
    private Holding holding;

    GatedWriter(GuardedRequest guarded, ContainerResponseWriter real, ResponseGate gate, int limit, int captureLimit) {
        this.guarded = guarded;
        this.real = real;
        this.gate = gate;
        this.limit = limit;
        this.captureLimit = captureLimit;
        this.key = guarded.fallback == null ? null : guarded.fallback.cacheKey(guarded.view);
    }

    void arm(TimeoutStage stage, DeadlineTimer timer, long startNanos) {
        timeout = stage;
        deadline = timer.schedule(startNanos + stage.afterNanos(), this::onDeadline);
    }

    private void cancelDeadline() {
        DeadlineTimer.Handle d = deadline;
        if (d != null) {
            d.cancel();
        }
    }

    @Override
    public OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse response)
            throws ContainerException {
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

    @Override
    public boolean suspend(long timeOut, TimeUnit timeUnit, TimeoutHandler timeoutHandler) {
        return real.suspend(timeOut, timeUnit, timeoutHandler == null ? null : w -> timeoutHandler.onTimeout(this));
    }

    @Override
    public void setSuspendTimeout(long timeOut, TimeUnit timeUnit) throws IllegalStateException {
        real.setSuspendTimeout(timeOut, timeUnit);
    }

    @Override
    public boolean enableResponseBuffering() {
        return real.enableResponseBuffering();
    }

    /** Jersey finished the application's response. */
    @Override
    public void commit() {
        try {
            commitApplication();
        } finally {
            // the response is complete: settle now rather than wait for Jersey's FINISHED event, which is only
            // the backstop
            guarded.settle();
        }
    }

    private void commitApplication() {
        cancelDeadline();
        boolean won;
        synchronized (gate) {
            won = gate.finish();
        }
        if (!won) {
            if (gate.state() == ResponseGate.STREAMING) {
                real.commit();
            }
            return; // timed out: the answer is on the wire already
        }
        // settled before a byte goes out: a client that sends its next request as soon as it has read this
        // response must find the slot free (the servlet filter's container likewise commits after the filter)
        guarded.settle();
        ContainerResponse app = appResponse;
        int status = app == null ? 500 : app.getStatus();
        FallbackStage fb = guarded.fallback;
        if (status >= 500 && fb != null) {
            FallbackResponse r = fb.answer(FallbackTrigger.ERROR, key, guarded.view, guarded.runtime.clock().nanoTime());
            if (r != null) {
                guarded.markAnswered();
                writeAnswer(Responses.fallback(r, guarded.exchange), false);
                return;
            }
        }
        if (app != null) {
            Holding h = holding;
            int length = h == null ? 0 : h.count;
            // kept before a byte goes out, like the settlement: a client that asks again as soon as it has read this
            // answer, and gets a failure, must be served the copy (JaxrsFeatureEndToEndTest failed on this once)
            remember(app, h);
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

    /** An exception no mapper answered: Seawall answers instead of the container's error page. */
    @Override
    public void failure(Throwable error) {
        guarded.failed(error);
        try {
            answerFailure(error);
        } finally {
            guarded.settle();
        }
    }

    private void answerFailure(Throwable error) {
        cancelDeadline();
        boolean won;
        synchronized (gate) {
            won = gate.finish();
        }
        if (!won) {
            if (gate.state() == ResponseGate.STREAMING) {
                real.failure(error);
            }
            return;
        }
        guarded.settle(); // before the answer is written, as in commitApplication
        String id = Failures.newRequestId();
        LOG.error("Seawall: request {} failed in the application (policy {}, {} {})", id, guarded.policy.name(),
                guarded.view.method(), guarded.view.path(), error);
        Rejection problem = guarded.policy.failClosed() ? Failures.failedClosed(guarded.policy.name(), id)
                : Failures.internalError(guarded.policy.name(), id);
        answer(FallbackTrigger.ERROR, problem, false);
    }

    private void onDeadline() {
        TimeoutStage t = timeout;
        // the answer is written while holding the gate's monitor: the interrupt below wakes the resource, and
        // Jersey's commit or failure on its thread must wait (on this monitor) until the answer is on the wire,
        // or the container could finish the response first
        synchronized (gate) {
            if (!gate.expire()) {
                if (gate.state() == ResponseGate.STREAMING) {
                    t.overran();
                }
                return;
            }
            t.answered();
            try {
                answer(FallbackTrigger.TIMEOUT, t.timeoutAnswer(), true);
            } catch (RuntimeException e) {
                // the client is gone or the container refused; the application's output is discarded either way
                LOG.debug("Seawall: the timeout answer could not be written", e);
            }
        }
    }

    /** Writes the fallback for {@code trigger}, or else {@code problem}, in place of the application's answer. */
    private void answer(FallbackTrigger trigger, Rejection problem, boolean closeConnection) {
        guarded.markAnswered();
        FallbackStage fb = guarded.fallback;
        FallbackResponse r = fb == null ? null : fb.answer(trigger, key, guarded.view, guarded.runtime.clock().nanoTime());
        Response response;
        if (r != null) {
            response = Responses.fallback(r, guarded.exchange);
        } else {
            Responses.MultivaluedSink permits = new Responses.MultivaluedSink();
            guarded.exchange.writeHeaders(permits);
            Response p = Responses.problem(problem);
            Response.ResponseBuilder b = Response.fromResponse(p);
            permits.copyTo(b);
            response = b.build();
        }
        writeAnswer(response, closeConnection);
    }

    private void writeAnswer(Response response, boolean closeConnection) {
        ContainerResponse cr = new ContainerResponse(guarded.request, response);
        if (closeConnection) {
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

    /** Keeps a copy of a successful live GET response for the stale cache. */
    private void remember(ContainerResponse app, Holding h) {
        FallbackStage fb = guarded.fallback;
        int status = app.getStatus();
        long now = guarded.runtime.clock().nanoTime();
        if (fb == null || fb.cache() == null || h == null || status < 200 || status > 299
                || !"GET".equals(guarded.view.method()) || h.count > captureLimit || !fb.wantsCopy(key, now)) {
            return;
        }
        List<Rejection.Header> headers = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : app.getStringHeaders().entrySet()) {
            for (String v : e.getValue()) {
                headers.add(new Rejection.Header(e.getKey(), v));
            }
        }
        fb.remember(key, guarded.view, status, headers, Arrays.copyOf(h.buf, h.count), now);
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
