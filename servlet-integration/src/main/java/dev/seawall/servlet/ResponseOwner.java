package dev.seawall.servlet;

/**
 * What a {@link BufferedResponse} tells the request's {@link ResponseContext}. An interface the owner implements
 * rather than two lambdas: one response is made per buffered request, and each object per request showed on a
 * trivial endpoint.
 *
 * <p>Called on the thread that runs the application, under the request's gate where stated.
 */
interface ResponseOwner {
    /** Re-applies Seawall's own headers after the application reset the response (under the gate). */
    void onReset();

    /** The response is about to hand an error to the container, whose error page gets the container's request. */
    void beforeErrorDispatch();
}
