/**
 * Timeouts: the stage that sets a request's deadline, and the machinery that answers at the deadline while the
 * handler keeps its thread.
 *
 * <p><b>API</b>: {@code TimeoutStage}. <b>Internal</b>: {@code DeadlineTimer} (fires deadlines; an engine owns
 * one) and {@code ResponseGate} (decides once who writes a request's response), used by Seawall's adapters.
 *
 * <p>Thread-safety: {@code TimeoutStage} and {@code DeadlineTimer} are thread-safe and shared; a
 * {@code ResponseGate} belongs to one request and is thread-safe, its decision taken by compare-and-set.
 */
package dev.seawall.core.timeout;
