/**
 * RFC 9457 problem answers: the type URIs clients branch on, and the one renderer both adapters use.
 *
 * <p><b>API</b>: {@code ProblemTypes}, {@code ProblemRenderer}. <b>Internal</b>: {@code Failures} (the answer for
 * an application that threw under a buffering policy), used by Seawall's adapters.
 *
 * <p>Thread-safety: all three are stateless and thread-safe.
 */
package dev.seawall.core.problem;
