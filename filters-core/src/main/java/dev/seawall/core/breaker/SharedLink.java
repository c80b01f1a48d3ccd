package dev.seawall.core.breaker;

import dev.seawall.core.breaker.SharedBreakerState.Phase;
import dev.seawall.core.breaker.SharedBreakerState.State;
import dev.seawall.core.time.NanoClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps one node's {@link Breaker} in step with the fleet's record of it ({@link SharedBreakerState}).
 *
 * <p>The node's own window still judges: when it opens the breaker (closed to open), the link asks the store to open
 * the fleet's generation it knew, and every other node, told by the store's message, opens too. Half-open is each
 * node's own, but its probes need a fleet permit of the open generation, and their results are counted by the store,
 * which closes or reopens the fleet. Operators' actions are written unconditionally. A state is applied only when its
 * generation is newer than the one this node follows, so a late or repeated message never undoes a later change.
 *
 * <p>Backstop for lost messages: the record is read again at most every {@code SYNC_EVERY}, driven by the requests
 * themselves on the engine's clock (no thread of its own), so a node that serves requests converges within a second
 * even without messages.
 *
 * <p>When the store does not answer, the node judges alone, as an unshared breaker would, and says so once per outage
 * (a log line, and {@link #degraded()} for the {@code seawall.breaker.shared.degraded} gauge). When the store answers
 * again, a breaker that opened here meanwhile opens the fleet, and one the fleet moved on takes the fleet's state.
 *
 * <p>Thread-safe: the generation and phase are guarded by this object's lock, which is never held while the store is
 * called (listeners may be called back on the calling thread).
 */
final class SharedLink {

    private static final Logger LOG = LoggerFactory.getLogger(SharedLink.class);
    /** How often the record is read again, as the backstop for messages lost while the subscription was down. */
    static final long SYNC_EVERY = TimeUnit.SECONDS.toNanos(1);
    /** The shortest probe lease: a probe's call may take its time. */
    static final Duration MIN_LEASE = Duration.ofSeconds(5);

    private final Breaker breaker;
    private final CircuitBreaker cb;
    private final SharedBreakerState store;
    private final NanoClock clock;
    private final int halfOpenCalls;
    private final int failureRate;
    private final Duration lease;
    private final SharedBreakerState.Membership membership;
    private final AtomicBoolean syncing = new AtomicBoolean();
    private volatile long nextSyncAt;
    private volatile boolean degraded;
    /**
     * A closed generation to open the fleet from: this node's window just opened the breaker, or a read found that
     * opening unpublished; -1 for none. Published by a request ({@link #flush()}), never on the store's thread, which
     * must not wait for the store.
     */
    private volatile long unpublishedOpen = -1;
    /**
     * An open generation this node's own probes closed while the store was away (the fleet still holds it open), to
     * report as a deciding probe result; -1 for none. Published by a request, like {@link #unpublishedOpen}.
     */
    private volatile long unpublishedClose = -1;
    /** An operator's force the store has not taken yet; published again by a request once the store answers. */
    private final java.util.concurrent.atomic.AtomicReference<Phase> unpublishedForce =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** The fleet generation this node follows, and its phase; guarded by {@code this}. */
    private long generation;
    private Phase phase = Phase.CLOSED;

    SharedLink(Breaker breaker, CircuitBreaker cb, SharedBreakerState store, NanoClock clock, Duration openFor,
               int halfOpenCalls, int failureRate) {
        this.breaker = breaker;
        this.cb = cb;
        this.store = store;
        this.clock = clock;
        this.halfOpenCalls = halfOpenCalls;
        this.failureRate = failureRate;
        this.lease = openFor.compareTo(MIN_LEASE) > 0 ? openFor : MIN_LEASE;
        this.membership = store.join(breaker.name(), this::adopt);
        this.nextSyncAt = clock.nanoTime();
        sync();
    }

    /** @return whether the node judges alone because the store does not answer */
    boolean degraded() {
        return degraded;
    }

    /** @return the generation this node follows (tests and status) */
    synchronized long generation() {
        return generation;
    }

    /** Stops the store's messages for this breaker. */
    void leave() {
        membership.close();
    }

    /** Called on every admission: reads the record again when the last read is {@link #SYNC_EVERY} old. */
    void tick(long nowNanos) {
        if (nowNanos - nextSyncAt >= 0) {
            sync();
        }
        flush();
    }

    /**
     * Publishes what waits: this node's opening, a close its own probes decided while the store was away, an operator's
     * force the store did not take; on a request's thread (see {@link #unpublishedOpen}).
     */
    void flush() {
        long open = unpublishedOpen;
        if (open >= 0) {
            unpublishedOpen = -1;
            publish(() -> store.open(breaker.name(), open));
        }
        long close = unpublishedClose;
        if (close >= 0) {
            unpublishedClose = -1;
            // one succeeded result that decides alone: closes the generation if the fleet still holds it open
            publish(() -> store.probeResult(breaker.name(), close, false, 1, failureRate));
        }
        if (unpublishedForce.get() != null && !degraded) {
            publishForce();
        }
    }

    /** Publishes the waiting force; put back to wait again when the store does not take it. */
    private void publishForce() {
        Phase forced = unpublishedForce.getAndSet(null);
        if (forced != null) {
            publish(() -> store.force(breaker.name(), forced), () -> unpublishedForce.compareAndSet(null, forced));
        }
    }

    private void sync() {
        if (!syncing.compareAndSet(false, true)) {
            return;
        }
        nextSyncAt = clock.nanoTime() + SYNC_EVERY;
        long followed = generation(); // a read answered after newer news must not undo it
        CompletionStage<State> read;
        try {
            read = store.read(breaker.name());
        } catch (RuntimeException e) {
            syncing.set(false);
            degrade(e);
            return;
        }
        read.whenComplete((s, e) -> {
            syncing.set(false);
            if (e != null) {
                degrade(e);
            } else {
                recover();
                reconcile(s, followed);
            }
        });
    }

    /**
     * A state read from the record (possibly on the store's thread): adopted when newer; an opening this node could
     * not publish is handed to the next request to publish, and so is a close this node's own probes decided while the
     * store was away. A record older than what this node followed when it sent the read was lost (Redis restarted or
     * flushed): the node starts again from it. A record older only than news that arrived since the read was sent is
     * stale, and ignored.
     *
     * @param followed the generation this node followed when the read was sent
     */
    private void reconcile(State s, long followed) {
        long unpublished;
        long closed = -1;
        synchronized (this) {
            if (s.generation() < generation && s.generation() >= followed) {
                return; // a message newer than this read arrived while it travelled
            }
            if (s.generation() < generation) {
                generation = s.generation();
                phase = Phase.CLOSED;
                if (s.phase() != Phase.CLOSED) {
                    generation--; // so that the record's open phase is applied below
                }
            }
            CircuitBreaker.State local = cb.getState();
            boolean openHere = local == CircuitBreaker.State.OPEN || local == CircuitBreaker.State.HALF_OPEN;
            if (s.phase() == Phase.CLOSED && phase == Phase.CLOSED && openHere && s.generation() >= generation) {
                // this node's window opened the breaker while the store was away: that judgement is news to the fleet
                generation = s.generation();
                unpublished = s.generation();
            } else {
                unpublished = -1;
                if (s.phase() == Phase.OPEN && phase == Phase.OPEN && s.generation() == generation
                        && local == CircuitBreaker.State.CLOSED && unpublishedForce.get() == null) {
                    // this node's own probes closed the breaker while the store was away; the fleet still holds it
                    // open, and would never hear of it (a node whose phase is open publishes no opening either)
                    closed = s.generation();
                }
            }
        }
        if (unpublished >= 0) {
            unpublishedOpen = unpublished; // the next request publishes it: this may be the store's thread
        } else if (closed >= 0) {
            unpublishedClose = closed;
        } else {
            adopt(s);
        }
    }

    /**
     * Applies a state of the fleet when it is newer than the one this node follows. The phase is noted before the
     * local breaker moves, so that {@link #transitioned} (called by the breaker's own observation) does not publish
     * the move back.
     */
    void adopt(State s) {
        synchronized (this) {
            if (s.generation() <= generation) {
                return; // old or repeated news
            }
            generation = s.generation();
            phase = s.phase();
            CircuitBreaker.State local = cb.getState();
            try {
                switch (s.phase()) {
                    case OPEN -> {
                        if (local != CircuitBreaker.State.OPEN) {
                            cb.transitionToOpenState();
                        }
                    }
                    case CLOSED -> {
                        if (local != CircuitBreaker.State.CLOSED) {
                            cb.transitionToClosedState();
                        }
                    }
                    case FORCED_OPEN -> {
                        if (local != CircuitBreaker.State.FORCED_OPEN) {
                            cb.transitionToForcedOpenState();
                        }
                    }
                }
            } catch (RuntimeException e) {
                // resilience4j refuses a transition only between states it does not know of (disabled, metrics-only),
                // which Seawall never enters
                LOG.debug("Seawall: circuit breaker {} could not take the shared state {}", breaker.name(), s, e);
            }
        }
        breaker.observe();
    }

    /**
     * The local breaker moved (reported once by {@link Breaker#observe()}, possibly on the store's thread): an opening
     * judged by its own window waits for {@link #flush()}.
     */
    void transitioned(CircuitBreaker.State from, CircuitBreaker.State to) {
        if (from != CircuitBreaker.State.CLOSED || to != CircuitBreaker.State.OPEN) {
            return; // half-open outcomes are the fleet's to decide (probeDone); operators' actions go through force
        }
        long closed;
        synchronized (this) {
            if (phase != Phase.CLOSED) {
                return; // the move is the fleet's own, just adopted
            }
            closed = generation;
        }
        unpublishedOpen = closed; // published by flush(), on the request's thread: observe() may run on the store's
    }

    /**
     * Asks for a fleet permit for a probe this node's half-open breaker has just permitted.
     *
     * @return the open generation the permit belongs to; 0 to probe without a fleet permit (this node judges alone);
     *         -1 when the fleet's probes are all taken
     */
    long tryProbe() {
        long open;
        synchronized (this) {
            if (phase != Phase.OPEN) {
                return 0; // the fleet does not know this opening (the store was away): the node's own probes decide
            }
            open = generation;
        }
        try {
            boolean granted = store.tryProbe(breaker.name(), open, halfOpenCalls, lease);
            recover();
            return granted ? open : -1;
        } catch (RuntimeException e) {
            degrade(e);
            return 0;
        }
    }

    /** Reports a probe's result to the fleet (the store decides on the last one). */
    void probeDone(long generation, boolean failed) {
        publish(() -> store.probeResult(breaker.name(), generation, failed, halfOpenCalls, failureRate));
    }

    /** Gives back a probe permit whose call never ran. */
    void probeReleased(long generation) {
        try {
            store.releaseProbe(breaker.name(), generation);
        } catch (RuntimeException e) {
            degrade(e);
        }
    }

    /**
     * An operator forced this breaker (already applied here): the fleet follows. When the store does not take it, the
     * force waits and is published once the store answers again, so the fleet still follows.
     */
    void force(Phase forced) {
        synchronized (this) {
            phase = forced; // so that the local move is not published as a judgement of the window
        }
        unpublishedForce.set(forced);
        publishForce();
    }

    private void publish(java.util.function.Supplier<CompletionStage<State>> call) {
        publish(call, () -> { });
    }

    /** @param notTaken run when the store does not take the change (before the node is marked degraded) */
    private void publish(java.util.function.Supplier<CompletionStage<State>> call, Runnable notTaken) {
        CompletionStage<State> result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            notTaken.run();
            degrade(e);
            return;
        }
        result.whenComplete((s, e) -> {
            if (e != null) {
                notTaken.run();
                degrade(e);
            } else {
                recover();
                adopt(s);
            }
        });
    }

    private void degrade(Throwable failure) {
        Throwable e = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (!degraded) {
            degraded = true;
            LOG.warn("Seawall: shared circuit breaker {}: {} does not answer ({}); this node judges alone until it"
                    + " does", breaker.name(), store.describe(), e.getClass().getSimpleName());
        }
    }

    private void recover() {
        if (degraded) {
            degraded = false;
            LOG.info("Seawall: shared circuit breaker {}: {} answers again; following the fleet's state",
                    breaker.name(), store.describe());
        }
    }
}
