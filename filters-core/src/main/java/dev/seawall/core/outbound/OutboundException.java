package dev.seawall.core.outbound;

import java.io.IOException;

/**
 * An outbound call that Seawall ended without an answer from the dependency: refused before any I/O (breaker open,
 * bulkhead full, no time left) or cut at its deadline. An {@link IOException}, so that it fits the signatures of the
 * clients it wraps ({@code HttpClient#send}). The message names the client and the reason, never a URL.
 */
public final class OutboundException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why the call ended. */
    public enum Reason {
        /** The breaker for the client and host is open: nothing was sent. */
        CIRCUIT_OPEN,
        /** {@code max-concurrent} calls of the client were in flight: nothing was sent. */
        BULKHEAD_FULL,
        /** The inbound request's deadline (or the call's share of it) had passed: nothing was sent. */
        DEADLINE_EXCEEDED,
        /** An attempt or the whole call ran out of time ({@code timeout.attempt}, {@code timeout.total}, deadline). */
        TIMED_OUT
    }

    private final String client;
    private final Reason reason;

    public OutboundException(String client, Reason reason, String message) {
        super("Seawall client '" + client + "': " + message);
        this.client = client;
        this.reason = reason;
    }

    /** @return the configured client's name */
    public String client() {
        return client;
    }

    public Reason reason() {
        return reason;
    }
}
