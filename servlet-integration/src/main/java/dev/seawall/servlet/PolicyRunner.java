package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Deferral;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.timeout.DeadlineTimer;
import dev.seawall.core.timeout.ResponseGate;
import dev.seawall.core.timeout.TimeoutStage;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.policy.Policy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part every Seawall servlet filter shares: match, admit, wait, run, settle. Thread-safe; one instance
 * per filter.
 *
 * <p>Settlement rules (ARCHITECTURE.md, steps 4-5): every admitted exchange is settled exactly once —
 * completed with an {@link Outcome} when the application ran (on return, on exception, or for an async
 * request when its {@link AsyncListener} fires), or released when an inner Seawall filter rejected the
 * request, so that stacked standalone filters refund tokens exactly as one {@link SeawallFilter} does.
 *
 * <p>Waiting (throttle queue): the request is suspended with {@code startAsync()} and holds no container
 * thread. When its turn comes (or its wait expires) the deciding thread calls {@code AsyncContext.dispatch()},
 * and the walk resumes in the ASYNC dispatch — so the filter must be mapped for the {@code ASYNC}
 * dispatcher as well as {@code REQUEST}. Seawall's deadline timer ends a wait nobody decided at its max-wait; the
 * container's async timeout, set just past it, is the backstop. Where async is unavailable (a filter or servlet in
 * the chain is not async-supported), the request thread waits, bounded by max-wait, and a WARN says why, once.
 */
final class PolicyRunner {

    /**
     * Set on a request refused after it waited in a Seawall filter's queue (on the ASYNC dispatch that resumed it):
     * outer Seawall filters, which settle a request that went asynchronous in their chain call when its cycle
     * completes, then give their permits back instead of completing them with the refusal's status. Only that rare
     * path writes or reads it; a refusal on the thread of an outer filter's chain call is counted instead
     * ({@link #REFUSALS}).
     */
    static final String REFUSED_AFTER_WAIT_ATTRIBUTE = "dev.seawall.refused-after-wait";

    /**
     * Set on a request while it is suspended in a Seawall filter's queue: the container's async timeout that expires
     * the wait reaches outer Seawall filters' listeners too, and is not the application timing out.
     */
    static final String WAITING_ATTRIBUTE = "dev.seawall.waiting";

