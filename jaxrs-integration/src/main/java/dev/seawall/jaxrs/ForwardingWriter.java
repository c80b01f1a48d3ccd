package dev.seawall.jaxrs;

import org.glassfish.jersey.server.spi.ContainerResponseWriter;

import java.util.concurrent.TimeUnit;

/**
 * A Jersey response writer in front of the container's: suspension and buffering go to the container's writer, and a
 * suspension's timeout handler is shown this writer, so that the application's time-out answer passes through it like
 * every other answer. Subclasses decide what the status, headers, body, commit and failure do.
 *
 * <p>Thread-safety: as the writer it wraps (Jersey calls a writer from one thread at a time).
 */
abstract class ForwardingWriter implements ContainerResponseWriter {

    /** The container's writer (or the next writer towards it). */
    final ContainerResponseWriter real;

    ForwardingWriter(ContainerResponseWriter real) {
        this.real = real;
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
}
