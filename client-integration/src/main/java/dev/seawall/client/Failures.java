package dev.seawall.client;

import java.io.IOException;
import java.util.concurrent.ExecutionException;

/** How the adapters hand an engine call's failure to a blocking caller. Stateless. */
final class Failures {

    private Failures() {
    }

    /**
     * Throws the failure of an outbound call as the blocking client would have: an {@link IOException} (Seawall's
     * {@code OutboundException} included) or an unchecked exception as it is, anything else wrapped in an
     * {@link IOException}.
     */
    static IOException rethrow(ExecutionException e) throws IOException {
        Throwable cause = e.getCause();
        if (cause instanceof IOException io) {
            throw io;
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        throw new IOException(cause);
    }
}
