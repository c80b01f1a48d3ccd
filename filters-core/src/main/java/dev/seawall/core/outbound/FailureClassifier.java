package dev.seawall.core.outbound;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Sorts an exception thrown by an outbound attempt into what the retry and the breaker make of it. Implementations
 * must be thread-safe and must not throw.
 */
@FunctionalInterface
public interface FailureClassifier {

    /** What an attempt's exception means. */
    enum Failure {
        /** The request never reached the server (refused, unresolvable): retried when {@code on} lists connect-error. */
        CONNECT_ERROR,
        /** The attempt ran out of time: retried when {@code on} lists timeout. */
        TIMEOUT,
        /** A failure the breaker counts and that is not retried. */
        OTHER,
        /** Not a failure of the dependency (a domain exception, "not found"): neither counted nor retried. */
        IGNORED
    }

    Failure classify(Throwable error);

    /**
     * Connection failures ({@link ConnectException}, {@link UnknownHostException}, {@link NoRouteToHostException},
     * {@link PortUnreachableException}, {@link UnresolvedAddressException}) are {@code CONNECT_ERROR}; time-outs
     * ({@link TimeoutException}, {@link SocketTimeoutException}, {@code java.net.http.HttpTimeoutException} and other
     * {@link InterruptedIOException}s) are {@code TIMEOUT}; everything else is {@code OTHER}. Causes are followed
     * through wrappers ({@link CompletionException}, {@link ExecutionException}, and any cause chain up to 8 deep).
     */
    FailureClassifier DEFAULT = error -> {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof OutboundException o) {
                return o.reason() == OutboundException.Reason.TIMED_OUT ? Failure.TIMEOUT : Failure.OTHER;
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException || t instanceof PortUnreachableException
                    || t instanceof UnresolvedAddressException) {
                return Failure.CONNECT_ERROR;
            }
            // java.net.http's time-outs extend IOException, not InterruptedIOException: known by name, so that
            // this module needs no java.net.http
            String name = t.getClass().getName();
            if (name.equals("java.net.http.HttpConnectTimeoutException")) {
                return Failure.CONNECT_ERROR;
            }
            if (t instanceof TimeoutException || t instanceof InterruptedIOException
                    || name.equals("java.net.http.HttpTimeoutException")) {
                return Failure.TIMEOUT; // SocketTimeoutException among them
            }
        }
        return Failure.OTHER;
    };
}
