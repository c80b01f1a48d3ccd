/**
 * The throttle: a concurrency limit — fixed or adaptive — with a bounded, prioritised waiting queue, criticality
 * classes (a reserve for critical requests, displacement, shedding by stable cohorts of callers) and a shadow mode,
 * answering 503 on overflow, an expired wait or a shed.
 *
 * <p><b>API</b>: {@code ThrottleStage}, {@code ThrottleStageBuilder}, {@code ThrottleStatus} (the snapshot the status
 * page and the meters read). <b>SPI</b>: {@code PriorityClassifier} (sorts requests into priority or criticality
 * classes), {@code ConcurrencyLimit} (the limit the throttle enforces and feeds with every completion).
 *
 * <p>Thread-safety: {@code ThrottleStage} is thread-safe, shared by every request of its policy;
 * {@code ThrottleStatus} is an immutable snapshot; {@code ThrottleStageBuilder} is not thread-safe. A
 * {@code PriorityClassifier} must be thread-safe, fast and never throw: it runs once per classified request. A
 * {@code ConcurrencyLimit} must be thread-safe and never block on a lock shared by all requests.
 */
package dev.seawall.core.throttle;
