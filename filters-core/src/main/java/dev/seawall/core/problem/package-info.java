/**
 * RFC 9457 problem answers: the type URIs clients branch on, and the one renderer both adapters use.
 *
 * <p><b>API</b>: {@code ProblemTypes}, {@code ProblemRenderer}. The answer for an application that threw under a
 * buffering policy is internal ({@code dev.seawall.core.internal.problem.Failures}).
 *
 * <p>Thread-safety: both are stateless and thread-safe.
 */
package dev.seawall.core.problem;
