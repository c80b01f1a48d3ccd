package dev.seawall.core.chain;

import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One request's passage through a {@link Chain}: the permits it holds, the rejection that stopped it, or
 * the {@link Deferral} it waits on.
 *
 * <p>Thread-safety: the walk ({@link Chain#admit}, then {@link #resume} after a deferral is decided) is
 * driven by one thread at a time — the adapter hands the request from thread to thread through its
 * container, which orders the hand-over. Settlement may race (the request thread finishing while an async
 * listener reports a disconnect); a compare-and-set lets exactly one of {@link #complete(Outcome)} and
 * {@link #release()} settle the permits, inner to outer, and makes every later call a no-op.
 *
 * <p>For a response Seawall holds back, the {@link dev.seawall.core.internal.answer.AnswerArbiter} settles the
 * exchange once its answer is decided and before any byte of it is written; the adapters' later settlements (Jersey's
 * {@code FINISHED} event, the servlet filter after its chain call, an async listener) are backstops that this
 * compare-and-set makes harmless.
 */
public final class Exchange {

    private static final AtomicIntegerFieldUpdater<Exchange> SETTLED =
            AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "settled");

    private final Stage[] stages;
    private final Permit[] permits;
    private final long startNanos;
    /** the request is exempt: the walk skips the stages an exemption skips (rate limits, throttle) */
    private final boolean exempt;
    /** permits held; permits[i] is the permit of the i-th stage that admitted (skipped stages hold none) */
    private int count;
    /** stages walked past, admitted or skipped: stages[0, walked) */
    private int walked;
    private int next;
    private volatile Rejection rejection;
    private volatile Deferral deferral;
    private volatile boolean abandoned;
    @SuppressWarnings("unused") // written through SETTLED
    private volatile int settled;

    /** where a refusal is published; null when the chain's engine has no listener */
    private final dev.seawall.core.internal.event.EventHub.PolicyEvents events;

    Exchange(Stage[] stages, long startNanos, boolean exempt,
             dev.seawall.core.internal.event.EventHub.PolicyEvents events) {
        this.stages = stages;
        this.events = events;
        this.permits = new Permit[stages.length];
        this.startNanos = startNanos;
        this.exempt = exempt;
    }

    /** Walks from stage {@code from} until admitted, rejected or deferred. */
    void walk(RequestView request, long nowNanos, int from) {
        for (int i = from; i < stages.length; i++) {
            if (exempt && Exemption.skips(stages[i].kind())) {
                walked = i + 1;
                continue;
            }
            Admission admission = stages[i].admit(request, nowNanos);
            if (admission.deferred()) {
                next = i + 1;
                deferral = (Deferral) admission;
                return;
            }
            Rejection r = admission.rejection();
            if (r != null) {
                reject(r, stages[i]);
                return;
            }
            permits[count++] = admission.permit();
            walked = i + 1;
        }
        dev.seawall.core.internal.event.EventHub.PolicyEvents e = events;
        if (e != null) {
            e.allowed(from > 0 ? nowNanos - startNanos : 0); // resumed: the request waited in a queue
        }
    }

    private void reject(Rejection r, Stage by) {
        rejection = r;
        if (SETTLED.compareAndSet(this, 0, 1)) {
            Chain.releaseAll(permits, count);
        }
        dev.seawall.core.internal.event.EventHub.PolicyEvents e = events;
        if (e != null) {
            e.refused(by.kind(), by.name(), r); // before the adapter writes the refusal; no lock is held here
        }
    }

    /** @return true when every stage admitted the request */
    public boolean admitted() {
        return rejection == null && deferral == null && !abandoned;
    }

    /** @return true when the request is exempt: it skipped the rate-limit and throttle stages */
    public boolean exempt() {
        return exempt;
    }

    /** @return true when the exchange was released while it waited: nothing more may run for it */
    public boolean abandoned() {
        return abandoned;
    }

    /**
     * @return true when {@code stage} admitted this request before the walk stopped: for a rejected exchange,
     *         whether the stage is outside the one that refused (a fallback may then answer the refusal)
     */
    public boolean passed(Stage stage) {
        for (int i = 0; i < walked; i++) {
            if (stages[i] == stage) {
                return !(exempt && Exemption.skips(stage.kind()));
            }
        }
        return false;
    }

    /** @return the rejection to send, or null */
    public Rejection rejection() {
        return rejection;
    }

    /** @return true while the request waits on a {@link Deferral} */
    public boolean pending() {
        return deferral != null;
    }

    /** @return the deferral the request waits on, or null */
    public Deferral deferral() {
        return deferral;
    }

    /**
     * Continues the walk once the deferral has been decided: a granted permit joins the others and the
     * inner stages are asked; a refusal releases what was taken.
     *
     * @throws IllegalStateException when nothing is pending or the deferral is not decided yet
     */
    public void resume(RequestView request, long nowNanos) {
        Deferral d = deferral;
        if (d == null) {
            throw new IllegalStateException("nothing to resume");
        }
        Admission outcome = d.outcome();
        if (outcome == null) {
            throw new IllegalStateException("the deferral is not decided yet");
        }
        deferral = null;
        if (settled != 0) {
            // released while waiting (client gone): the granted permit, if any, goes back at once
            outcome.permit().release();
            return;
        }
        Rejection r = outcome.rejection();
        if (r != null) {
            reject(r, stages[next - 1]);
            return;
        }
        permits[count++] = outcome.permit();
        walked = next;
        walk(request, nowNanos, next);
    }

    /** @return the clock reading when the request entered the chain (before any wait in a queue) */
    long startNanos() {
        return startNanos;
    }

    /** Writes the headers of every permit, outer to inner, onto an admitted response. */
    public void writeHeaders(HeaderSink headers) {
        for (int i = 0; i < count; i++) {
            permits[i].writeHeaders(headers);
        }
    }

    /**
     * Writes the headers every permit will write once released ({@link Permit#writeReleasedHeaders}): for a refusal
     * by an inner part of the adapter, written before this exchange is released on the way out.
     */
    public void writeReleasedHeaders(HeaderSink headers) {
        for (int i = 0; i < count; i++) {
            permits[i].writeReleasedHeaders(headers);
        }
    }

    /**
     * Reports the application's outcome to every permit, inner to outer. Only the first settlement counts.
     *
     * @return true when this call settled the exchange
     */
    public boolean complete(Outcome outcome) {
        if (!SETTLED.compareAndSet(this, 0, 1)) {
            return false;
        }
        for (int i = count - 1; i >= 0; i--) {
            permits[i].complete(outcome);
        }
        return true;
    }

    /**
     * Gives every permit back, inner to outer, and abandons a pending wait: the request never reached the
     * application. Only the first settlement counts.
     *
     * @return true when this call settled the exchange
     */
    public boolean release() {
        if (!SETTLED.compareAndSet(this, 0, 1)) {
            return false;
        }
        Deferral d = deferral;
        if (d != null) {
            abandoned = true;
            d.cancel();
        }
        Chain.releaseAll(permits, count);
        return true;
    }

    /** @return true once the exchange was completed, released or rejected */
    public boolean settled() {
        return settled != 0;
    }
}
