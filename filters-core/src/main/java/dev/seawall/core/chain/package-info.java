/**
 * The stage protocol and the chain that runs it: a stage admits a request with a permit, rejects it, or defers the
 * decision (the throttle's queue); every permit is settled exactly once, inner to outer.
 *
 * <p><b>SPI</b>: {@code Stage} (a resilience step; implement it to add your own), and what it answers with:
 * {@code Admission}, {@code Permit}, {@code Deferral}. <b>API</b>: {@code Chain}, {@code ChainBuilder},
 * {@code StageKind} (the kinds and their default order). <b>SPI</b> for adapter authors: {@code Exchange}, one
 * request's passage through a chain ({@code Chain.admit} returns it; an adapter drives it and settles it once).
 * Applications built on {@code SeawallFilter} or {@code SeawallFeature} never meet it.
 *
 * <p>Thread-safety: a {@code Stage} is shared by every request of its policy and must be thread-safe, and its
 * {@code admit} must not block on a lock shared by all requests; a {@code Permit} belongs to one request and is
 * settled once, possibly on another thread than the one it was issued on. {@code Chain} is immutable and
 * thread-safe; {@code ChainBuilder} is not thread-safe; an {@code Exchange} is driven by one thread at a time
 * and settled once.
 */
package dev.seawall.core.chain;
