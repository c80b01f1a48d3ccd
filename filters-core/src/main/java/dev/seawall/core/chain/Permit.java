package dev.seawall.core.chain;

import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;

/**
 * What a stage hands out when it admits a request. It must be settled exactly once: either
 * {@link #complete(Outcome)} after the application ran, or {@link #release()} when the request never
 * reached what the stage guards (an inner stage rejected it, the client went away before dispatch).
 *
 * <p>Thread safety: implementations must tolerate being settled from a thread other than the one that acquired them
 * (async requests); the chain's {@link Exchange} guarantees a single settlement, so a permit itself
 * need not guard against a second call.
 */
public interface Permit extends Admission {

    /** A permit that records nothing; shared, allocation-free. */
    Permit NONE = new Permit() {
        @Override
        public void complete(Outcome outcome) {
        }

        @Override
        public void release() {
        }

        @Override
        public String toString() {
            return "Permit.NONE";
        }
    };

    /**
     * Adds the headers every response of this stage carries (e.g. {@code RateLimit}). Called once,
     * before the application writes anything, only for admitted requests.
     */
    default void writeHeaders(HeaderSink headers) {
    }

    /**
     * Adds the headers this permit will write once {@link #release() released}. An adapter whose inner part refused the
     * request writes them into that refusal before it releases the permit on its way out, so that the answer describes
     * what the client is left with (a refunded rate limit). By default the same as {@link #writeHeaders}.
     */
    default void writeReleasedHeaders(HeaderSink headers) {
        writeHeaders(headers);
    }

    /** The application ran; record its outcome. */
    void complete(Outcome outcome);

    /**
     * The request did not reach what this stage guards; give back what was taken. For a rate limit
     * this refunds the tokens, so a request rejected by a later stage costs the client nothing.
     */
    void release();

    @Override
    default Rejection rejection() {
        return null;
    }

    @Override
    default Permit permit() {
        return this;
    }
}
