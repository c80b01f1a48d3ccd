/**
 * Timeouts: the stage that sets a request's deadline, and the machinery that answers at the deadline while the
 * handler keeps its thread.
 *
 * <p><b>API</b>: {@code TimeoutStage}, {@code TimeoutStatus}, {@code Deadline} (the running request's deadline, read
 * by outbound calls and carried into the application's executors). The machinery that fires deadlines and decides once who
 * writes a request's response is internal ({@code dev.seawall.core.internal.timeout}).
 *
 * <p>Thread-safety: {@code TimeoutStage} is thread-safe and shared by every request of its policy;
 * {@code TimeoutStatus} and {@code Deadline} are immutable.
 */
package dev.seawall.core.timeout;
