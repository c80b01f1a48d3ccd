package dev.seawall.servlet;

import java.util.Arrays;

/**
 * Re-entry detection: which Seawall filters the current thread is inside, outermost first.
 *
 * <p>Invariant: a filter is on its thread's stack exactly while its {@code doFilter} runs the request's REQUEST pass
 * (or the ASYNC dispatch that resumes a queued request), between {@link #enter} and {@link #leave}. So a REQUEST
 * dispatch reaching a filter already on the stack (the filter mapped twice in one chain) passes through, while an
 * outer filter that calls the chain again after it returned (a retry) is admitted again, as the new call it is; and
 * the outermost one knows that no Seawall filter has written a header yet.
 *
 * <p>Who calls it: {@link PolicyRunner} (and {@link ThrottleWait} when it resumes a request), once per filter per pass.
 *
 * <p>Thread-safety: thread-confined by construction (a {@link ThreadLocal}). Thread state instead of request
 * attributes, because every request attribute is a map operation in the container. The value is a JDK array whose
 * slots are cleared on the way out, so a container thread never keeps this web application's classes alive after
 * an undeploy.
 */
final class FilterStack {

    /** {@link #position}: no Seawall filter is on this thread. */
    static final int OUTERMOST = 0;
    /** {@link #position}: other Seawall filters are on this thread, not this one. */
    static final int NESTED = 1;
    /** {@link #position}: this filter is already on this thread (mapped twice in one chain). */
    static final int INSIDE_ITSELF = 2;

    private static final ThreadLocal<Object[]> ACTIVE = ThreadLocal.withInitial(() -> new Object[4]);

    private FilterStack() {
    }

    /** @return {@link #OUTERMOST}, {@link #NESTED} or {@link #INSIDE_ITSELF} for {@code filter} on this thread */
    static int position(Object filter) {
        Object[] active = ACTIVE.get();
        if (active[0] == null) {
            return OUTERMOST;
        }
        for (Object f : active) {
            if (f == null) {
                return NESTED;
            }
            if (f == filter) {
                return INSIDE_ITSELF;
            }
        }
        return NESTED;
    }

    /** @return the slot {@code filter} took on this thread, to be given to {@link #leave} */
    static int enter(Object filter) {
        Object[] active = ACTIVE.get();
        for (int i = 0; i < active.length; i++) {
            if (active[i] == null) {
                active[i] = filter;
                return i;
            }
        }
        Object[] grown = Arrays.copyOf(active, active.length * 2);
        grown[active.length] = filter;
        ACTIVE.set(grown);
        return active.length;
    }

    /** Takes the filter off this thread's stack. */
    static void leave(int slot) {
        ACTIVE.get()[slot] = null;
    }
}
