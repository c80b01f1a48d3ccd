package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.timeout.DeadlineBinding;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.timeout.Deadline;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The entry every Seawall servlet filter shares: classify the dispatch, match, admit, then hand the request to the
 * protocol that owns the next step. Each protocol is its own class with its own design note:
 * <ul>
 *   <li>re-entry detection — {@link FilterStack};</li>
 *   <li>refusal signalling between stacked filters — {@link RefusalSignal};</li>
 *   <li>throttle wait and resume — {@link ThrottleWait};</li>
 *   <li>running the application and settling — {@link FilterPass}, with async settlement in
 *       {@link SettlingListener};</li>
 *   <li>idempotency keys, before the chain — {@link IdempotencyPass};</li>
 *   <li>the buffered context and its answer — {@link ResponseContext} over core's
 *       {@link dev.seawall.core.internal.answer.AnswerArbiter}.</li>
 * </ul>
 * Thread-safe; one instance per filter.
 */
final class PolicyRunner {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** The one reader of {@link Policy#APPLIED_ATTRIBUTE}: while it cannot be loaded, nobody needs the mark. */
    static final String FEATURE_CLASS = "dev.seawall.jaxrs.SeawallFeature";

    /**
     * Whether admitted requests are marked with the policy applied ({@link Policy#APPLIED_ATTRIBUTE}) for a
     * {@code SeawallFeature} behind this filter: only where that feature can be loaded, because the first request
     * attribute makes the container build the request's attribute map (about 3 % of a trivial request's server time in
     * the side-by-side profile).
     */
    private final boolean markApplied;
    private final ThrottleWait wait;

    PolicyRunner(Object owner) {
        // unique per filter instance (identity hash codes can collide), so two stacked filters never
        // mistake each other for a re-entry
        String seen = "dev.seawall.seen." + owner.getClass().getSimpleName() + "." + INSTANCES.incrementAndGet();
        this.wait = new ThrottleWait(this, seen);
        // the filter's own loader, and the web application's (a container sets it while it creates filters), in case
        // the servlet jar sits in a loader above the JAX-RS one
        this.markApplied = loadable(owner.getClass().getClassLoader())
                || loadable(Thread.currentThread().getContextClassLoader());
    }

    private static boolean loadable(ClassLoader loader) {
        if (loader == null) {
            return false;
        }
        try {
            Class.forName(FEATURE_CLASS, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** @return whether this runner marks admitted requests with {@link Policy#APPLIED_ATTRIBUTE} */
    boolean marksAppliedPolicy() {
        return markApplied;
    }

    @SuppressWarnings("try") // the scope only brackets the dispatch
    void doFilter(Seawall engine, ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (engine == null) {
            throw new ServletException("Seawall filter used before init() completed");
        }
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        DispatcherType type = request.getDispatcherType();
        if (type == DispatcherType.ASYNC) {
            Exchange waiting = wait.waiting(request);
            if (waiting != null) {
                // a request holding an idempotency key resumes with its wrappers (it went asynchronous through them);
                // the chain of this dispatch must still note that the request passed the policy's stages
                IdempotencyPass keyed = request.getAttribute(IdempotencyPass.ATTRIBUTE) instanceof IdempotencyPass p
                        ? p : null;
                FilterChain next = keyed != null ? keyed.chain(chain) : chain;
                wait.resume(new ServletCall(engine, request, response, next), waiting, true, keyed);
                return;
            }
        }
        // an ASYNC dispatch in which an outer Seawall filter resumes a request that waited in its queue is the rest of
        // the request's REQUEST pass: this filter never saw the request (the outer one stopped it first), so it admits
        // it now (on an application's own ASYNC dispatch no Seawall filter is on the thread)
        int position = FilterStack.position(this);
        boolean passResumed = type == DispatcherType.ASYNC && position != FilterStack.OUTERMOST;
        if (type != DispatcherType.REQUEST && !passResumed || position == FilterStack.INSIDE_ITSELF) {
            // forwards, includes, error and other async dispatches were admitted (or not) on their REQUEST pass
            if (type == DispatcherType.ASYNC && request.getAttribute(FilterPass.BOUND_DEADLINE) instanceof Deadline d) {
                // the application's own ASYNC dispatch runs on another thread: it serves the same request and deadline
                try (Deadline.Scope bound = DeadlineBinding.bindEarliest(d)) {
                    chain.doFilter(req, res);
                }
                return;
            }
            chain.doFilter(req, res);
            return;
        }
        String path = ServletRequestView.pathOf(request);
        Policy policy = engine.match(request.getMethod(), path);
        if (policy == null) {
            chain.doFilter(req, res);
            return;
        }
        if (markApplied) {
            request.setAttribute(Policy.APPLIED_ATTRIBUTE, policy.name());
        }
        ServletRequestView view = new ServletRequestView(request, path);
        ServletCall call = new ServletCall(engine, request, response, chain);
        IdempotencyGuard idempotency = CoreAccess.idempotency(policy);
        if (idempotency != null && idempotency.covers(request.getMethod())) {
            // before the chain: a replay or a refusal of the key spends no permit of the policy's stages
            IdempotencyPass.run(this, idempotency, policy, view, call, position);
            return;
        }
        admit(engine, policy, view, call, position);
    }

    /**
     * Admits a matched request through the policy's chain, then waits in its queue or runs the pass.
     *
     * @param position this filter's {@link FilterStack} position on the request's REQUEST pass
     */
    void admit(Seawall engine, Policy policy, ServletRequestView view, ServletCall call, int position)
            throws IOException, ServletException {
        admit(engine, policy, view, call, position, null);
    }

    /**
     * @param keyed the idempotency step holding the request's key, told how the application ended; or null
     */
    void admit(Seawall engine, Policy policy, ServletRequestView view, ServletCall call, int position,
               IdempotencyPass keyed) throws IOException, ServletException {
        Exchange exchange = policy.chain().admit(view, engine.clock().nanoTime());
        int slot = FilterStack.enter(this);
        try {
            if (exchange.pending()) {
                wait.begin(call, exchange, keyed);
                return;
            }
            new FilterPass(call, CoreAccess.answerPlan(policy), view, exchange, position == FilterStack.OUTERMOST,
                    keyed).run();
        } finally {
            FilterStack.leave(slot);
        }
    }
}
