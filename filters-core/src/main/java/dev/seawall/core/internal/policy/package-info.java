/**
 * The path table that finds a request's policy with servlet url-pattern precedence.
 *
 * <p><b>Internal</b>: {@code PathPolicyTable} is public only for the engine and the throttle's priority rules in
 * other packages; applications must not use it, and it changes in any release.
 *
 * <p>Thread-safety: a table is immutable and thread-safe, compiled once and matched per request without
 * allocating; its builder is not thread-safe.
 */
package dev.seawall.core.internal.policy;
