package dev.seawall.core.outbound;

/**
 * What an adapter needs to send one attempt. Immutable and thread-safe.
 *
 * @param number         the attempt, from 1
 * @param hedged         whether this attempt is a hedge sent while an earlier one is still running
 * @param timeoutNanos   the longest this attempt may take: {@code timeout.attempt} or the call's time left,
 *                       whichever is shorter; the engine cancels the attempt then, and the adapter should also give
 *                       its transport this bound so that a hung connection is closed, not only abandoned
 * @param deadlineHeader the request header to carry {@link #remainingMillis()} downstream, or null for none (none
 *                       configured, or the attempt has no bound at all)
 * @param remainingMillis the time the caller waits for this attempt, in whole milliseconds, at least 1, for
 *                       {@link #deadlineHeader()}
 */
public record AttemptContext(int number, boolean hedged, long timeoutNanos, String deadlineHeader,
                             long remainingMillis) {
}
