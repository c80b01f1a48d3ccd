package dev.seawall.core.chain;

import dev.seawall.core.http.Rejection;

/**
 * A stage's answer to a request: either an admitted {@link Permit} or a {@link Rejection}.
 * Both implement this interface so that a stage can answer without allocating a wrapper.
 *
 * <p>(The throttle issue adds a third answer, a deferral that resumes the walk later.) Implementations
 * are immutable or, for permits, safe to settle from another thread (see {@link Permit}).
 */
public interface Admission {

    /** @return the rejection, or null when admitted */
    Rejection rejection();

    /** @return the permit to settle; {@link Permit#NONE} for a rejection */
    Permit permit();

    /** @return true when the request may go on to the next stage */
    default boolean admitted() {
        return rejection() == null;
    }
}
