/**
 * Policies and the path table that finds a request's policy with servlet url-pattern precedence.
 *
 * <p><b>API</b>: {@code Policy}, {@code PathPolicyTable}, {@code PathPattern}.
 *
 * <p>Thread-safety: all three are immutable and thread-safe; the table is compiled once and matched per request
 * without allocating.
 */
package dev.seawall.core.policy;
