package dev.seawall.core.chain;

import dev.seawall.core.http.Rejection;

/**
 * A stage's answer to a request: an admitted {@link Permit}, a {@link Rejection}, or a {@link Deferral}
 * (the throttle's "wait in the queue", decided later). All three implement this interface so that a stage
 * can answer without allocating a wrapper. Implementations are immutable, or safe to use from another
 * thread as each subtype documents.
 */
public interface Admission {

    /** @return the rejection, or null when admitted */
    Rejection rejection();

    /** @return the permit to settle; {@link Permit#NONE} for a rejection */
    Permit permit();

    /** @return true when the answer is not known yet ({@link Deferral}) */
    default boolean deferred() {
        return false;
    }

    /** @return true when the request may go on to the next stage */
    default boolean admitted() {
        return rejection() == null && !deferred();
    }
}
