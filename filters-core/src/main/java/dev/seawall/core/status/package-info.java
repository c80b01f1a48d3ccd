/**
 * The status report: a JSON snapshot of an engine's policies, stages and counters, for operators.
 *
 * <p><b>API</b>: {@code StatusReport} (its JSON shape is documented for operators; the Java type only renders it).
 *
 * <p>Thread-safety: stateless and thread-safe; it reads live counters without locking.
 */
package dev.seawall.core.status;
