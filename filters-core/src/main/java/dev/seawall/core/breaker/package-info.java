/**
 * The circuit breaker: a Resilience4j breaker with Seawall's settings and meters, and the stage that puts it in a
 * chain.
 *
 * <p><b>API</b>: {@code Breaker}, {@code BreakerStage}.
 *
 * <p>Thread-safety: both are thread-safe. A {@code BreakerStage} is shared by every request of its policy, a
 * {@code Breaker} by every policy that names it; neither runs a thread of its own.
 */
package dev.seawall.core.breaker;
