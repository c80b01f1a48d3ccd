package dev.seawall.servlet;

import dev.seawall.core.chain.Exchange;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.fallback.StaleCache;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.Failures;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.DeadlineTimer;
import dev.seawall.core.timeout.ResponseGate;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One request's buffered response and everything that may answer it instead of the application: the
 * timeout (from a deadline thread), the fallback, Seawall's safe error. Shared by stacked Seawall filters
 * through the request the owner hands on ({@link GatedRequest} answers {@link #ATTRIBUTE} with it), so
 * {@code FallbackFilter -> CircuitBreakerFilter -> TimeoutFilter} in a {@code web.xml} behaves exactly like one
 * {@link SeawallFilter} policy with the three stages: the outermost buffering filter creates and finally commits it,
 * inner filters register their stage with it.
 *
 * <p>Thread-safety: registration happens on the request's thread before the application runs; the deadline
 * may fire on a timer thread while the application runs. The {@link ResponseGate} decides who writes the
 * real response, and its monitor orders the timeout answer against the application's header writes.
 */
final class ResponseContext implements BufferedResponse.Owner {

    static final String ATTRIBUTE = "dev.seawall.response";
    private static final Logger LOG = LoggerFactory.getLogger(ResponseContext.class);

    final HttpServletRequest request;
    final HttpServletResponse real;
    final BufferedResponse response;
    /** The request the owner hands on: it answers the deadline attribute, published before an error dispatch. */
    final GatedRequest handedOn;
    final ResponseGate gate;
    final ServletRequestView view;
    private final NanoClock clock;
    private final List<Exchange> exchanges = new ArrayList<>(2);
    private volatile FallbackStage fallback;
    private volatile StaleCache.Key key;
    private volatile String policy;
    private volatile boolean failClosed;
    private volatile TimeoutStage timeout;
    private volatile DeadlineTimer.Handle deadline;
    private volatile AsyncContext async;
    /** The application's own status when it finished, before any fallback replaced it (0: not finished). */
    private volatile int applicationStatus;
    /** When {@link #deadline} is due, on the engine's clock; the deadline the application sees. Request thread only. */
    private long armedDue;
    /**
     * How many times a timeout stage armed (or tried to arm) this context's deadline: an application's own value of the
     * deadline attribute holds only until a Seawall filter announces one again (a filter between two of them that
     * retries), as when the filters set the attribute themselves. Request thread only.
     */
    private int announcements;
    /**
     * The refusal of an inner Seawall filter during this pass, told by that filter. Kept here, not on the request,
     * because the context is this pass's own: an earlier pass's refusal (a filter outside the owner retrying) cannot
     * reach it, and a filter joining afterwards clears it (a filter between the owner and the refusing one retried).
     * Volatile: an async cycle may finish on another thread.
     */
    private volatile Rejection innerRefusal;
    /** The owning filter's settlement, run by {@link #finish} once the answer is decided and before it is written. */
    private Settlement settlement;
    /** The thread that registered {@link #settlement}: only it runs it (an async completion may call finish too). */
    private Thread settler;
    private boolean settled;

    /** Settles the owning filter's exchange. Called at most once, on the application's thread. */
    @FunctionalInterface
    interface Settlement {
        /**
         * @param failure   what the application threw (answered here), or null
         * @param appStatus the application's own status, before a fallback replaced it
         * @param refused   whether an inner Seawall filter refused the request (it never reached the application)
         */
        void settle(Throwable failure, int appStatus, boolean refused);
    }

    ResponseContext(HttpServletRequest request, HttpServletResponse real, ServletRequestView view, int bufferBytes,
                    int captureLimit, NanoClock clock) {
        this.request = request;
        this.real = real;
        this.view = view;
        this.clock = clock;
        this.gate = new ResponseGate(Thread.currentThread());
        this.response = new BufferedResponse(real, gate, bufferBytes, captureLimit, this);
        this.handedOn = new GatedRequest(request, this);
    }

    /** An inner Seawall filter refused the request in this pass: the answer is its refusal (or a fallback for it). */
    void refusedInside(Rejection rejection) {
        innerRefusal = rejection;
    }

    /** Registers a policy's exchange: its headers are re-applied whenever the response is reset. */
    void join(String policyName, boolean policyFailClosed, Exchange exchange, FallbackStage fb) {
        synchronized (gate) {
            exchanges.add(exchange);
        }
        // Filters join outer to inner before the chain goes on, and none runs inside one that refused: a join after a
        // refusal is a new pass below the owner (a filter between them retried), and that refusal's answer is gone
        innerRefusal = null;
        if (policy == null) {
            policy = policyName;
        }
        failClosed |= policyFailClosed;
        if (fb != null && fallback == null) {
            fallback = fb;
            key = fb.cacheKey(view);
            policy = policyName;
        }
    }

    /** @return whether a timeout stage armed a deadline */
    boolean hasDeadline() {
        return deadline != null;
    }

    /** @return when the armed deadline is due, on the engine's clock; only meaningful when {@link #hasDeadline()} */
    long deadlineNanos() {
        return armedDue;
    }

    /** @return how many times a timeout stage announced a deadline here (see {@link #announcements}) */
    int announcements() {
        return announcements;
    }

    /** @return the engine's clock, which {@link #deadlineNanos()} is on */
    NanoClock clock() {
        return clock;
    }

    @Override
    public void onReset() {
        writeSeawallHeaders(true);
    }

    /** The container will answer a failure itself (an error dispatch, with its own request): it must see the deadline. */
    @Override
    public void beforeErrorDispatch() {
        handedOn.publishDeadline();
    }

    /** Arms the deadline of a timeout stage. */
    void arm(TimeoutStage stage, DeadlineTimer timer, long appStartNanos) {
        announcements++;
        long due = appStartNanos + stage.afterNanos();
        DeadlineTimer.Handle armed = deadline;
        // stacked timeouts: the earliest bounds the request, an inner filter's shorter one as much as an outer's
        if (armed != null && (due >= armedDue || !armed.cancel())) {
            return; // later than the armed one, or that one fired already (its answer decides)
        }
        timeout = stage;
        armedDue = due;
        deadline = timer.schedule(due, this::onDeadline);
    }

    /**
     * Registers the owning filter's settlement: {@link #finish} runs it when it answers the request itself (the
     * application's response, a fallback, a safe error), right before the bytes leave, so that a client which sends
     * its next request as soon as it has read this answer finds this one's copy stored, its breaker call counted and
     * its permits settled. When {@link #finish} does not answer (a timeout answered earlier, a streaming response), the
     * owner settles afterwards as before.
     */
    void settleBeforeCommit(Settlement s) {
        this.settlement = s;
        this.settler = Thread.currentThread();
        this.settled = false;
    }

    /** @return whether {@link #finish} ran the registered settlement */
    boolean settledBeforeCommit() {
        return settled;
    }

    private void settleNow(Throwable failure, boolean refused) {
        Settlement s = settlement;
        if (s == null || settled || settler != Thread.currentThread()) {
            return;
        }
        settled = true;
        settlement = null;
        try {
            s.settle(failure, applicationStatus, refused);
        } catch (RuntimeException e) {
            // the answer is decided and still goes out; a broken listener must not turn it into an error
            LOG.error("Seawall: settling a request of policy {} failed", policy, e);
        }
    }

    /**
     * @return whether this request's answer was decided (the application finished, or the deadline answered): the
     *         context belongs to a pass through the chain that is over, and no later pass may join it
     */
    boolean decided() {
        int s = gate.state();
        return s == ResponseGate.FINISHED || s == ResponseGate.TIMED_OUT;
    }

    void asyncStarted(AsyncContext context) {
        this.async = context;
    }

    /** @param live whether the response is the application's (a policy with a fallback marks it {@code live}) */
    private void writeSeawallHeaders(boolean live) {
        ResponseHeaders sink = new ResponseHeaders(real);
        for (Exchange e : exchanges) {
            e.writeHeaders(sink);
        }
        if (live && fallback != null) {
            real.setHeader(FallbackStage.DATA_SOURCE, "live");
        }
    }

    /** At the deadline, on a timer thread: answer now unless the application finished or streams. */
    private void onDeadline() {
        TimeoutStage t = timeout;
        synchronized (gate) {
            if (!gate.expire()) {
                if (gate.state() == ResponseGate.STREAMING) {
                    t.overran();
                }
                return;
            }
            t.answered();
            try {
                answer(FallbackTrigger.TIMEOUT, t.timeoutAnswer(), true);
                // Jetty and Tomcat 11 end the exchange once the declared Content-Length is written; Tomcat 10.1 and
                // Undertow keep the whole answer in their own buffer until the request's dispatch returns (the handler
                // may ignore interrupts for seconds). Flushing sends it now on every container; still under the gate's
                // monitor, so the application's thread cannot finish the response meanwhile.
                real.flushBuffer();
            } catch (IOException | RuntimeException e) {
                // the client is gone or the container refused; the application's output is discarded either way
                LOG.debug("Seawall: the timeout answer could not be written", e);
            }
        }
        AsyncContext a = async;
        if (a != null) {
            try {
                a.complete();
            } catch (IllegalStateException alreadyDone) {
                // the cycle ended first
            }
        }
    }

    /**
     * Replaces whatever the application wrote with the fallback for {@code trigger}, or else {@code problem}.
     * The caller has won the gate.
     */
    private void answer(FallbackTrigger trigger, Rejection problem, boolean closeConnection) throws IOException {
        response.discard();
        writeSeawallHeaders(false);
        if (closeConnection && request.getProtocol() != null && request.getProtocol().startsWith("HTTP/1")) {
            // the handler may still hold this connection; a client must not queue its next request behind it
            real.setHeader("Connection", "close");
        }
        FallbackStage fb = fallback;
        FallbackResponse r = fb == null || trigger == null ? null : fb.answer(trigger, key, view, clock.nanoTime());
        if (r != null) {
            writeFallback(real, r);
        } else {
            ResponseHeaders.writeRejection(real, problem);
        }
    }

    /**
     * The application returned (or its async cycle completes): commit its response, or replace it when it
     * failed and a fallback or a safe error applies. Runs on the application's thread.
     *
     * @param failure what the application threw, or null
     * @return true when the failure (if any) was answered here and must not propagate to the container
     */
    boolean finish(Throwable failure) throws IOException {
        DeadlineTimer.Handle d = deadline;
        if (d != null) {
            d.cancel();
        }
        response.flushWriter();
        applicationStatus = failure != null ? 500 : response.appStatus();
        boolean won;
        synchronized (gate) {
            won = gate.finish();
        }
        if (!won) {
            if (gate.state() == ResponseGate.TIMED_OUT) {
                if (failure != null) {
                    LOG.debug("Seawall: request failed after its timeout was answered", failure);
                }
                return true;
            }
            // streaming: the response is the application's, already on the wire
            if (failure == null) {
                remember();
            }
            return false;
        }
        // this thread answers from here on, whichever way: settled before any byte of the answer is written
        Rejection rejected = innerRefusal;
        settleNow(failure, rejected != null);
        if (rejected != null) {
            FallbackTrigger trigger = FallbackTrigger.of(rejected);
            FallbackStage fb = fallback;
            FallbackResponse r = fb == null || trigger == null ? null : fb.answer(trigger, key, view, clock.nanoTime());
            if (r != null) {
                replace(r);
            } else {
                response.commit();
            }
            return true;
        }
        if (failure != null) {
            String id = Failures.newRequestId();
            LOG.error("Seawall: request {} failed in the application (policy {}, {} {})", id, policy,
                    request.getMethod(), request.getRequestURI(), failure);
            answer(FallbackTrigger.ERROR, failClosed ? Failures.failedClosed(policy, id)
                    : Failures.internalError(policy, id), false);
            return true;
        }
        int status = response.appStatus();
        if (status >= 500 && fallback != null) {
            FallbackResponse r = fallback.answer(FallbackTrigger.ERROR, key, view, clock.nanoTime());
            if (r != null) {
                replace(r);
                return true;
            }
        }
        // the copy is kept before the bytes leave, for the same reason the settlement ran first
        remember();
        response.commit();
        return true;
    }

    /**
     * @return the status the application answered with, before a fallback replaced it (the breaker must judge
     *         the application, not the substitute); 0 before {@link #finish}
     */
    int applicationStatus() {
        return applicationStatus;
    }

    private void replace(FallbackResponse r) throws IOException {
        response.discard();
        writeSeawallHeaders(false);
        writeFallback(real, r);
    }

    /**
     * Keeps a copy of a successful live response for the stale cache. Runs before the response is written, so a
     * failure here is logged and the live answer still goes out.
     */
    private void remember() {
        try {
            keepCopy();
        } catch (RuntimeException e) {
            LOG.warn("Seawall: the stale copy of a {} response could not be kept (policy {})", request.getMethod(),
                    policy, e);
        }
    }

    private void keepCopy() {
        FallbackStage fb = fallback;
        StaleCache.Key k = key;
        int status = response.appStatus();
        long now = clock.nanoTime();
        if (fb == null || status < 200 || status > 299 || !"GET".equals(request.getMethod()) || !fb.wantsCopy(k, now)) {
            return;
        }
        byte[] body = response.body();
        if (body == null) {
            return;
        }
        List<Rejection.Header> headers = new ArrayList<>();
        boolean contentType = false;
        boolean setCookie = false;
        for (String name : real.getHeaderNames()) {
            contentType |= name.equalsIgnoreCase("Content-Type");
            setCookie |= name.equalsIgnoreCase("Set-Cookie");
            for (String v : real.getHeaders(name)) {
                headers.add(new Rejection.Header(name, v));
            }
        }
        if (!setCookie && response.cookieAdded()) {
            // Undertow lists cookies among the headers only once the response is committed; the stale cache must
            // still see that this answer sets one (it never stores such an answer). The value is never replayed.
            headers.add(new Rejection.Header("Set-Cookie", "(added with addCookie)"));
        }
        String type = real.getContentType();
        if (!contentType && type != null) {
            // some containers (Tomcat) list Content-Type among the headers only once the response is committed
            headers.add(new Rejection.Header("Content-Type", type));
        }
        fb.remember(k, view, status, headers, body, now);
    }

    /** Writes a substitute response with its {@code X-Data-Source}. */
    static void writeFallback(HttpServletResponse response, FallbackResponse r) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(r.status());
        for (Rejection.Header h : r.headers()) {
            ResponseHeaders.put(response, h.name(), h.value());
        }
        response.setHeader(FallbackStage.DATA_SOURCE, r.source());
        response.setContentLength(r.body().length);
        OutputStream out = response.getOutputStream();
        out.write(r.body());
    }
}
