package dev.seawall.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import java.io.IOException;
import java.util.Objects;

/**
 * The application's output stream of a {@link BufferedResponse}: into its buffer, or through once the response
 * streams. Every decision (hold, stream, drop once the deadline answered) stays with the response; this class only
 * forwards the stream's surface to it.
 *
 * <p>Not thread-safe, like the response it belongs to.
 */
final class BufferingStream extends ServletOutputStream {
    private final BufferedResponse response;
    private final byte[] one = new byte[1];

    BufferingStream(BufferedResponse response) {
        this.response = response;
    }

    @Override
    public void write(int b) throws IOException {
        one[0] = (byte) b;
        response.write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
        Objects.checkFromIndexSize(off, n, b.length);
        response.write(b, off, n);
    }

    @Override
    public void flush() throws IOException {
        if (response.internalFlush || response.closed || !response.open()) {
            return;
        }
        response.applicationFlush();
    }

    @Override
    public void close() throws IOException {
        // the body is complete; Seawall commits it when the application returns
        ServletOutputStream out = response.realOut;
        if (out != null && out != ClosedOutput.INSTANCE && response.open()) {
            out.close();
        }
    }

    @Override
    public boolean isReady() {
        ServletOutputStream out = response.realOut;
        return out == null || out == ClosedOutput.INSTANCE || out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
        // non-blocking output needs the real stream: stream from here on
        try {
            if (response.stream() && response.realOut != ClosedOutput.INSTANCE) {
                response.realOut.setWriteListener(listener);
                return;
            }
        } catch (IOException e) {
            listener.onError(e);
            return;
        }
        throw new IllegalStateException("the response can no longer be written");
    }
}
