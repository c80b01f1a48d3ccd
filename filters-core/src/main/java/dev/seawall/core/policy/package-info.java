/**
 * Policies: where a policy applies (path patterns with servlet url-pattern precedence, methods) and the chain its
 * requests walk.
 *
 * <p><b>API</b>: {@code Policy}, {@code PathPattern}. The table that finds a request's policy is internal
 * ({@code dev.seawall.core.internal.policy.PathPolicyTable}).
 *
 * <p>Thread-safety: both are immutable and thread-safe.
 */
package dev.seawall.core.policy;
