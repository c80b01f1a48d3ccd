/**
 * The circuit breaker: a Resilience4j breaker with Seawall's settings and meters, and the stage that puts it in a
 * chain.
 *
 * <p><b>API</b>: {@code Breaker}, {@code BreakerStage} (both built with a {@code builder}), and {@code BreakerStatus},
 * the snapshot the status page and the meters read.
 *
 * <p>Thread-safety: all three are thread-safe ({@code BreakerStatus} is an immutable snapshot). A {@code BreakerStage}
 * is shared by every request of its policy, a {@code Breaker} by every policy that names it; neither runs a thread of
 * its own.
 */
package dev.seawall.core.breaker;
