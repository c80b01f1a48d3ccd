/**
 * Time: the one monotonic clock every stage reads, so that tests can drive time by hand.
 *
 * <p><b>SPI</b>: {@code NanoClock} (the system clock by default). <b>API</b>: {@code ManualClock}, the fake clock
 * for tests.
 *
 * <p>Thread-safety: a {@code NanoClock} is read by every request concurrently and must be thread-safe and
 * monotonic. {@code ManualClock} is thread-safe.
 */
package dev.seawall.core.time;
