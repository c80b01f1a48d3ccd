package dev.seawall.servlet;

import dev.seawall.core.internal.timeout.ResponseGate;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The response an application writes under a policy with a timeout or a fallback. The body is held back in a
 * bounded buffer so that Seawall can still replace the whole response (timeout answer, fallback, safe error)
 * until the application has finished; headers and status go to the real response, each write under the
 * request's {@link ResponseGate} monitor, so they never interleave with a timeout answer written from
 * another thread, and are ignored once the deadline has won.
 *
 * <p><b>When the response passes through (streams).</b> A flush while the whole body still fits the buffer is
 * held, not passed on: frameworks flush every response they write (Spring MVC does after each {@code @ResponseBody}),
 * and such a flush must not cost the fallback for a 5xx, the timeout answer or the safe error. The held bytes go out
 * (the response streams, and the held flush is honoured) as soon as the application writes again after such a flush
 * (it really streams), when the body outgrows the buffer, when the application dispatches its async cycle
 * ({@link #passThroughForDispatch}), on a redirect or a non-blocking write listener, or at once for a flush of a
 * {@code text/event-stream} response (server-sent events are streaming by definition). Otherwise the response goes
 * out when the application finishes, like one never flushed: "write, flush, return 500" gets the fallback, and
 * "write, flush, throw" the safe error, not half a body. Once streaming, a timeout is only recorded. A body of at
 * most {@code captureLimit} bytes is also captured for the stale cache, streamed or not.
 *
 * <p>Not thread-safe apart from the gate protocol: like any servlet response it belongs to the thread that
 * currently runs the application.
 *
 * <p>Why one class of this size: it is one concern, the servlet response surface seen through a buffer. Every
 * override (status, headers, cookies, errors, redirects, reset, the stream and the writer, flush and close) reads
 * and writes the same few fields (buffer, capture, streaming flag, error status) under one rule, "nothing reaches the
 * real response unless this request still owns it", so splitting it would spread that invariant over classes that
 * share mutable state. What shares none of that state lives outside: the body copy ({@link BodyCopy}), the writer
 * ({@link PushingWriter}), the stream's surface ({@link BufferingStream}, which forwards to this class), the closed
 * sink ({@link ClosedOutput}) and the owner protocol ({@link ResponseOwner}). What to answer instead is decided
 * elsewhere ({@code dev.seawall.core.internal.answer.AnswerArbiter}).
 */
final class BufferedResponse extends HttpServletResponseWrapper {

    private final HttpServletResponse real;
    private final ResponseOwner owner;
    private final ResponseGate gate;
    private final int limit;
    private final int captureLimit;
    private byte[] buf = new byte[256];
    private int len;
    /** Copy of the body for the stale cache, once streaming; null when not wanted or too large. */
    private BodyCopy capture;
    /**
     * The application flushed while its body fitted the buffer: held back (see the class comment); its next write of
     * at least one byte makes the response stream.
     */
    private boolean flushHeld;
    /** The real response's stream once streaming ({@link ClosedOutput} when gone); read by {@link BufferingStream}. */
    ServletOutputStream realOut;
    private BufferingStream stream;
    private PrintWriter writer;
    boolean internalFlush;
    /**
     * Set when the application dispatched its async cycle: the container, not Seawall, then ends the response after
     * the dispatch, and cannot see characters still held in the writer's encoder, so every write through the writer
     * is pushed on at once (into the container's own output buffer, not onto the network). Written before the
     * container dispatches, which orders the dispatched thread's reads after it.
     */
    private boolean flushEachWrite;
    private int errorStatus;
    private String errorMessage;
    private long contentLength = -1;
    boolean closed;
    private boolean cookieAdded;
    /**
     * The status the application set last, 0 for none yet: recorded even once the deadline answered (the status then
     * never reaches the client), because what the idempotency key keeps is decided on the application's own outcome.
     * Volatile: read by whichever thread settles the request once the application ended.
     */
    private volatile int ownStatus;
    /** The real response's status before the application ran: the application's when it sets none. */
    private final int initialStatus;

    /**
     * @param limit        bytes held back before the response streams (at least 1)
     * @param captureLimit largest body captured for the stale cache; 0 for none
     * @param owner        told of resets and of errors handed to the container
     */
    BufferedResponse(HttpServletResponse real, ResponseGate gate, int limit, int captureLimit, ResponseOwner owner) {
        super(real);
        this.owner = owner;
        this.real = real;
        this.gate = gate;
        this.limit = Math.max(1, limit);
        this.captureLimit = captureLimit;
        this.initialStatus = real.getStatus();
    }

    ResponseGate gate() {
        return gate;
    }

    /** @return the status the application chose ({@code sendError} included) */
    int appStatus() {
        return errorStatus != 0 ? errorStatus : real.getStatus();
    }

    /**
     * @return the status the application answered with as far as it knows: what it set last (or handed to
     *         {@code sendError}), also after the deadline answered in its place
     */
    int ownStatus() {
        int error = errorStatus;
        if (error != 0) {
            return error;
        }
        int own = ownStatus;
        return own != 0 ? own : initialStatus;
    }

    /** @return the body the application wrote, if it was held entirely (buffered or captured), else null */
    byte[] body() {
        if (realOut == null) {
            return Arrays.copyOf(buf, len);
        }
        return capture == null ? null : capture.bytes();
    }

    /** @return true once the response passes through to the client */
    boolean streaming() {
        return realOut != null;
    }

    boolean open() {
        return gate.state() != ResponseGate.TIMED_OUT;
    }

    /** Switches to pass-through: writes what is held and sends later writes straight on. */
    boolean stream() throws IOException {
        if (realOut != null) {
            return true;
        }
        synchronized (gate) {
            if (!gate.stream()) {
                return false;
            }
            applyPending();
            if (errorStatus != 0) {
                owner.beforeErrorDispatch();
                real.sendError(errorStatus, errorMessage);
                closed = true;
                realOut = ClosedOutput.INSTANCE;
                return true;
            }
            realOut = real.getOutputStream();
        }
        if (captureLimit > 0 && len <= captureLimit) {
            capture = new BodyCopy(buf, len, captureLimit);
        }
        realOut.write(buf, 0, len);
        buf = null;
        return true;
    }

    /**
     * The application dispatches its async cycle (to itself or elsewhere): from now on the response passes through,
     * and what the dispatched code writes reaches the container however it ends.
     */
    void passThroughForDispatch() throws IOException {
        flushEachWrite = true;
        flushWriter();
        stream();
    }

    /** The application finished in time: commit what it wrote. Called by the handler's thread after finish(). */
    void commit() throws IOException {
        flushWriter();
        if (realOut != null) {
            return;
        }
        applyPending();
        if (errorStatus != 0) {
            owner.beforeErrorDispatch();
            real.sendError(errorStatus, errorMessage);
            return;
        }
        if (len > 0 || contentLength == 0) {
            if (contentLength < 0) {
                real.setContentLength(len);
            }
            real.getOutputStream().write(buf, 0, len);
        }
    }

    /**
     * Commits status and headers, with the held body's length, to the real response without the body (see
     * {@link ResponseContext#commitHeadersForCopy}); {@link #commit} writes the body after it.
     */
    void commitHeaders() throws IOException {
        flushWriter();
        if (realOut == null && errorStatus == 0) {
            applyPending();
            if (contentLength < 0) {
                real.setContentLength(len);
            }
        }
        real.flushBuffer();
    }

    /** Drops what the application wrote (body, and its headers and status on the real response). */
    void discard() {
        buf = null;
        len = 0;
        errorStatus = 0;
        cookieAdded = false;
        closed = true;
        if (!real.isCommitted()) {
            real.reset();
        }
    }

    private void applyPending() {
        if (contentLength >= 0) {
            real.setContentLengthLong(contentLength);
        }
    }

    /**
     * Each write through the writer is pushed on at once after a dispatch ({@link #flushEachWrite}), and after a held
     * flush (a write then streams, see the class comment).
     */
    private void afterWriterWrite() throws IOException {
        if (flushEachWrite || flushHeld && realOut == null) {
            flushWriter();
        }
    }

    void flushWriter() throws IOException {
        if (writer != null) {
            internalFlush = true;
            try {
                writer.flush();
            } finally {
                internalFlush = false;
            }
        }
    }

    void write(byte[] b, int off, int n) throws IOException {
        if (closed || !open()) {
            return;
        }
        if (realOut != null) {
            writeThrough(b, off, n);
            return;
        }
        if (flushHeld && n > 0) {
            // a write after a held flush: the application really streams; the held flush goes out first
            if (stream()) {
                realOut.flush();
                writeThrough(b, off, n);
            }
            return;
        }
        if ((long) len + n > limit) {
            if (stream()) {
                writeThrough(b, off, n);
            }
            return;
        }
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.min(limit, Math.max((long) len + n, 2L * buf.length)));
        }
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    private void writeThrough(byte[] b, int off, int n) throws IOException {
        realOut.write(b, off, n);
        if (capture != null && !capture.add(b, off, n)) {
            capture = null;
        }
    }

    /**
     * The application flushed (its stream, its writer, or {@code flushBuffer()}). Passed on when the response streams
     * already or is an event stream; otherwise held (see the class comment).
     */
    void applicationFlush() throws IOException {
        if (realOut == null && !eventStream()) {
            flushHeld = true;
            return;
        }
        if (stream()) {
            realOut.flush();
        }
    }

    private boolean eventStream() {
        String type = real.getContentType();
        return type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
    }

    // ---- the body ----

    @Override
    public ServletOutputStream getOutputStream() {
        if (writer != null) {
            throw new IllegalStateException("getWriter() was already called");
        }
        if (stream == null) {
            stream = new BufferingStream(this);
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            if (stream != null) {
                throw new IllegalStateException("getOutputStream() was already called");
            }
            String enc;
            synchronized (gate) {
                enc = real.getCharacterEncoding();
                if (open() && !real.isCommitted()) {
                    // pin the charset in Content-Type, as the container does when it hands out its own writer
                    real.setCharacterEncoding(enc);
                }
            }
            stream = new BufferingStream(this);
            writer = new PushingWriter(new OutputStreamWriter(stream, Charset.forName(enc == null ? "ISO-8859-1" : enc)),
                    this::afterWriterWrite);
        }
        return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
        flushWriter();
        if (!closed && open()) {
            applicationFlush();
        }
    }

    @Override
    public boolean isCommitted() {
        return realOut != null || closed || !open() || real.isCommitted();
    }

    @Override
    public void reset() {
        if (isCommitted()) {
            throw new IllegalStateException("the response is committed");
        }
        synchronized (gate) {
            if (open()) {
                real.reset();
                owner.onReset();
            }
        }
        len = 0;
        flushHeld = false;
        contentLength = -1;
        errorStatus = 0;
        ownStatus = 200; // as reset() does to the container's status
        cookieAdded = false; // reset() clears the cookies too
        writer = null;
        stream = null;
    }

    @Override
    public void resetBuffer() {
        if (isCommitted()) {
            throw new IllegalStateException("the response is committed");
        }
        len = 0;
        flushHeld = false; // what the flush held is gone
    }

    @Override
    public void setBufferSize(int size) {
        // the container's buffer is not used until Seawall commits; keep the contract's precondition only
        if (len > 0 || isCommitted()) {
            throw new IllegalStateException("content was already written");
        }
    }

    @Override
    public int getBufferSize() {
        return limit;
    }

    // ---- status and headers: to the real response, under the gate ----

    @Override
    public void sendError(int sc, String msg) {
        if (isCommitted()) {
            throw new IllegalStateException("the response is committed");
        }
        errorStatus = sc;
        errorMessage = msg;
        len = 0;
        closed = true;
    }

    @Override
    public void sendError(int sc) {
        sendError(sc, null);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        len = 0;
        ownStatus = 302;
        synchronized (gate) {
            if (!gate.stream()) {
                return;
            }
            realOut = ClosedOutput.INSTANCE;
            closed = true;
            real.sendRedirect(location);
        }
    }

    @Override
    public int getStatus() {
        return appStatus();
    }

    @Override
    public void setStatus(int sc) {
        ownStatus = sc;
        synchronized (gate) {
            if (open()) {
                real.setStatus(sc);
            }
        }
    }

    @Override
    public void setHeader(String name, String value) {
        if (name != null && name.equalsIgnoreCase("Content-Length")) {
            setContentLengthLong(value == null ? -1 : parseLength(value));
            return;
        }
        synchronized (gate) {
            if (open()) {
                real.setHeader(name, value);
            }
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (name != null && name.equalsIgnoreCase("Content-Length")) {
            setContentLengthLong(parseLength(value));
            return;
        }
        synchronized (gate) {
            if (open()) {
                real.addHeader(name, value);
            }
        }
    }

    private static long parseLength(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        setHeader(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        addHeader(name, Integer.toString(value));
    }

    @Override
    public void setDateHeader(String name, long date) {
        synchronized (gate) {
            if (open()) {
                real.setDateHeader(name, date);
            }
        }
    }

    @Override
    public void addDateHeader(String name, long date) {
        synchronized (gate) {
            if (open()) {
                real.addDateHeader(name, date);
            }
        }
    }

    @Override
    public void addCookie(Cookie cookie) {
        synchronized (gate) {
            if (open()) {
                real.addCookie(cookie);
                cookieAdded = true;
            }
        }
    }

    /**
     * @return whether the application added a cookie: Undertow lists such cookies among the response's headers only
     *         when it commits, so {@code Set-Cookie} may be missing from {@code getHeaderNames()} before
     */
    boolean cookieAdded() {
        return cookieAdded;
    }

    @Override
    public void setContentType(String type) {
        synchronized (gate) {
            if (open()) {
                real.setContentType(type);
            }
        }
    }

    @Override
    public void setCharacterEncoding(String charset) {
        if (writer != null) {
            return; // as the Servlet spec: no effect once the writer is out
        }
        synchronized (gate) {
            if (open()) {
                real.setCharacterEncoding(charset);
            }
        }
    }

    @Override
    public void setLocale(Locale loc) {
        synchronized (gate) {
            if (open()) {
                real.setLocale(loc);
            }
        }
    }

    @Override
    public void setContentLength(int n) {
        setContentLengthLong(n);
    }

    @Override
    public void setContentLengthLong(long n) {
        // held back: a container may complete a response as soon as that many bytes are written
        contentLength = n;
        if (realOut != null && realOut != ClosedOutput.INSTANCE) {
            synchronized (gate) {
                real.setContentLengthLong(n);
            }
        }
    }

    @Override
    public void setTrailerFields(Supplier<Map<String, String>> supplier) {
        synchronized (gate) {
            if (open()) {
                real.setTrailerFields(supplier);
            }
        }
    }
}
