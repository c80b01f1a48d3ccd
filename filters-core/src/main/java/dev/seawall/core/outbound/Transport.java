package dev.seawall.core.outbound;

import java.util.concurrent.CompletableFuture;

/**
 * Sends one attempt of an outbound request; implemented by adapters (the {@code java.net.http} wrapper, the JAX-RS
 * client feature, the decorator). Called once per attempt, possibly from a timer thread; must not block: the
 * returned future completes with the response or the failure. The engine cancels the future when the attempt runs
 * out of time or loses a hedge race; an adapter that can abort its transport on cancellation should.
 *
 * <p>Implementations must be thread-safe: a hedged attempt runs while another one is in flight.
 *
 * @param <R> the response type
 */
@FunctionalInterface
public interface Transport<R> {

    /** @return the attempt's response or failure; never null */
    CompletableFuture<R> send(AttemptContext attempt);
}
