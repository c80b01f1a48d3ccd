/**
 * RFC 9651 Structured Field serialisation, for the {@code RateLimit} and {@code RateLimit-Policy} headers.
 *
 * <p><b>Internal</b>: {@code StructuredFields} is public for the rate limiter's header writer in another package;
 * applications must not use it, and it changes in any release.
 *
 * <p>Thread-safety: a {@code ListBuilder} is not thread-safe (one per header value); the static checks are
 * stateless and thread-safe.
 */
package dev.seawall.core.internal.sf;
