package dev.seawall.core.internal.answer;

import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.http.Rejection;

import java.io.IOException;
import java.util.List;

/**
 * The adapter's side of an {@link AnswerArbiter}: the one place where a container's response is read or written for
 * a buffered request. The arbiter decides which answer goes on the wire; the sink only translates.
 *
 * <p>Thread-safety: the arbiter calls the sink either on the thread that finishes the application's response or, for
 * a deadline, on a timer thread while holding the request's {@link dev.seawall.core.internal.timeout.ResponseGate}
 * monitor. The gate's compare-and-set guarantees that only one of them writes; the sink must make the application's own
 * writes to the real response take the same monitor (see {@code ResponseGate}).
 */
public interface AnswerSink {

    /** @return the status the application chose (an error it sent included); read only after it finished */
    int applicationStatus();

    /** @return the headers of the application's response as they would be sent, for a stale copy */
    List<Rejection.Header> applicationHeaders();

    /** @return the application's whole body if it was held (buffered or captured), else null */
    byte[] applicationBody();

    /** Drops what the application wrote (its body, status and headers) before another answer replaces it. */
    void discard();

    /**
     * Writes a substitute (a fallback or a stale copy) with {@code X-Data-Source} and the permits' headers
     * ({@link AnswerArbiter#writePermitHeaders}) onto the real response.
     *
     * @param atDeadline whether this is the deadline's answer, written while the application may still run: the
     *                   sink then asks the client to close the connection (HTTP/1) and pushes the answer out at once
     */
    void writeFallback(FallbackResponse response, boolean atDeadline) throws IOException;

    /** Writes Seawall's problem answer with the permits' headers; {@code atDeadline} as for {@link #writeFallback}. */
    void writeProblem(Rejection problem, boolean atDeadline) throws IOException;

    /** Sends the application's own (held) response. */
    void commitApplication() throws IOException;

    /**
     * Commits the application's status and headers to the next layer, without its body, so that the stale copy about
     * to be judged sees the headers as sent: a layer outside Seawall may add headers only when the response commits
     * (Spring Security's {@code Cache-Control: no-store}). Called only for a stale-cache candidate (a policy with a
     * stale cache, GET, 2xx, the whole body held), right before {@link #applicationHeaders()} and
     * {@link #commitApplication()}; the client cannot have the whole answer before its body follows, so the copy is
     * still kept before the client could ask again. Nothing by default: the headers are judged as they are then.
     */
    default void commitHeadersForCopy() throws IOException {
    }

    /**
     * Settles the request's permits. Called once the answer is decided and before any byte of it is written, so a
     * client that sends its next request as soon as it has read this answer finds the permits, the breaker's count
     * and the stale copy in place.
     *
     * @param failure           what the application threw, or null
     * @param applicationStatus the application's own status (500 for a failure), before any substitute replaced it
     * @param refusedInside     whether an inner Seawall filter refused the request (it never reached the application)
     */
    void settle(Throwable failure, int applicationStatus, boolean refusedInside);

    /** The deadline's answer was written; called after the gate's monitor was released. Nothing by default. */
    default void deadlineAnswered() {
    }
}
