package dev.seawall.core.breaker;

import dev.seawall.core.idempotency.IdempotencyStore.StoreUnavailableException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link SharedBreakerState} protocol in memory, for the core's tests: the same rules as the Redis store's script,
 * answering at once on the calling thread. It can be made unreachable ({@link #down}) and can lose messages
 * ({@link #dropMessages}), and lets a test deliver any message it likes ({@link #deliver}). Permits have no lease here:
 * {@link #expireProbes} stands for their end. Thread-safe (synchronized).
 */
final class InMemorySharedBreakerState implements SharedBreakerState {

    private final Map<String, State> records = new HashMap<>();
    private final Map<String, Integer> permits = new HashMap<>();
    private final Map<String, int[]> results = new HashMap<>();
    private final Map<String, List<Listener>> listeners = new HashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile boolean down;
    volatile boolean dropMessages;

    @Override
    public synchronized Membership join(String breaker, Listener listener) {
        listeners.computeIfAbsent(breaker, k -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> {
            synchronized (this) {
                listeners.get(breaker).remove(listener);
            }
        };
    }

    @Override
    public CompletionStage<State> read(String breaker) {
        calls.add("read");
        if (down) {
            return CompletableFuture.failedFuture(unavailable());
        }
        synchronized (this) {
            return CompletableFuture.completedFuture(record(breaker));
        }
    }

    @Override
    public CompletionStage<State> open(String breaker, long closedGeneration) {
        calls.add("open " + closedGeneration);
        if (down) {
            return CompletableFuture.failedFuture(unavailable());
        }
        State s;
        synchronized (this) {
            State cur = record(breaker);
            if (cur.phase() != Phase.CLOSED || cur.generation() != closedGeneration) {
                return CompletableFuture.completedFuture(cur);
            }
            s = write(breaker, cur, Phase.OPEN);
        }
        publish(breaker, s);
        return CompletableFuture.completedFuture(s);
    }

    @Override
    public CompletionStage<State> force(String breaker, Phase phase) {
        calls.add("force " + phase);
        if (down) {
            return CompletableFuture.failedFuture(unavailable());
        }
        State s;
        synchronized (this) {
            s = write(breaker, record(breaker), phase);
        }
        publish(breaker, s);
        return CompletableFuture.completedFuture(s);
    }

    @Override
    public synchronized boolean tryProbe(String breaker, long generation, int limit, Duration lease) {
        calls.add("probe " + generation);
        if (down) {
            throw unavailable();
        }
        State cur = record(breaker);
        if (cur.phase() != Phase.OPEN || cur.generation() != generation) {
            return false;
        }
        int taken = permits.getOrDefault(breaker + generation, 0);
        if (taken >= limit) {
            return false;
        }
        permits.put(breaker + generation, taken + 1);
        return true;
    }

    @Override
    public synchronized void releaseProbe(String breaker, long generation) {
        calls.add("release " + generation);
        if (down) {
            throw unavailable();
        }
        permits.computeIfPresent(breaker + generation, (k, v) -> v > 0 ? v - 1 : 0);
    }

    /** Loses every record, as a Redis restarted without persistence does. */
    synchronized void forget() {
        records.clear();
        permits.clear();
        results.clear();
    }

    /** Every permit's lease ends. */
    synchronized void expireProbes() {
        permits.clear();
    }

    @Override
    public CompletionStage<State> probeResult(String breaker, long generation, boolean failed, int calls,
                                              int failureRate) {
        this.calls.add("result " + generation + (failed ? " failed" : " ok"));
        if (down) {
            return CompletableFuture.failedFuture(unavailable());
        }
        State s;
        synchronized (this) {
            State cur = record(breaker);
            if (cur.phase() != Phase.OPEN || cur.generation() != generation) {
                return CompletableFuture.completedFuture(cur);
            }
            int[] r = results.computeIfAbsent(breaker + generation, k -> new int[2]);
            r[0]++;
            r[1] += failed ? 1 : 0;
            if (r[0] < calls) {
                return CompletableFuture.completedFuture(cur);
            }
            s = write(breaker, cur, r[1] * 100 >= failureRate * r[0] ? Phase.OPEN : Phase.CLOSED);
        }
        publish(breaker, s);
        return CompletableFuture.completedFuture(s);
    }

    @Override
    public String describe() {
        return "in-memory";
    }

    synchronized State record(String breaker) {
        return records.getOrDefault(breaker, State.INITIAL);
    }

    private State write(String breaker, State cur, Phase phase) {
        State s = new State(cur.generation() + 1, phase);
        records.put(breaker, s);
        return s;
    }

    private void publish(String breaker, State s) {
        if (!dropMessages) {
            deliver(breaker, s);
        }
    }

    /** Delivers a message to every node that joined the breaker, as the store's subscription would. */
    void deliver(String breaker, State s) {
        List<Listener> to;
        synchronized (this) {
            to = new ArrayList<>(listeners.getOrDefault(breaker, List.of()));
        }
        to.forEach(l -> l.published(s));
    }

    private static StoreUnavailableException unavailable() {
        return new StoreUnavailableException("down", null);
    }
}
