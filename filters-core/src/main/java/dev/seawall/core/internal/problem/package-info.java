/**
 * The problem answer for an application that threw under a buffering policy.
 *
 * <p><b>Internal</b>: {@code Failures} is public only for Seawall's adapters; applications must not use it, and it
 * changes in any release.
 *
 * <p>Thread-safety: stateless and thread-safe.
 */
package dev.seawall.core.internal.problem;
