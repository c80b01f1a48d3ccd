/**
 * The circuit breaker: a Resilience4j breaker with Seawall's settings and meters, and the stage that puts it in a
 * chain.
 *
 * <p><b>API</b>: {@code Breaker}, {@code BreakerStage} (both built with a {@code builder}), and {@code BreakerStatus},
 * the snapshot the status page and the meters read.
 *
 * <p><b>SPI</b>: {@code SharedBreakerState}, where the fleet-wide state of breakers with
 * {@code circuit-breaker.shared: true} lives, offered by a shared store through {@code BucketStore#sharedBreakers()}.
 * A shared {@code Breaker} still judges its own window and follows the fleet's state; it runs no thread either (the
 * store's messages arrive on the store's threads, and the periodic read rides on requests).
 *
 * <p>Thread-safety: all three are thread-safe, and so is a {@code SharedBreakerState} ({@code BreakerStatus} is an immutable snapshot). A {@code BreakerStage}
 * is shared by every request of its policy, a {@code Breaker} by every policy that names it; neither runs a thread of
 * its own.
 */
package dev.seawall.core.breaker;
