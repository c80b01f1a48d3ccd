package dev.seawall.core.internal.answer;

import dev.seawall.core.chain.Exchange;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.fallback.StaleCache;
import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.internal.problem.Failures;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.TimeoutStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides which answer goes on the wire for one request whose response is held back (a policy with a timeout or a
 * fallback and a buffer): the application's own, the deadline's (timeout problem or its fallback), the failure's
 * (fallback, or a safe 500 / fail-closed 503), a fallback for a 5xx, or a fallback for a refusal by an inner Seawall
 * filter. It also keeps the stale copy of a successful answer and settles the permits before any answer commits. The
 * adapters (servlet, JAX-RS) implement only the {@link AnswerSink}.
 *
 * <p><b>Request lifecycle.</b> The adapter makes one arbiter per buffered request with the request's
 * {@link ResponseGate}, {@linkplain #join joins} the policy's exchange (stacked servlet filters each join theirs,
 * outer to inner), {@linkplain #arm arms} the timeout if the policy has one, and runs the application into its
 * buffer. Then exactly one of two parties decides:
 * <ol>
 *   <li>the deadline, on a timer thread: it wins the gate's compare-and-set ({@link ResponseGate#expire()}) and,
 *       holding the gate's monitor, discards the buffer and writes the fallback for {@code timeout} or the timeout
 *       problem; a handler that already streams is only counted as an overrun;</li>
 *   <li>the application's end ({@link #finish}), on the thread that finishes the response: it wins
 *       {@link ResponseGate#finish()}, settles the permits through the sink, and only then writes, in this order of
 *       precedence: the fallback for an inner refusal (or that refusal as written), the failure's answer, the
 *       fallback for a 5xx, or the application's answer after keeping its stale copy.</li>
 * </ol>
 * The loser writes nothing. A response that already streams (flushed, or outgrew the buffer) is the application's;
 * its copy is kept when it was captured whole.
 *
 * <p><b>Invariants.</b> One party writes the response (the gate's compare-and-set). Permits are settled before the
 * answer's first byte ({@link AnswerSink#settle} precedes every write of {@link #finish}); the exchange's own
 * compare-and-set keeps that settlement single even if the adapter's backstop settles too. A fail-closed policy never
 * gets a substitute ({@link FallbackStage#answer} refuses). Only 2xx GET answers that the cache accepts are kept:
 * {@code no-store}, {@code private} and {@code Set-Cookie} answers never are, unless the policy opted in to
 * {@code no-store} copies for their own caller ({@link StaleCache#store}). A stale-cache candidate is judged on its
 * headers as committed to the next layer ({@link AnswerSink#commitHeadersForCopy}, which the servlet adapter
 * implements; an adapter that does not judges them as they are when the answer is decided).
 *
 * <p>Thread-safety: {@link #join}, {@link #arm} and {@link #refusedInside} run on the request's thread before the
 * application runs or while it runs; the deadline fires on a timer thread; {@link #finish} runs on whichever thread
 * finishes the response. Fields read across those threads are volatile; the gate decides, and its monitor orders the
 * deadline's answer against the application's writes.
 */
public final class AnswerArbiter {

    /** How {@link #finish} ended. */
    public enum Finish {
        /** This call decided and wrote the answer (the application's, or one in its place). */
        ANSWERED,
        /** The deadline answered earlier; nothing was written now. */
        TIMED_OUT,
        /** The application streams its own response; nothing was replaced (its copy was kept when possible). */
        STREAMING
    }

    private static final Logger LOG = LoggerFactory.getLogger(AnswerArbiter.class);
    private static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<AnswerArbiter, FallbackResponse>
            SERVED = java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(AnswerArbiter.class,
            FallbackResponse.class, "served");

    private final AnswerSink sink;
    private final ResponseGate gate;
    private final RequestView request;
    private final NanoClock clock;
    /** Guarded by {@link #gate}'s monitor. */
    private final List<Exchange> exchanges = new ArrayList<>(2);
    private volatile FallbackStage fallback;
    private volatile StaleCache.Key key;
    private volatile String policy;
    /** The events of {@link #policy}'s engine, or null. */
    private volatile dev.seawall.core.internal.event.EventHub.PolicyEvents events;
    /** The request's observation, captured on its thread when it joined (the deadline fires on another), or null. */
    private volatile io.micrometer.observation.Observation observation;
    /**
     * The fallback this arbiter served and what for; published once the answer is decided, outside the gate's monitor.
     * Written by the one party that answers (the gate lets one through).
     */
    private volatile FallbackResponse served;
    private volatile FallbackTrigger servedFor;
    private volatile boolean failClosed;
    private volatile TimeoutStage timeout;
    private volatile DeadlineTimer.Handle deadline;
    /** When {@link #deadline} is due, on {@link #clock}. Request thread only. */
    private long armedDue;
    /** The armed timeout's duration, for the answer that names it; written before the deadline is scheduled. */
    private volatile long armedAfter;
    private volatile int applicationStatus;
    /**
     * The refusal of an inner Seawall filter in this pass. A later {@link #join} clears it: filters join outer to
     * inner before the chain goes on and none runs inside one that refused, so a join after a refusal is a new pass
     * (a filter between them retried), and that refusal's answer is gone.
     */
    private volatile Rejection innerRefusal;

    /**
     * @param sink    the adapter's response
     * @param gate    the request's gate, shared with the sink's write-through of headers
     * @param request the request, for the stale cache's key and the fallback
     * @param clock   the engine's clock
     */
    public AnswerArbiter(AnswerSink sink, ResponseGate gate, RequestView request, NanoClock clock) {
        this.sink = sink;
        this.gate = gate;
        this.request = request;
        this.clock = clock;
    }

    /** @return the request's gate */
    public ResponseGate gate() {
        return gate;
    }

    /**
     * Registers a policy's exchange: its permits' headers go on every answer. The first policy with a fallback is the
     * one whose fallback answers; a fail-closed policy makes the whole request fail closed.
     */
    public void join(AnswerPlan plan, Exchange exchange) {
        synchronized (gate) {
            exchanges.add(exchange);
        }
        innerRefusal = null;
        if (policy == null) {
            policy = plan.policy();
            events = plan.events();
            observation = events == null ? null : events.currentObservation();
        }
        failClosed |= plan.failClosed();
        FallbackStage fb = plan.fallback();
        if (fb != null && fallback == null) {
            key = fb.cacheKey(request);
            fallback = fb;
            policy = plan.policy();
            events = plan.events();
            observation = events == null ? null : events.currentObservation();
        }
    }

    /** @return whether a joined policy has a fallback (its answers are marked {@code X-Data-Source: live}) */
    public boolean hasFallback() {
        return fallback != null;
    }

    /** An inner Seawall filter refused the request in this pass: the answer is that refusal, or a fallback for it. */
    public void refusedInside(Rejection rejection) {
        innerRefusal = rejection;
    }

    /**
     * Arms a timeout stage's deadline. Of several (stacked filters), the earliest bounds the request; one that already
     * fired decides.
     */
    public void arm(TimeoutStage stage, DeadlineTimer timer, long appStartNanos) {
        arm(stage, timer, appStartNanos, stage.afterNanos());
    }

    /**
     * Arms a timeout stage's deadline {@code afterNanos} after the application's start: the request's own timeout
     * ({@link TimeoutStage#afterNanos(RequestView)}, shortened by a caller's deadline). Of several (stacked
     * filters), the earliest bounds the request; one that already fired decides.
     */
    public void arm(TimeoutStage stage, DeadlineTimer timer, long appStartNanos, long afterNanos) {
        long due = appStartNanos + afterNanos;
        DeadlineTimer.Handle armed = deadline;
        if (armed != null && (due >= armedDue || !armed.cancel())) {
            return;
        }
        timeout = stage;
        armedAfter = afterNanos;
        armedDue = due;
        deadline = timer.schedule(due, this::onDeadline);
    }

    /** @return whether a deadline is armed */
    public boolean deadlineArmed() {
        return deadline != null;
    }

    /** @return when the armed deadline is due, on the engine's clock; meaningful only when {@link #deadlineArmed()} */
    public long deadlineNanos() {
        return armedDue;
    }

    /**
     * @return whether the answer was decided (the application finished, or the deadline answered): the pass through
     *         the chain this arbiter belongs to is over, and no later pass may join it
     */
    public boolean decided() {
        int s = gate.state();
        return s == ResponseGate.FINISHED || s == ResponseGate.TIMED_OUT;
    }

    /** @return the application's own status once {@link #finish} ran (500 for a failure); 0 before */
    public int applicationStatus() {
        return applicationStatus;
    }

    /** Writes every joined exchange's permit headers, outer to inner. */
    public void writePermitHeaders(HeaderSink headers) {
        synchronized (gate) {
            for (Exchange e : exchanges) {
                e.writeHeaders(headers);
            }
        }
    }

    /** At the deadline, on a timer thread: answers now unless the application finished or streams. */
    void onDeadline() {
        TimeoutStage t = timeout;
        synchronized (gate) {
            if (!gate.expire()) {
                if (gate.state() == ResponseGate.STREAMING) {
                    t.overran();
                }
                return;
            }
            answeredAtDeadline(t);
        }
        sink.deadlineAnswered();
        dev.seawall.core.internal.event.EventHub.PolicyEvents e = events;
        if (e != null) {
            // outside the gate's monitor: a listener never runs under a lock of the request's
            e.timeout(t.name(), armedAfter, served != null, observation);
            publishServed();
        }
    }

    private void publishServed() {
        dev.seawall.core.internal.event.EventHub.PolicyEvents e = events;
        if (e == null || served == null) {
            return;
        }
        FallbackResponse r = SERVED.getAndSet(this, null); // the deadline's party and finish() may both get here
        if (r != null) {
            e.fallback(servedFor, r, observation);
        }
    }

    /** The deadline won the gate: answer with the fallback for a timeout or the timeout problem. Under the gate. */
    private void answeredAtDeadline(TimeoutStage t) {
        t.answered();
        try {
            answer(FallbackTrigger.TIMEOUT, t.timeoutAnswer(armedAfter), true);
        } catch (IOException | RuntimeException e) {
            // the client is gone or the container refused; the application's output is discarded either way
            LOG.debug("Seawall: the timeout answer could not be written", e);
        }
    }

    /**
     * The application returned, or its response is complete: decides the answer and writes it (see the class
     * comment). Runs on the thread that finishes the response.
     *
     * @param failure what the application threw, or null
     * @return how the call ended; {@link Finish#STREAMING} leaves the application's response (and a failure) to the
     *         container
     */
    public Finish finish(Throwable failure) throws IOException {
        try {
            return decide(failure);
        } finally {
            publishServed(); // null unless this call answered with a fallback
        }
    }

    private Finish decide(Throwable failure) throws IOException {
        DeadlineTimer.Handle d = deadline;
        if (d != null) {
            d.cancel();
        }
        int status = failure != null ? 500 : sink.applicationStatus();
        applicationStatus = status;
        boolean won;
        synchronized (gate) {
            won = gate.finish();
        }
        if (!won) {
            if (gate.state() == ResponseGate.TIMED_OUT) {
                if (failure != null) {
                    LOG.debug("Seawall: request failed after its timeout was answered", failure);
                }
                return Finish.TIMED_OUT;
            }
            if (failure == null) {
                remember();
            }
            return Finish.STREAMING;
        }
        // this thread answers from here on, whichever way: settled before any byte of the answer is written
        Rejection refused = innerRefusal;
        settle(failure, status, refused != null);
        if (refused != null) {
            FallbackResponse r = fallbackFor(FallbackTrigger.of(refused));
            if (r != null) {
                replace(r);
            } else {
                sink.commitApplication(); // the inner filter's refusal, as it wrote it
            }
            return Finish.ANSWERED;
        }
        if (failure != null) {
            String id = Failures.newRequestId();
            LOG.error("Seawall: request {} failed in the application (policy {}, {} {})", id, policy,
                    request.method(), request.path(), failure);
            answer(FallbackTrigger.ERROR, failClosed ? Failures.failedClosed(policy, id)
                    : Failures.internalError(policy, id), false);
            return Finish.ANSWERED;
        }
        if (status >= 500 && fallback != null) {
            FallbackResponse r = fallbackFor(FallbackTrigger.ERROR);
            if (r != null) {
                replace(r);
                return Finish.ANSWERED;
            }
        }
        // the copy is kept before the bytes leave, for the same reason the settlement ran first
        remember();
        sink.commitApplication();
        return Finish.ANSWERED;
    }

    private void settle(Throwable failure, int status, boolean refused) {
        try {
            sink.settle(failure, status, refused);
        } catch (RuntimeException e) {
            // the answer is decided and still goes out; a broken listener must not turn it into an error
            LOG.error("Seawall: settling a request of policy {} failed", policy, e);
        }
    }

    private FallbackResponse fallbackFor(FallbackTrigger trigger) {
        FallbackStage fb = fallback;
        FallbackResponse r = fb == null || trigger == null ? null : fb.answer(trigger, key, request, clock.nanoTime());
        if (r != null) {
            servedFor = trigger; // read after served, which publishes it
            served = r;
        }
        return r;
    }

    /** Replaces the application's answer with the fallback for {@code trigger}, or else {@code problem}. */
    private void answer(FallbackTrigger trigger, Rejection problem, boolean atDeadline) throws IOException {
        sink.discard();
        FallbackResponse r = fallbackFor(trigger);
        if (r != null) {
            sink.writeFallback(r, atDeadline);
        } else {
            sink.writeProblem(problem, atDeadline);
        }
    }

    private void replace(FallbackResponse r) throws IOException {
        sink.discard();
        sink.writeFallback(r, false);
    }

    /**
     * Keeps a copy of a successful live response for the stale cache. Runs before the body is written, so a failure
     * here is logged and the live answer still goes out; only the sink's commit of the headers may fail the answer
     * (the client is gone), as writing it would.
     */
    private void remember() throws IOException {
        try {
            keepCopy();
        } catch (RuntimeException e) {
            LOG.warn("Seawall: the stale copy of a {} response could not be kept (policy {})", request.method(),
                    policy, e);
        }
    }

    private void keepCopy() throws IOException {
        FallbackStage fb = fallback;
        StaleCache.Key k = key;
        if (fb == null || !"GET".equals(request.method())) {
            return;
        }
        int status = sink.applicationStatus();
        long now = clock.nanoTime();
        if (status < 200 || status > 299 || !fb.wantsCopy(k, now)) {
            return;
        }
        byte[] body = sink.applicationBody();
        if (body == null) {
            return;
        }
        // judged on the headers as sent: a layer outside Seawall may add some only when the response commits
        sink.commitHeadersForCopy();
        fb.remember(k, request, status, sink.applicationHeaders(), body, now);
    }
}
