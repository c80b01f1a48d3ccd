package dev.seawall.core.outbound;

/**
 * Reads what the engine needs from an adapter's response type. Implementations must be thread-safe and cheap.
 *
 * @param <R> the response type
 */
public interface ResponseReader<R> {

    /** @return the HTTP status, or 0 when the response has none (a decorated call's value: a success) */
    int status(R response);

    /** @return the first value of a response header, or null */
    String header(R response, String name);

    /**
     * Releases a response that is not handed to the caller (a retried failure, a hedge's loser): closes its body so
     * that its connection is freed. Must not throw.
     */
    void discard(R response);

    /** A reader for values of the decorator: every value is a success; nothing to release. */
    static <T> ResponseReader<T> values() {
        return new ResponseReader<>() {
            @Override
            public int status(T response) {
                return 0;
            }

            @Override
            public String header(T response, String name) {
                return null;
            }

            @Override
            public void discard(T response) {
                // a value holds nothing
            }
        };
    }
}
