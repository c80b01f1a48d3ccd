/**
 * The request and answer types every adapter translates to and from: what a stage may read of a request, what it
 * answers, and how the outcome is reported back.
 *
 * <p><b>SPI</b>: {@code RequestView} (a request as a stage sees it; each adapter implements it, and key resolvers
 * read it) and {@code HeaderSink} (where a stage writes its response headers). <b>API</b>: {@code Rejection} (a
 * refusal as data: status, headers, problem), {@code Outcome} (how a request ended), {@code RetryAfter}.
 *
 * <p>Thread-safety: a {@code RequestView} and a {@code HeaderSink} belong to one request and are used by one thread
 * at a time, only during the call they are passed to. {@code Rejection} and {@code Outcome} are immutable and
 * thread-safe; {@code RetryAfter} is stateless.
 */
package dev.seawall.core.http;
