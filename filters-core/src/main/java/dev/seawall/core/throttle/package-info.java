/**
 * The throttle: a concurrency limit with a bounded, prioritised waiting queue, answering 503 on overflow or an
 * expired wait.
 *
 * <p><b>API</b>: {@code ThrottleStage}, {@code ThrottleStatus} (the snapshot the status page and the meters read).
 * <b>SPI</b>: {@code PriorityClassifier} (sorts waiting requests into
 * priority classes).
 *
 * <p>Thread-safety: {@code ThrottleStage} is thread-safe, shared by every request of its policy;
 * {@code ThrottleStatus} is an immutable snapshot. A
 * {@code PriorityClassifier} must be thread-safe, fast and never throw: it runs once per queued request.
 */
package dev.seawall.core.throttle;
