package dev.seawall.servlet;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * The writer a {@link BufferedResponse} hands out: a {@link PrintWriter} over its stream that pushes each write on
 * as the response asks (after an async dispatch, or after a held flush, when a write must
 * reach the response at once). Every print, append and format ends in one of these methods. Not thread-safe, like
 * any response writer.
 */
final class PushingWriter extends PrintWriter {
    private final Push push;

    /** What the response does after each write through this writer. */
    @FunctionalInterface
    interface Push {
        /**
         * Pushes the encoder's bytes into the response's stream if the response wants them at once, without flushing
         * the response itself.
         */
        void afterWrite() throws IOException;
    }

    PushingWriter(Writer out, Push push) {
        super(out);
        this.push = push;
    }

    @Override
    public void write(int c) {
        super.write(c);
        written();
    }

    @Override
    public void write(char[] buf, int off, int len) {
        super.write(buf, off, len);
        written();
    }

    @Override
    public void write(String s, int off, int len) {
        super.write(s, off, len);
        written();
    }

    @Override
    public void println() {
        super.println(); // writes the line separator to the encoder directly, not through write()
        written();
    }

    private void written() {
        try {
            push.afterWrite();
        } catch (IOException e) {
            setError();
        }
    }
}
