package dev.seawall.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

/**
 * The sink of a {@link BufferedResponse} that is already complete (redirect, error) or taken over by a timeout: what
 * the application still writes is dropped. Stateless; thread-safe.
 */
final class ClosedOutput extends ServletOutputStream {

    static final ClosedOutput INSTANCE = new ClosedOutput();

    private ClosedOutput() {
    }

    @Override
    public void write(int b) {
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public void setWriteListener(WriteListener listener) {
        throw new IllegalStateException("the response is complete");
    }
}
