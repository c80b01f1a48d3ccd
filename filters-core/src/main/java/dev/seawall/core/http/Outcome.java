package dev.seawall.core.http;

/**
 * What happened to an admitted request, built once by the adapter after the application returned
 * (or failed, or timed out) and handed to every permit of the request.
 *
 * <p>Immutable and thread-safe.
 *
 * @param status       the response status the client got (0 if none was committed)
 * @param failure      what the application threw, or null; never rendered to the client
 * @param startNanos   clock reading when the application was called (after every stage admitted the
 *                     request, so a wait in a throttle queue is not counted as the application's time)
 * @param endNanos     clock reading when the application returned
 * @param timedOut     true when a timeout was answered before the application returned
 */
public record Outcome(int status, Throwable failure, long startNanos, long endNanos, boolean timedOut) {

    /** @return how long the application took */
    public long elapsedNanos() {
        return endNanos - startNanos;
    }

    /** @return true when the application threw */
    public boolean failed() {
        return failure != null;
    }
}
