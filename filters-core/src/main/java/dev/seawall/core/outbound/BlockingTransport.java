package dev.seawall.core.outbound;

/**
 * Sends one attempt of an outbound request on the calling thread and returns its response; implemented by adapters
 * whose callers block anyway ({@code HttpClient#send}). Called once per attempt, always on the thread that called
 * {@link OutboundClient#executeBlocking}. The attempt must give up by {@link AttemptContext#timeoutNanos()} (set it as
 * the transport's own time-out); the engine also interrupts the thread then, for transports that respond to it.
 *
 * @param <R> the response type
 */
@FunctionalInterface
public interface BlockingTransport<R> {

    /**
     * @return the attempt's response; never null
     * @throws Exception the attempt's failure, sorted by the call's {@link FailureClassifier}
     */
    R send(AttemptContext attempt) throws Exception;
}
