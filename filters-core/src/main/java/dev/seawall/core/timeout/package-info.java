/**
 * Timeouts: the stage that sets a request's deadline, and the machinery that answers at the deadline while the
 * handler keeps its thread.
 *
 * <p><b>API</b>: {@code TimeoutStage}, {@code TimeoutStatus}. The machinery that fires deadlines and decides once who
 * writes a request's response is internal ({@code dev.seawall.core.internal.timeout}).
 *
 * <p>Thread-safety: {@code TimeoutStage} is thread-safe and shared by every request of its policy;
 * {@code TimeoutStatus} is an immutable snapshot.
 */
package dev.seawall.core.timeout;
