package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Deferral;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.policy.Policy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Throttle wait and resume: a request the chain deferred (queued in a throttle) waits without a container thread and
 * resumes its walk through the chain when the wait is decided.
 *
 * <p>How: the request is suspended with {@code startAsync()} and remembered under a request attribute unique to this
 * filter. When its turn comes (or its wait expires) the deciding thread calls {@code AsyncContext.dispatch()} exactly
 * once ({@link HandBack}), and the walk resumes in the ASYNC dispatch ({@link #waiting}, {@link #resume}) — so the
 * filter must be mapped for the {@code ASYNC} dispatcher as well as {@code REQUEST}. Seawall's deadline timer ends a
 * wait nobody decided at its max-wait; the container's async timeout, set just past it, is the backstop. Where async
 * is unavailable (a filter or servlet in the chain is not async-supported), the request thread waits, bounded by
 * max-wait, and a WARN says why, once.
 *
 * <p>Invariant: while the request waits it carries {@link #WAITING_ATTRIBUTE}, so outer filters' listeners know that a
 * container timeout or error then is the wait's, not the application's; the attribute is gone before the walk resumes.
 * A request that resumes and is refused tells the outer filters through {@link RefusalSignal#refusedAfterWait}.
 *
 * <p>Who calls it: {@link PolicyRunner}, when an admission is deferred and on the ASYNC dispatch that resumes it.
 * Thread-safe: one instance per filter; the per-request state lives in the request and in {@link HandBack}.
 */
final class ThrottleWait {

    /**
     * Set on a request while it is suspended in a Seawall filter's queue: the container's async timeout that expires
     * the wait reaches outer Seawall filters' listeners too, and is not the application timing out.
     */
    static final String WAITING_ATTRIBUTE = "dev.seawall.waiting";

    private static final Logger LOG = LoggerFactory.getLogger(ThrottleWait.class);
    /**
     * Logged once when a queued request's cycle ends without the ASYNC dispatch that resumes it. Names the dispatcher
     * types rather than one way of registering the filter: web.xml, the Servlet API and frameworks each set them.
     */
    static final String ASYNC_MAPPING_WARNING = "Seawall: a throttled request finished without resuming through the"
            + " filter, which is probably not mapped for the ASYNC dispatcher type: map every Seawall filter for the"
            + " REQUEST and ASYNC dispatcher types (web.xml <dispatcher>REQUEST</dispatcher> and"
            + " <dispatcher>ASYNC</dispatcher>, FilterRegistration.Dynamic#addMappingForUrlPatterns with"
            + " EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), or the dispatcher types of your framework's"
            + " filter registration bean); until then a queued request runs unguarded when it resumes (logged once)";
    /**
     * The container's async timeout fires this long after the wait's deadline, so that Seawall's timer decides first
     * even on a saturated machine: the container's timeout is only the backstop, and on Jetty an expiry that races a
     * hand-back can end in the container's own error answer.
     */
    private static final long TIMEOUT_MARGIN_MS = 1_000;

    /** The filter's identity on the {@link FilterStack} while it resumes a request. */
    private final Object filter;
    /** Set on a request only while it waits in this filter's queue: the exchange its ASYNC dispatch resumes. */
    private final String seenAttribute;
    private final AtomicBoolean warnedBlocking = new AtomicBoolean();
    private final AtomicBoolean warnedAsyncMapping = new AtomicBoolean();

    /**
     * @param filter        the filter's identity on the {@link FilterStack}
     * @param seenAttribute a request attribute name unique to the filter instance
     */
    ThrottleWait(Object filter, String seenAttribute) {
        this.filter = filter;
        this.seenAttribute = seenAttribute;
    }

    /** @return the exchange an ASYNC dispatch of this filter's queue resumes, or null */
    Exchange waiting(HttpServletRequest request) {
        return request.getAttribute(seenAttribute) instanceof Exchange w && w.pending() ? w : null;
    }

    /** The chain deferred the request: remember its exchange for the resuming dispatch, and wait. */
    void begin(ServletCall call, Exchange exchange, IdempotencyPass keyed) throws IOException, ServletException {
        call.request().setAttribute(seenAttribute, exchange);
        await(call, exchange, keyed);
    }

    /**
     * Continues the walk where a wait paused it, once the wait was decided.
     *
     * @param dispatched whether this is the ASYNC dispatch that resumes the request (else its own thread waited, and
     *                   outer filters are still in their chain call)
     * @param keyed      the idempotency step holding the request's key (its pass reports to it), or null
     */
    void resume(ServletCall call, Exchange exchange, boolean dispatched, IdempotencyPass keyed)
            throws IOException, ServletException {
        HttpServletRequest request = call.request();
        Seawall engine = call.engine();
        request.removeAttribute(WAITING_ATTRIBUTE);
        ServletRequestView view = new ServletRequestView(request, ServletRequestView.pathOf(request));
        Deferral d = exchange.deferral();
        if (d != null && d.outcome() == null) {
            // handed back before a decision reached it (the container's timeout and a freed slot at the same
            // moment): the wait is over either way, so it is ended here rather than resumed undecided
            d.endAt(engine.clock().nanoTime());
        }
        exchange.resume(view, engine.clock().nanoTime());
        if (exchange.pending()) {
            await(call, exchange, keyed);
            return;
        }
        // only requests that waited in a queue match again; the engine is immutable, so it is the same policy.
        // An outer Seawall filter passes ASYNC dispatches through without joining the thread state, so this one
        // cannot know it is the outermost: its headers are joined with whatever is there.
        Policy policy = engine.match(request.getMethod(), view.path());
        int mark = RefusalSignal.mark();
        int slot = FilterStack.enter(filter);
        try {
            new FilterPass(call, policy == null ? null : CoreAccess.answerPlan(policy), view, exchange, false, keyed)
                    .run();
        } finally {
            FilterStack.leave(slot);
            if (dispatched && RefusalSignal.since(mark)) {
                // outer filters returned when the request went asynchronous: the count cannot reach them
                RefusalSignal.refusedAfterWait(request);
            }
        }
    }

    private void await(ServletCall call, Exchange exchange, IdempotencyPass keyed)
            throws IOException, ServletException {
        HttpServletRequest request = call.request();
        Seawall engine = call.engine();
        Deferral deferral = exchange.deferral();
        long remainingNanos = deferral.deadlineNanos() - engine.clock().nanoTime();
        if (request.isAsyncSupported()) {
            AsyncContext async = request.startAsync();
            request.setAttribute(WAITING_ATTRIBUTE, Boolean.TRUE);
            async.setTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNanos)) + TIMEOUT_MARGIN_MS);
            HandBack handBack = new HandBack(async, exchange);
            async.addListener(new WaitListener(engine, exchange, handBack));
            deferral.onDecided(handBack);
            DeadlineTimer timer = CoreAccess.deadlines(engine); // started by every engine with a throttle
            if (timer != null && deferral.outcome() == null) {
                // The queue decides an expired wait only when asked: Seawall's own timer asks at max-wait, so the 503
                // goes out on time on every container (Tomcat looks at async timeouts about once a second, Jetty's
                // fires only after the margin). The container's async timeout just after it stays the backstop. A
                // timer that fires after another thread decided the wait finds nothing to do.
                handBack.expiry = timer.schedule(deferral.deadlineNanos(),
                        () -> deferral.endAt(engine.clock().nanoTime()));
            }
            return;
        }
        if (warnedBlocking.compareAndSet(false, true)) {
            LOG.warn("Seawall: a request to {} waits for a throttle slot on its own thread because a filter or"
                    + " servlet in its chain is not async-supported; make every filter and servlet of the chain"
                    + " async-supported (web.xml <async-supported>true</async-supported>, setAsyncSupported(true) on"
                    + " its registration) so that queued requests hold no container thread (logged once)",
                    request.getRequestURI());
        }
        try {
            deferral.awaitDecision(engine.clock(), TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MARGIN_MS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.release();
            throw new ServletException("interrupted while waiting for a throttle slot", e);
        }
        resume(call, exchange, false, keyed);
    }

    private static void complete(AsyncContext async) {
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // the container finished the cycle first (error dispatch); nothing left to do
        }
    }

    /**
     * Hands a decided wait back to its container exactly once: an ASYNC dispatch (or completion of an abandoned
     * request). The decision is made on whichever thread frees a slot, while the container's own timer may be
     * expiring the same wait; both paths call this, and the loser waits for the winner to finish, because Jetty
     * turns an {@code onTimeout} that returns without a dispatch into an error answer. Thread-safe.
     */
    private static final class HandBack implements Runnable {
        /**
         * How long the container's timeout thread waits for a winner that took the hand-back on another thread. The
         * winner only cancels a timer task and dispatches, but on a saturated machine it can be descheduled for
         * hundreds of milliseconds between the two, and if the timeout returns first Jetty answers 500 and the
         * dispatch fails; the wait ends as soon as the winner is done, so a generous bound costs nothing normally.
         */
        private static final long SETTLE_MS = 2_000;
        private final AsyncContext async;
        private final Exchange exchange;
        private final AtomicBoolean taken = new AtomicBoolean();
        private final CountDownLatch done = new CountDownLatch(1);
        /** Seawall's timer that ends the wait at max-wait; cancelled once the wait is decided. */
        volatile DeadlineTimer.Handle expiry;

        HandBack(AsyncContext async, Exchange exchange) {
            this.async = async;
            this.exchange = exchange;
        }

        @Override
        public void run() {
            if (!taken.compareAndSet(false, true)) {
                return;
            }
            DeadlineTimer.Handle timer = expiry;
            if (timer != null) {
                timer.cancel();
            }
            try {
                if (exchange.abandoned()) {
                    complete(async);
                } else {
                    async.dispatch();
                }
            } catch (IllegalStateException cycleOver) {
                // the container already ended this cycle (client gone, error): the granted slot must go back
                exchange.release();
            } finally {
                done.countDown();
            }
        }

        /** Called from the container's timeout: makes sure the hand-back has happened before it returns. */
        void runOrAwait() {
            run();
            try {
                done.await(SETTLE_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Watches a suspended wait: expiry by the container's timer, client errors, cycles that never resumed. */
    private final class WaitListener implements AsyncListener {
        private final Seawall engine;
        private final Exchange exchange;
        private final HandBack handBack;

        WaitListener(Seawall engine, Exchange exchange, HandBack handBack) {
            this.engine = engine;
            this.exchange = exchange;
            this.handBack = handBack;
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            Deferral d = exchange.deferral();
            if (d != null) {
                d.endAt(engine.clock().nanoTime());
            }
            // decided now, by us or by a thread that freed a slot at this very moment: dispatch before returning
            handBack.runOrAwait();
        }

        @Override
        public void onError(AsyncEvent event) {
            // the client went away (or the container failed) while the request waited: leave the queue
            if (exchange.pending()) {
                exchange.release();
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            if (exchange.pending()) {
                boolean abandoned = exchange.abandoned(); // the client left while it waited (onError)
                exchange.release();
                if (abandoned) {
                    return;
                }
                if (handBack.taken.get()) {
                    // handed back, yet the dispatch never resumed the wait: not a mapping problem
                    LOG.warn("Seawall: a throttled request's cycle ended after its hand-back (dispatched: {}) without"
                            + " resuming; the container answered it", handBack.done.getCount() == 0);
                } else if (warnedAsyncMapping.compareAndSet(false, true)) {
                    // the cycle ended without our ASYNC dispatch: the filter is probably not mapped for ASYNC
                    LOG.warn(ASYNC_MAPPING_WARNING);
                }
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // the ASYNC dispatch may start another cycle; this wait is over by then
        }
    }
}
