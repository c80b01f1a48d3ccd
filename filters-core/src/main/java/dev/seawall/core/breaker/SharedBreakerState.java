package dev.seawall.core.breaker;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * SPI: where the fleet-wide state of shared circuit breakers ({@code circuit-breaker.shared: true}) lives. A shared
 * store offers one through {@link dev.seawall.core.ratelimit.BucketStore#sharedBreakers()}; the core decides, the
 * store only keeps a small record per breaker and passes messages.
 *
 * <p>The record is a {@link State}: a phase (closed, open, forced open) and a generation that rises by one with every
 * change, so that a node can tell a newer state from an old message and no late message undoes a later change. Every
 * change is published to every node that {@link #join joined} the breaker. What changes the record:
 * <ul>
 *   <li>{@link #open}: a node's own window judged the dependency failing; it opens the fleet only if the record is
 *       still the closed generation the node knew (else the node learns the newer state instead);</li>
 *   <li>{@link #probeResult}: half-open probes are counted per open generation across the fleet; the
 *       {@code calls}-th result decides (failure rate at or above the threshold: open again, else closed);</li>
 *   <li>{@link #force}: an operator's forced open or close, unconditionally.</li>
 * </ul>
 * Half-open itself is not in the record: each node half-opens on its own after {@code open-for}, and asks
 * {@link #tryProbe} for one of the generation's {@code half-open-calls} probe permits, which are leases (a crashed
 * node's permits come back when their lease ends).
 *
 * <p>Implementations are thread-safe. Every operation answers within the store's own time limit; an asynchronous
 * one completes exceptionally with {@link dev.seawall.core.idempotency.IdempotencyStore.StoreUnavailableException}
 * when the store cannot answer, and the synchronous ones throw it. Listeners and the completions of the returned
 * stages may run on the store's own threads (its I/O threads): the core never calls the store from them, and never
 * blocks in them; a store may complete a stage on the calling thread.
 */
public interface SharedBreakerState {

    /** The fleet-wide phase of a shared breaker; half-open is each node's own. Immutable. */
    enum Phase {
        CLOSED, OPEN, FORCED_OPEN
    }

    /**
     * One breaker's fleet-wide state. Immutable and thread-safe.
     *
     * @param generation rises by one with every change of the record; 0 for a breaker never changed
     * @param phase      the phase of that generation
     */
    record State(long generation, Phase phase) {

        /** The state of a breaker with no record yet. */
        public static final State INITIAL = new State(0, Phase.CLOSED);
    }

    /**
     * Receives the states any node publishes for one breaker, on the store's thread, possibly out of order and more
     * than once. Implementations are thread-safe and do not block.
     */
    @FunctionalInterface
    interface Listener {
        void published(State state);
    }

    /** A joined breaker; {@link #close()} stops its messages (idempotent). Thread-safe. */
    interface Membership extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Starts delivering the states published for {@code breaker} to {@code listener}. One subscription serves every
     * breaker of the store.
     */
    Membership join(String breaker, Listener listener);

    /** @return the breaker's current record ({@link State#INITIAL} when it has none) */
    CompletionStage<State> read(String breaker);

    /**
     * Opens the fleet's breaker when its record is still {@code closedGeneration} and closed: the next generation,
     * open, published.
     *
     * @return the record after the call: the new open generation, or the newer state some node wrote first
     */
    CompletionStage<State> open(String breaker, long closedGeneration);

    /** Writes {@code phase} as the next generation whatever the record holds, and publishes it (operators' actions). */
    CompletionStage<State> force(String breaker, Phase phase);

    /**
     * Takes one probe permit of an open generation, synchronously (a half-open request waits for it): at most
     * {@code limit} are granted per generation across the fleet, each for at most {@code lease}.
     *
     * @return whether this node may send the probe
     * @throws dev.seawall.core.idempotency.IdempotencyStore.StoreUnavailableException when the store cannot answer
     */
    boolean tryProbe(String breaker, long generation, int limit, Duration lease);

    /** Gives back a permit whose call never ran. Fire and forget. */
    void releaseProbe(String breaker, long generation);

    /**
     * Records one probe's result for an open generation. The {@code calls}-th result of the generation decides: the
     * next generation is open again when at least {@code failureRate} percent of the results failed, else closed;
     * published. A result for a generation the record has left changes nothing.
     *
     * @return the record after the call
     */
    CompletionStage<State> probeResult(String breaker, long generation, boolean failed, int calls, int failureRate);

    /** @return a short description for logs and the status page, never containing credentials */
    String describe();
}