    private static final Logger LOG = LoggerFactory.getLogger(PolicyRunner.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** The one reader of {@link Policy#APPLIED_ATTRIBUTE}: while it cannot be loaded, nobody needs the mark. */
    static final String FEATURE_CLASS = "dev.seawall.jaxrs.SeawallFeature";
    /** The container's async timeout fires this long after the wait's deadline, so Seawall's timer decides first. */
    private static final long TIMEOUT_MARGIN_MS = 250;

    /** Set on a request only while it waits in a queue: the exchange its ASYNC dispatch resumes. */
    private final String seenAttribute;
    /**
     * The Seawall filters this thread is inside, outermost first. A REQUEST dispatch reaching a filter already on it
     * (the filter mapped twice in one chain) passes through, while an outer filter that calls the chain again after
     * it returned (a retry) is admitted again, as the new call it is; and the outermost one knows that no Seawall
     * filter has written a header yet. Thread state instead of request attributes, because every request attribute
     * is a map operation in the container (it showed in profiles). The value is a JDK array whose slots are cleared
     * on the way out, so a container thread never keeps this web application's classes alive after an undeploy.
     * Slot {@link #REFUSALS} is not a filter but this thread's refusal count (below); the filters start at
     * {@link #FIRST}.
     */
    private static final ThreadLocal<Object[]> ACTIVE = ThreadLocal.withInitial(() -> new Object[] {new int[1],
            null, null, null, null});
    /**
     * The slot of {@link #ACTIVE} that holds an {@code int[1]}: how many refusals Seawall filters wrote on this thread
     * (wrapping harmlessly). A filter compares it before and after it calls the chain, so it learns whether an inner
     * Seawall filter refused the request in that call — and only in that call: a request attribute would outlive the
     * pass (an outer filter retrying after the refusal) and cost a lookup per request (two of them were about 0.7 % of
     * a trivial request's server time). An {@code int[]} rather than a field of ours for the reason above, and shared
     * by a grown copy of the array. A buffered response learns of an inner refusal from the refusing filter itself
     * ({@link ResponseContext#refusedInside}), because it may be finished on another thread.
     */
    private static final int REFUSALS = 0;
    /** The first slot of {@link #ACTIVE} that holds a filter. */
    private static final int FIRST = 1;
    /**
     * Whether admitted requests are marked with the policy applied ({@link Policy#APPLIED_ATTRIBUTE}) for a
     * {@code SeawallFeature} behind this filter: only where that feature can be loaded, because the first request
     * attribute makes the container build the request's attribute map (about 3 % of a trivial request's server time in
     * the side-by-side profile).
     */
    private final boolean markApplied;
    private final AtomicBoolean warnedBlocking = new AtomicBoolean();
    private final AtomicBoolean warnedAsyncMapping = new AtomicBoolean();

    PolicyRunner(Object owner) {
        // unique per filter instance (identity hash codes can collide), so two stacked filters never
        // mistake each other for a re-entry
        this.seenAttribute = "dev.seawall.seen." + owner.getClass().getSimpleName() + "." + INSTANCES.incrementAndGet();
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
        if (type == DispatcherType.ASYNC && request.getAttribute(seenAttribute) instanceof Exchange waiting
                && waiting.pending()) {
            resume(engine, request, response, chain, waiting, true);
            return;
        }
        // an ASYNC dispatch in which an outer Seawall filter resumes a request that waited in its queue is the rest of
        // the request's REQUEST pass: this filter never saw the request (the outer one stopped it first), so it admits
        // it now (on an application's own ASYNC dispatch no Seawall filter is on the thread)
        Object[] active = ACTIVE.get();
        boolean passResumed = type == DispatcherType.ASYNC && active[FIRST] != null;
        if (type != DispatcherType.REQUEST && !passResumed || isActive(active, this)) {
            // forwards, includes, error and other async dispatches were admitted (or not) on their REQUEST pass
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
        boolean outermost = active[FIRST] == null; // the slot enter() gives it below is FIRST
        long start = engine.clock().nanoTime();
        ServletRequestView view = new ServletRequestView(request, path);
        Exchange exchange = policy.chain().admit(view, start);
        int slot = enter(active, this);
        try {
            if (exchange.pending()) {
                request.setAttribute(seenAttribute, exchange);
                await(engine, request, response, chain, exchange);
                return;
            }
            proceed(engine, policy, view, request, response, chain, exchange, outermost, (int[]) active[REFUSALS]);
        } finally {
            leave(slot);
        }
    }

    /**
     * Runs the application for an admitted exchange, or writes its rejection (or the fallback for it).
     *
     * @param outermost whether this is the only Seawall filter on the thread, on the request's REQUEST pass: no
     *                  Seawall header can be on the response yet
     * @param refusals  this thread's refusal count ({@link #REFUSALS})
     */
    private void proceed(Seawall engine, Policy policy, ServletRequestView view, HttpServletRequest request,
                         HttpServletResponse response, FilterChain chain, Exchange exchange, boolean outermost,
                         int[] refusals) throws IOException, ServletException {
        if (exchange.abandoned()) {
            return;
        }
        FallbackStage fallback = (FallbackStage) policy.chain().stage(StageKind.FALLBACK);
        // The outermost filter has no outer Seawall filter whose buffered response it could join (an outer one hands on
        // its GatedRequest, which answers the attribute); and a context whose answer was decided (its deadline answered)
        // belongs to an earlier attempt of a filter between the two that retried: joining it would run the retry
        // without a buffer and a deadline of its own
        ResponseContext outer = !outermost && request.getAttribute(ResponseContext.ATTRIBUTE) instanceof ResponseContext c
                && !c.decided() ? c : null;
        if (!exchange.admitted()) {
            Rejection rejection = exchange.rejection();
            refusals[0]++;
            if (outer != null) {
                outer.refusedInside(rejection);
            }
            StackedLimits.reportOuterAsReleased(response);
            FallbackTrigger trigger = FallbackTrigger.of(rejection);
            if (outer == null && fallback != null && trigger != null && exchange.passed(fallback)) {
                FallbackResponse r = fallback.answer(trigger, fallback.cacheKey(view), view, engine.clock().nanoTime());
                if (r != null) {
                    exchange.writeHeaders(new ResponseHeaders(response, outermost));
                    ResponseContext.writeFallback(response, r);
                    return;
                }
            }
            // under an outer buffering filter this lands in its buffer, and the outer fallback may replace it
            ResponseHeaders.writeRejection(response, rejection, outermost);
            return;
        }
        TimeoutStage timeout = (TimeoutStage) policy.chain().stage(StageKind.TIMEOUT);
        ResponseContext context = outer;
        boolean owner = false;
        if (context == null && policy.bufferBytes() > 0 && (timeout != null || fallback != null)) {
            int capture = fallback != null && fallback.cache() != null ? fallback.cache().maxEntryBytes() : 0;
            // inner Seawall filters find it through the request handed on (GatedRequest), not a request attribute
            context = new ResponseContext(request, response, view,
                    policy.bufferBytes(), capture, engine.clock());
            owner = true;
        }
        if (context != null) {
            context.join(policy.name(), policy.failClosed(), exchange, fallback);
            if (fallback != null) {
                // the outermost filter adds it: nothing of this pass can have set it yet (an earlier pass's value stays
                // unless the retrying filter reset the response, as for the rate-limit headers in ResponseHeaders)
                if (outermost) {
                    response.addHeader(FallbackStage.DATA_SOURCE, "live");
                } else {
                    response.setHeader(FallbackStage.DATA_SOURCE, "live");
                }
            }
        }
        exchange.writeHeaders(new ResponseHeaders(response, outermost));
        // the application's own time starts now, not at admission: a wait in a throttle queue is not the
        // application being slow (the breaker's slow-call must not see it)
        long appStart = engine.clock().nanoTime();
        ResponseGate gate = context != null ? context.gate : null;
        DeadlineTimer.Handle unbufferedDeadline = null;
        if (timeout != null) {
            if (context != null) {
                // the application reads the armed deadline through the GatedRequest of the filter that owns the context
                context.arm(timeout, engine.deadlines(), appStart);
            } else {
                request.setAttribute(TimeoutStage.DEADLINE_ATTRIBUTE, Instant.now().plusNanos(timeout.afterNanos()));
                // buffering off: nothing can be replaced; the deadline only interrupts and is recorded
                ResponseGate unbuffered = new ResponseGate(Thread.currentThread());
                gate = unbuffered;
                unbufferedDeadline = engine.deadlines().schedule(appStart + timeout.afterNanos(), () -> {
                    unbuffered.passDeadline();
                    timeout.overran();
                });
            }
        }
        Throwable failure = null;
        boolean handled = false;
        int refusalsBefore = refusals[0];
        int stacked = policy.chain().stage(StageKind.RATE_LIMIT) != null ? StackedLimits.push(exchange) : -1;
        try {
            if (owner) {
                chain.doFilter(context.handedOn, context.response);
            } else {
                chain.doFilter(request, response);
            }
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = e;
        } finally {
            if (stacked >= 0) {
                StackedLimits.pop(stacked);
            }
            if (gate != null && (timeout != null || owner)) {
                gate.handlerReturned();
            }
            if (unbufferedDeadline != null) {
                unbufferedDeadline.cancel();
            }
            boolean settled = false;
            // asked once: the container answers it under a lock
            boolean async = failure == null && request.isAsyncStarted();
            boolean innerRefused = refusals[0] != refusalsBefore;
            if (owner && !async) {
                ResponseGate g = gate;
                // settled when the answer is decided, before its bytes leave: a client that sends its next request
                // as soon as it has read this answer finds the copy stored, the breaker's count and the permits done
                context.settleBeforeCommit((f, status, refused) -> settle(engine, request, response, exchange, null,
                        f, appStart, g, status, false, refused));
                try {
                    handled = context.finish(failure);
                } catch (IOException | RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
                settled = context.settledBeforeCommit();
            }
            if (!settled) {
                int appStatus = owner ? context.applicationStatus() : 0;
                settle(engine, request, response, exchange, handled ? null : failure, failure, appStart, gate,
                        appStatus, async, innerRefused);
            }
        }
        if (failure != null && !handled) {
            if (owner) {
                context.beforeErrorDispatch(); // the container's error page gets its own request
            }
            rethrow(failure);
        }
    }

    private static boolean isActive(Object[] active, Object filter) {
        for (int i = FIRST; i < active.length; i++) {
            Object f = active[i];
            if (f == null) {
                return false;
            }
            if (f == filter) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param active this thread's {@link #ACTIVE} array
     * @return the slot {@code filter} took on this thread: {@link #FIRST} for the outermost Seawall filter
     */
    private static int enter(Object[] active, Object filter) {
        for (int i = FIRST; i < active.length; i++) {
            if (active[i] == null) {
                active[i] = filter;
                return i;
            }
        }
        Object[] grown = java.util.Arrays.copyOf(active, active.length * 2);
        grown[active.length] = filter;
        ACTIVE.set(grown);
        return active.length;
    }

    private static void leave(int slot) {
        ACTIVE.get()[slot] = null;
    }

    private static void rethrow(Throwable t) throws IOException, ServletException {
        if (t instanceof IOException e) {
            throw e;
        }
        if (t instanceof ServletException e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        throw (Error) t;
    }

    /**
     * Continues the walk where a wait paused it, once the wait was decided.
     *
     * @param dispatched whether this is the ASYNC dispatch that resumes the request (else its own thread waited, and
     *                   outer filters are still in their chain call)
     */
    private void resume(Seawall engine, HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                        Exchange exchange, boolean dispatched) throws IOException, ServletException {
        request.removeAttribute(WAITING_ATTRIBUTE);
        ServletRequestView view = new ServletRequestView(request, ServletRequestView.pathOf(request));
        exchange.resume(view, engine.clock().nanoTime());
        if (exchange.pending()) {
            await(engine, request, response, chain, exchange);
            return;
        }
        // only requests that waited in a queue match again; the engine is immutable, so it is the same policy.
        // An outer Seawall filter passes ASYNC dispatches through without joining the thread state, so this one
        // cannot know it is the outermost: its headers are joined with whatever is there.
        Object[] active = ACTIVE.get();
        int[] refusals = (int[]) active[REFUSALS];
        int refusalsBefore = refusals[0];
        int slot = enter(active, this);
        try {
            proceed(engine, engine.match(request.getMethod(), view.path()), view, request, response, chain, exchange,
                    false, refusals);
        } finally {
            leave(slot);
            if (dispatched && refusals[0] != refusalsBefore) {
                // outer filters returned when the request went asynchronous: the count cannot reach them
                request.setAttribute(REFUSED_AFTER_WAIT_ATTRIBUTE, Boolean.TRUE);
            }
        }
    }

    private void await(Seawall engine, HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                       Exchange exchange) throws IOException, ServletException {
        Deferral deferral = exchange.deferral();
        long remainingNanos = deferral.deadlineNanos() - engine.clock().nanoTime();
        if (request.isAsyncSupported()) {
            AsyncContext async = request.startAsync();
            request.setAttribute(WAITING_ATTRIBUTE, Boolean.TRUE);
            async.setTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNanos)) + TIMEOUT_MARGIN_MS);
            HandBack handBack = new HandBack(async, exchange);
            async.addListener(new WaitListener(engine, exchange, handBack));
            deferral.onDecided(handBack);
            DeadlineTimer timer = engine.deadlines(); // started by every engine with a throttle
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
                    + " servlet in its chain is not async-supported; mark them <async-supported>true</async-supported>"
                    + " so that queued requests hold no container thread (logged once)", request.getRequestURI());
        }
        try {
            deferral.awaitDecision(engine.clock(), TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MARGIN_MS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.release();
            throw new ServletException("interrupted while waiting for a throttle slot", e);
        }
        resume(engine, request, response, chain, exchange, false);
    }

    private static void complete(AsyncContext async) {
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // the container finished the cycle first (error dispatch); nothing left to do
        }
    }

    /**
     * @param unanswered the failure when nobody answered it (the container will), else null
     * @param failure    what the application threw, answered or not (the breaker counts it either way)
     * @param appStatus  the application's status before a fallback replaced it, or 0 when unknown
     * @param async      whether the application returned without failure after starting an async cycle
     * @param refused    whether an inner Seawall filter refused the request in this pass ({@link #REFUSALS})
     */
    private static void settle(Seawall engine, HttpServletRequest request, HttpServletResponse response,
                               Exchange exchange, Throwable unanswered, Throwable failure, long appStart,
                               ResponseGate gate, int appStatus, boolean async, boolean refused) {
        if (failure == null && refused) {
            // an inner Seawall filter refused the request: it never reached the application
            exchange.release();
            return;
        }
        if (async) {
            request.getAsyncContext().addListener(new SettlingListener(engine, exchange, request, response, appStart,
                    gate));
            return;
        }
        // the application's status, not a fallback's substitute: a 502 answered by a 202 fallback is a failure
        int status = unanswered != null ? statusOf(response, unanswered)
                : appStatus > 0 ? appStatus : response.getStatus();
        exchange.complete(new Outcome(status, failure, appStart, engine.clock().nanoTime(),
                gate != null && gate.deadlinePassed()));
    }

    static int statusOf(HttpServletResponse response, Throwable failure) {
        // an exception escaping an uncommitted response becomes a 500 from the container
        if (failure != null && !response.isCommitted()) {
            return 500;
        }
        return response.getStatus();
    }

    /**
     * Hands a decided wait back to its container exactly once: an ASYNC dispatch (or completion of an abandoned
     * request). The decision is made on whichever thread frees a slot, while the container's own timer may be
     * expiring the same wait; both paths call this, and the loser waits for the winner to finish, because Jetty
     * turns an {@code onTimeout} that returns without a dispatch into an error answer. Thread-safe.
     */
    private static final class HandBack implements Runnable {
        private static final long SETTLE_MS = 200;
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
                // the cycle ended without our ASYNC dispatch: the filter is probably not mapped for ASYNC
                exchange.release();
                if (warnedAsyncMapping.compareAndSet(false, true)) {
                    LOG.warn("Seawall: a throttled request finished without resuming through the filter; map the"
                            + " Seawall filter with <dispatcher>REQUEST</dispatcher> and <dispatcher>ASYNC</dispatcher>"
                            + " (logged once)");
                }
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // the ASYNC dispatch may start another cycle; this wait is over by then
        }
    }
}
