package dev.seawall.servlet;

import dev.seawall.core.chain.Exchange;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.answer.AnswerArbiter;
import dev.seawall.core.internal.answer.AnswerPlan;
import dev.seawall.core.internal.answer.AnswerSink;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.Deadline;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The buffered context of one request: its {@link BufferedResponse}, the {@link GatedRequest} handed on, and the
 * servlet side ({@link AnswerSink}) of the {@link AnswerArbiter} that decides what goes on the wire: the application's
 * answer, the timeout's (from a deadline thread), the fallback, Seawall's safe error. Shared by stacked Seawall filters
 * through the request the owner hands on ({@link GatedRequest} answers {@link #ATTRIBUTE} with it), so
 * {@code FallbackFilter -> CircuitBreakerFilter -> TimeoutFilter} in a {@code web.xml} behaves exactly like one
 * {@link SeawallFilter} policy with the three stages: the outermost buffering filter creates and finally commits it,
 * inner filters join their exchange to it.
 *
 * <p>Thread-safety: joining and arming happen on the request's thread before the application runs; the deadline
 * may fire on a timer thread while the application runs. The {@link ResponseGate} decides who writes the
 * real response, and its monitor orders the timeout answer against the application's header writes.
 */
final class ResponseContext implements ResponseOwner, AnswerSink {

    static final String ATTRIBUTE = "dev.seawall.response";

    final HttpServletRequest request;
    final HttpServletResponse real;
    final BufferedResponse response;
    /** The request the owner hands on: it answers the deadline attribute, published before an error dispatch. */
    final GatedRequest handedOn;
    final ResponseGate gate;
    private final AnswerArbiter arbiter;
    private final NanoClock clock;
    private volatile AsyncContext async;
    /**
     * How many times a timeout stage armed (or tried to arm) this context's deadline: an application's own value of the
     * deadline attribute holds only until a Seawall filter announces one again (a filter between two of them that
     * retries), as when the filters set the attribute themselves. Request thread only.
     */
    private int announcements;
    /** The last {@link #deadline()} made; immutable, so a racy read sees a whole one or null. */
    private volatile Deadline boundDeadline;
    /** The owning filter's settlement, run by the arbiter once the answer is decided and before it is written. */
    private Settlement settlement;
    /** The thread that registered {@link #settlement}: only it runs it (an async completion may finish too). */
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

    /** @param plan the owning policy's plan: its buffer and what the stale cache captures */
    ResponseContext(HttpServletRequest request, HttpServletResponse real, ServletRequestView view, AnswerPlan plan,
                    NanoClock clock) {
        this.request = request;
        this.real = real;
        this.clock = clock;
        this.gate = new ResponseGate(Thread.currentThread());
        this.arbiter = new AnswerArbiter(this, gate, view, clock);
        this.response = new BufferedResponse(real, gate, plan.bufferBytes(), plan.captureLimit(), this);
        this.handedOn = new GatedRequest(request, this);
    }

    /** An inner Seawall filter refused the request in this pass: the answer is its refusal (or a fallback for it). */
    void refusedInside(Rejection rejection) {
        arbiter.refusedInside(rejection);
    }

    /** Registers a policy's exchange: its headers are re-applied whenever the response is reset. */
    void join(AnswerPlan plan, Exchange exchange) {
        arbiter.join(plan, exchange);
    }

    /** @return whether a timeout stage armed a deadline */
    boolean hasDeadline() {
        return arbiter.deadlineArmed();
    }

    /** @return when the armed deadline is due, on the engine's clock; only meaningful when {@link #hasDeadline()} */
    long deadlineNanos() {
        return arbiter.deadlineNanos();
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

    /**
     * The container will answer a failure itself (an error dispatch, with its own request): it must see the deadline.
     */
    @Override
    public void beforeErrorDispatch() {
        handedOn.publishDeadline();
    }

    /**
     * Arms the deadline of a timeout stage (of stacked ones, the earliest bounds the request).
     *
     * @param afterNanos the request's own timeout ({@link TimeoutStage#afterNanos(dev.seawall.core.http.RequestView)})
     */
    void arm(TimeoutStage stage, DeadlineTimer timer, long appStartNanos, long afterNanos) {
        announcements++;
        arbiter.arm(stage, timer, appStartNanos, afterNanos);
    }

    /**
     * @return the armed deadline as a {@link Deadline} on the engine's clock, or null when no timeout armed one; made
     *         once per armed due time (racy by design when read from several threads: each makes an equal value)
     */
    Deadline deadline() {
        if (!arbiter.deadlineArmed()) {
            return null;
        }
        long due = arbiter.deadlineNanos();
        Deadline d = boundDeadline;
        if (d == null || d.dueNanos() != due) {
            d = Deadline.at(due, clock);
            boundDeadline = d;
        }
        return d;
    }

    /**
     * Registers the owning filter's settlement: {@link #finish} runs it when it answers the request itself (the
     * application's response, a fallback, a safe error), right before the bytes leave. When {@link #finish} does not
     * answer (a timeout answered earlier, a streaming response), the owner settles afterwards.
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

    /**
     * @return whether this request's answer was decided (the application finished, or the deadline answered): the
     *         context belongs to a pass through the chain that is over, and no later pass may join it
     */
    boolean decided() {
        return arbiter.decided();
    }

    void asyncStarted(AsyncContext context) {
        this.async = context;
    }

    /**
     * The application returned (or its async cycle completes): the arbiter commits its response, or replaces it.
     * Runs on the application's thread.
     *
     * @param failure what the application threw, or null
     * @return true when the failure (if any) was answered here and must not propagate to the container
     */
    boolean finish(Throwable failure) throws IOException {
        response.flushWriter();
        return arbiter.finish(failure) != AnswerArbiter.Finish.STREAMING;
    }

    /**
     * @return the status the application answered with, before a fallback replaced it (the breaker must judge
     *         the application, not the substitute); 0 before {@link #finish}
     */
    int statusAtFinish() {
        return arbiter.applicationStatus();
    }

    /** @param live whether the response is the application's (a policy with a fallback marks it {@code live}) */
    private void writeSeawallHeaders(boolean live) {
        arbiter.writePermitHeaders(new ResponseHeaders(real));
        if (live && arbiter.hasFallback()) {
            real.setHeader(FallbackStage.DATA_SOURCE, "live");
        }
    }

    // ---- AnswerSink: what the arbiter reads and writes ----

    @Override
    public int applicationStatus() {
        return response.appStatus();
    }

    @Override
    public List<Rejection.Header> applicationHeaders() {
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
        return headers;
    }

    @Override
    public byte[] applicationBody() {
        return response.body();
    }

    @Override
    public void discard() {
        response.discard();
    }

    @Override
    public void writeFallback(FallbackResponse r, boolean atDeadline) throws IOException {
        beginAnswer(atDeadline);
        writeFallback(real, r);
        endAnswer(atDeadline);
    }

    @Override
    public void writeProblem(Rejection problem, boolean atDeadline) throws IOException {
        beginAnswer(atDeadline);
        ResponseHeaders.writeRejection(real, problem);
        endAnswer(atDeadline);
    }

    private void beginAnswer(boolean atDeadline) {
        writeSeawallHeaders(false);
        if (atDeadline && request.getProtocol() != null && request.getProtocol().startsWith("HTTP/1")) {
            // the handler may still hold this connection; a client must not queue its next request behind it
            real.setHeader("Connection", "close");
        }
    }

    private void endAnswer(boolean atDeadline) throws IOException {
        if (atDeadline) {
            // Jetty and Tomcat 11 end the exchange once the declared Content-Length is written; Tomcat 10.1 and
            // Undertow keep the whole answer in their own buffer until the request's dispatch returns (the handler
            // may ignore interrupts for seconds). Flushing sends it now on every container; still under the gate's
            // monitor, so the application's thread cannot finish the response meanwhile.
            real.flushBuffer();
        }
    }

    @Override
    public void commitApplication() throws IOException {
        response.commit();
    }

    /**
     * Commits status and headers to the next layer (flushes the real response) before the stale copy is judged: a
     * wrapper outside Seawall that adds headers when the response it wraps commits (Spring Security's
     * {@code HeaderWriterFilter} adds {@code Cache-Control: no-store} on flush, close, error or redirect) has then added
     * them, so what is kept never depends on timing. Only stale-cache candidates pay for the flush.
     */
    @Override
    public void commitHeadersForCopy() throws IOException {
        response.commitHeaders();
    }

    @Override
    public void settle(Throwable failure, int appStatus, boolean refused) {
        Settlement s = settlement;
        if (s == null || settled || settler != Thread.currentThread()) {
            return;
        }
        settled = true;
        settlement = null;
        s.settle(failure, appStatus, refused);
    }

    @Override
    public void deadlineAnswered() {
        AsyncContext a = async;
        if (a != null) {
            try {
                a.complete();
            } catch (IllegalStateException alreadyDone) {
                // the cycle ended first
            }
        }
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
