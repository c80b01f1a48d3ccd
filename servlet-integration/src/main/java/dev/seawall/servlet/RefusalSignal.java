package dev.seawall.servlet;

import dev.seawall.core.http.Rejection;
import jakarta.servlet.ServletRequest;

/**
 * How an inner Seawall filter tells the outer ones that it refused the request, so that they release their permits
 * (a refusal costs the client nothing on its other limits) instead of completing them with the refusal's status.
 *
 * <p>Three channels, one per way the outer filter can be waiting:
 * <ul>
 *   <li>On the thread of the outer filter's chain call: a per-thread refusal count. The outer filter takes a
 *       {@link #mark()} before it calls the chain and asks {@link #since(int)} after; only a refusal in that call
 *       counts (a request attribute would outlive the pass when a filter outside them retries, and cost a map
 *       lookup per request).</li>
 *   <li>To an outer filter's buffered response, which may be finished on another thread: the refusing filter tells
 *       the {@link ResponseContext} itself ({@link #refused(Rejection, ResponseContext)}).</li>
 *   <li>After a wait in a queue: the outer filters' chain calls returned when the request went asynchronous, so the
 *       resuming filter marks the request ({@link #refusedAfterWait}), and their {@link SettlingListener} reads the
 *       mark when the async cycle completes.</li>
 * </ul>
 *
 * <p>Thread-safety: the count is thread-confined (a {@link ThreadLocal} holding a JDK {@code int[1]}, so a container
 * thread keeps none of this application's classes alive after an undeploy; it wraps harmlessly). The request mark is
 * written on the resuming ASYNC dispatch before the cycle completes, which orders the listener's read after it.
 */
final class RefusalSignal {

    /** Set on a request refused after it waited in a Seawall filter's queue (on the ASYNC dispatch that resumed it). */
    static final String REFUSED_AFTER_WAIT_ATTRIBUTE = "dev.seawall.refused-after-wait";

    private static final ThreadLocal<int[]> REFUSALS = ThreadLocal.withInitial(() -> new int[1]);

    private RefusalSignal() {
    }

    /** @return this thread's refusal count now, to compare with {@link #since(int)} after a chain call */
    static int mark() {
        return REFUSALS.get()[0];
    }

    /** @return whether a Seawall filter refused a request on this thread after {@code mark} was taken */
    static boolean since(int mark) {
        return REFUSALS.get()[0] != mark;
    }

    /**
     * A Seawall filter refused the request: counts it on this thread and tells the outer filter's buffered response.
     *
     * @param outer the buffered response of an outer Seawall filter in this pass, or null
     */
    static void refused(Rejection rejection, ResponseContext outer) {
        REFUSALS.get()[0]++;
        if (outer != null) {
            outer.refusedInside(rejection);
        }
    }

    /**
     * A Seawall filter answered the request itself without a refusal (an idempotency replay): the application never
     * ran, so outer filters on this thread release their permits as for a refusal.
     */
    static void answeredInside() {
        REFUSALS.get()[0]++;
    }

    /** Marks a request refused on the ASYNC dispatch that resumed it after a wait. */
    static void refusedAfterWait(ServletRequest request) {
        request.setAttribute(REFUSED_AFTER_WAIT_ATTRIBUTE, Boolean.TRUE);
    }

    /** @return whether the request was refused after a wait ({@link #refusedAfterWait}) */
    static boolean wasRefusedAfterWait(ServletRequest request) {
        return request.getAttribute(REFUSED_AFTER_WAIT_ATTRIBUTE) != null;
    }
}
