package dev.seawall.servlet;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The application's work on threads of its own for one admitted request ({@link HandlerWork}), and the settlements of
 * that request's filter passes waiting for it.
 *
 * <h2>Design note</h2>
 * <ul>
 *   <li><b>Invariant.</b> While any begun work has not ended, no settlement of the request's passes runs: each is
 *       {@linkplain #settle held} and runs when the last work ends, on that thread. So a pass settles at the later of
 *       its own settlement point (the application's return, the async cycle's end) and the last work's end, exactly
 *       once (the held list is drained once, and the exchange's own compare-and-set backs it up); the outcome's end
 *       time is then the real end.</li>
 *   <li><b>A work's failure</b> recorded before the settlement runs makes the outcome a failure (see
 *       {@link FilterPass#complete}); one recorded after it changes nothing (the request is settled).</li>
 *   <li><b>Finding the passes.</b> {@link HandlerWork#begin} runs on the request's thread, inside the Seawall filters'
 *       chain calls: each pass that runs the application is on this thread's stack ({@link #enter}, {@link #leave}),
 *       and every pass whose request the given one wraps joins one ledger, made on the first {@code begin}. Thread
 *       state, not a request attribute, because the first attribute builds the container's attribute map on every
 *       request, and most requests never begin work. The stack is a JDK array whose slots are cleared on the way out,
 *       so a container thread never keeps this web application's classes alive after an undeploy.</li>
 * </ul>
 * Thread-safe: works end on any thread; the counts and the held settlements are guarded by this object's monitor,
 * and settlements run outside it.
 */
final class WorkLedger {

    private static final ThreadLocal<Object[]> PASSES = ThreadLocal.withInitial(() -> new Object[4]);
    /** Wrapper chains longer than this are not followed (no framework stacks that many). */
    private static final int MAX_WRAPPERS = 64;

    private int open;
    private Throwable failure;
    private List<Runnable> held;

    // ---- the passes on this thread ----

    /** @return the slot the pass took on this thread; give it to {@link #leave} when its chain call returns */
    static int enter(FilterPass pass) {
        Object[] passes = PASSES.get();
        for (int i = 0; i < passes.length; i++) {
            if (passes[i] == null) {
                passes[i] = pass;
                return i;
            }
        }
        Object[] grown = Arrays.copyOf(passes, passes.length * 2);
        grown[passes.length] = pass;
        PASSES.set(grown);
        return passes.length;
    }

    static void leave(int slot) {
        Object[] passes = PASSES.get();
        for (int i = slot; i < passes.length && passes[i] != null; i++) {
            passes[i] = null;
        }
    }

    /**
     * @return the ledger of the passes on this thread that run {@code request} (it wraps the request they were given),
     *         made and joined now if needed; null when no Seawall pass runs it here
     */
    static WorkLedger of(ServletRequest request) {
        Object[] passes = PASSES.get();
        WorkLedger ledger = null;
        List<FilterPass> joining = null;
        for (int i = 0; i < passes.length && passes[i] != null; i++) {
            FilterPass pass = (FilterPass) passes[i];
            if (!wraps(request, pass.request())) {
                continue;
            }
            WorkLedger own = pass.workLedger();
            if (own != null) {
                ledger = own;
            } else {
                if (joining == null) {
                    joining = new ArrayList<>(2);
                }
                joining.add(pass);
            }
        }
        if (joining == null) {
            return ledger;
        }
        if (ledger == null) {
            ledger = new WorkLedger();
        }
        for (FilterPass pass : joining) {
            pass.joinWorkLedger(ledger);
        }
        return ledger;
    }

    /** @return whether {@code request} is {@code target} or wraps it */
    private static boolean wraps(ServletRequest request, ServletRequest target) {
        ServletRequest r = request;
        for (int i = 0; r != null && i <= MAX_WRAPPERS; i++) {
            if (r == target) {
                return true;
            }
            r = r instanceof ServletRequestWrapper w ? w.getRequest() : null;
        }
        return false;
    }

    // ---- the works ----

    synchronized void begin() {
        open++;
    }

    /** One work ended (with {@code failed}, or null); the last one runs the held settlements, here. */
    void end(Throwable failed) {
        List<Runnable> run;
        synchronized (this) {
            if (failed != null && failure == null) {
                failure = failed;
            }
            if (--open > 0 || held == null) {
                return;
            }
            run = held;
            held = null;
        }
        run.forEach(Runnable::run);
    }

    /** Runs {@code settlement} now when no work is open, else when the last one ends. */
    void settle(Runnable settlement) {
        synchronized (this) {
            if (open > 0) {
                if (held == null) {
                    held = new ArrayList<>(2);
                }
                held.add(settlement);
                return;
            }
        }
        settlement.run();
    }

    /** @return the first failure a work ended with, or null */
    synchronized Throwable failure() {
        return failure;
    }
}
