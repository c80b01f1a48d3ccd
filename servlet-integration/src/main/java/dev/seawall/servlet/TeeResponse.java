package dev.seawall.servlet;

import dev.seawall.core.http.Rejection;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The response of a request that runs holding its idempotency key: everything passes through to the container
 * unchanged, and a copy of the answer is taken as it goes (the status and headers are read from the container's
 * response when the request ended; the body is copied as written, up to the claim's {@code maxResponse}, beyond which
 * the copy is dropped). It also carries the claim's headers ({@code Idempotency-Key-Lifetime}), again after a reset.
 *
 * <p>What cannot be copied: an answer handed to the container by {@link #sendError} (the container writes its error
 * page itself, possibly through an error dispatch that never passes here) is marked {@linkplain #handedOff() handed
 * off}, and its key is freed; an answer whose write to the container's stream failed (the client left) is marked
 * {@linkplain #broken() broken}: the application ran, so its key keeps a marker, never the partial copy. A failed
 * write through the container's writer is not seen: servlet writers swallow their errors, and asking
 * {@code checkError()} would flush (and so commit) the response. {@link #sendRedirect} is kept: every supported container answers it with the status and
 * {@code Location} and no body.
 *
 * <p>A writer's characters are copied as characters and encoded at the end in the response's character encoding, so
 * the container's own writer (its buffering and its flush when the response completes) stays in charge.
 *
 * <p>Thread-safety: the application writes on its thread, and Seawall may write a timeout answer at the deadline on a
 * timer thread ({@code ResponseGate} orders the two); the copy's state is guarded by this object's monitor, so either
 * thread may write and another may read the copy once the request ended.
 */
final class TeeResponse extends HttpServletResponseWrapper {

    private final List<Rejection.Header> claimHeaders;
    private final int max;
    private byte[] bytes = new byte[0];
    private int len;
    private StringBuilder chars;
    /** The body outgrew {@link #max}: no copy. */
    private boolean overflow;
    private boolean handedOff;
    /** A write to the container's stream failed: the client left, and what it got is unknown. */
    private boolean broken;
    /** The failure of the first write that failed, to recognise the application's exception that carries it. */
    private IOException brokenBy;
    /** After a redirect nothing the application writes reaches the client. */
    private boolean sealed;
    private TeeStream stream;
    private TeeWriter writer;

    /**
     * @param claimHeaders headers every answer of this request carries
     * @param maxResponse  the largest body copied
     */
    TeeResponse(HttpServletResponse response, List<Rejection.Header> claimHeaders, int maxResponse) {
        super(response);
        this.claimHeaders = claimHeaders;
        this.max = maxResponse;
        addClaimHeaders();
    }

    private void addClaimHeaders() {
        for (Rejection.Header h : claimHeaders) {
            super.setHeader(h.name(), h.value());
        }
    }

    // ---- the copy ----

    private synchronized void copy(byte[] b, int off, int n) {
        if (overflow || sealed || n <= 0) {
            return;
        }
        if ((long) len + n > max) {
            drop();
            return;
        }
        if (len + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(max, Math.max((long) len + n, Math.max(64L,
                    2L * bytes.length))));
        }
        System.arraycopy(b, off, bytes, len, n);
        len += n;
    }

    private synchronized void copy(char[] c, int off, int n) {
        if (overflow || sealed || n <= 0) {
            return;
        }
        if (chars == null) {
            chars = new StringBuilder();
        }
        // every supported encoding takes at least one byte per character: past max characters the body is too large
        if ((long) chars.length() + n > max) {
            drop();
            return;
        }
        chars.append(c, off, n);
    }

    private synchronized void copy(String s, int off, int n) {
        if (overflow || sealed || n <= 0) {
            return;
        }
        if (chars == null) {
            chars = new StringBuilder();
        }
        if ((long) chars.length() + n > max) {
            drop();
            return;
        }
        chars.append(s, off, off + n);
    }

    private void drop() {
        overflow = true;
        bytes = null;
        chars = null;
        len = 0;
    }

    /** What was written is gone from the response (reset, resetBuffer): the copy starts again. */
    private synchronized void clearBody() {
        len = 0;
        chars = null;
        overflow = false;
        if (bytes == null) {
            bytes = new byte[0];
        }
    }

    /** @return whether the answer was handed to the container ({@code sendError}): it writes the body itself */
    synchronized boolean handedOff() {
        return handedOff;
    }

    /**
     * @return whether a write to the container's stream failed: the client left, and what it got is unknown (an
     *         application that swallows the failure would otherwise leave a truncated copy)
     */
    synchronized boolean broken() {
        return broken;
    }

    /** @return whether {@code failure} is (or was caused by) the failed write that broke the answer */
    synchronized boolean brokeWith(Throwable failure) {
        if (!broken || failure == null) {
            return false;
        }
        Throwable t = failure;
        for (int i = 0; t != null && i < 16; i++) {
            if (t == brokenBy) {
                return true;
            }
            t = t.getCause();
        }
        // a framework may wrap the client's departure in an exception of its own, or write again and fail anew
        return failure instanceof IOException || failure.getCause() instanceof IOException;
    }

    private synchronized void broke(IOException e) {
        broken = true;
        if (brokenBy == null) {
            brokenBy = e;
        }
    }

    /**
     * The answer as sent, for {@code Claim.finish}: the body, or null when it was larger than the claim's maximum.
     * Called once the request ended.
     */
    synchronized Answer answer() {
        byte[] body;
        int n;
        if (overflow) {
            body = null;
            n = 0;
        } else if (chars != null) {
            String enc = getCharacterEncoding();
            Charset cs;
            try {
                cs = enc == null ? StandardCharsets.ISO_8859_1 : Charset.forName(enc);
            } catch (RuntimeException e) {
                cs = StandardCharsets.ISO_8859_1;
            }
            byte[] encoded = chars.toString().getBytes(cs);
            if ((long) len + encoded.length > max) {
                body = null;
                n = 0;
            } else {
                body = Arrays.copyOf(bytes, len + encoded.length);
                System.arraycopy(encoded, 0, body, len, encoded.length);
                n = body.length;
            }
        } else {
            body = bytes;
            n = len;
        }
        return new Answer(getStatus(), headers(), body, n);
    }

    /** The answer to keep: status, headers as on the container's response, body (null: too large) and its length. */
    record Answer(int status, List<Rejection.Header> headers, byte[] body, int length) {
    }

    private List<Rejection.Header> headers() {
        List<Rejection.Header> out = new ArrayList<>();
        boolean contentType = false;
        for (String name : getHeaderNames()) {
            contentType |= name.equalsIgnoreCase("Content-Type");
            for (String v : getHeaders(name)) {
                out.add(new Rejection.Header(name, v));
            }
        }
        String type = getContentType();
        if (!contentType && type != null) {
            // some containers (Tomcat) list Content-Type among the headers only once the response is committed
            out.add(new Rejection.Header("Content-Type", type));
        }
        return out;
    }

    // ---- the response surface ----

    @Override
    public synchronized ServletOutputStream getOutputStream() throws IOException {
        ServletOutputStream real = super.getOutputStream();
        if (stream == null || stream.real != real) {
            stream = new TeeStream(real);
        }
        return stream;
    }

    @Override
    public synchronized PrintWriter getWriter() throws IOException {
        PrintWriter real = super.getWriter();
        if (writer == null || writer.real != real) {
            writer = new TeeWriter(real);
        }
        return writer;
    }

    @Override
    public void reset() {
        super.reset(); // throws when committed: the copy then stays as it is
        synchronized (this) {
            clearBody();
            sealed = false;
            handedOff = false;
        }
        addClaimHeaders();
    }

    @Override
    public void resetBuffer() {
        super.resetBuffer();
        synchronized (this) {
            clearBody();
        }
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        super.sendError(sc, msg);
        synchronized (this) {
            handedOff = true;
        }
    }

    @Override
    public void sendError(int sc) throws IOException {
        super.sendError(sc);
        synchronized (this) {
            handedOff = true;
        }
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        super.sendRedirect(location);
        synchronized (this) {
            clearBody();
            sealed = true;
        }
    }

    /** Passes every call to the container's stream and copies what is written. */
    private final class TeeStream extends ServletOutputStream {
        final ServletOutputStream real;

        TeeStream(ServletOutputStream real) {
            this.real = real;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                real.write(b);
            } catch (IOException e) {
                broke(e);
                throw e;
            }
            copy(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int n) throws IOException {
            try {
                real.write(b, off, n);
            } catch (IOException e) {
                broke(e);
                throw e;
            }
            copy(b, off, n);
        }

        @Override
        public void flush() throws IOException {
            try {
                real.flush();
            } catch (IOException e) {
                broke(e);
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            real.close();
        }

        @Override
        public boolean isReady() {
            return real.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            real.setWriteListener(listener);
        }
    }

    /**
     * The application's writer: a {@link PrintWriter} over a writer that passes every character to the container's
     * writer and copies it (every print, println and format ends in that writer).
     */
    private final class TeeWriter extends PrintWriter {
        private final PrintWriter real;

        TeeWriter(PrintWriter real) {
            super(new Writer() {
                @Override
                public void write(char[] c, int off, int n) {
                    real.write(c, off, n);
                    copy(c, off, n);
                }

                @Override
                public void write(String s, int off, int n) {
                    real.write(s, off, n);
                    copy(s, off, n);
                }

                @Override
                public void write(int c) {
                    real.write(c);
                    copy(new char[] {(char) c}, 0, 1);
                }

                @Override
                public void flush() {
                    real.flush();
                }

                @Override
                public void close() {
                    real.close();
                }
            });
            this.real = real;
        }

        @Override
        public boolean checkError() {
            return super.checkError() || real.checkError();
        }
    }
}
