package dev.seawall.core.internal.idempotency;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.idempotency.IdempotencyStore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A first request's hold on its key, from the claim until the request ended: {@link #finish} keeps its answer (or
 * frees the key for a status that is not kept), {@link #release} frees the key. Exactly one of them counts; later
 * calls are no-ops, so an adapter's backstop may call again. A claim never settled (a bug, or a node that died) is
 * freed by its lease.
 *
 * <p>Thread-safe: it may be settled from another thread than the one that claimed it (async requests).
 */
public final class Claim {

    private final IdempotencyGuard guard;
    private final IdempotencyStore store;
    private final String key;
    private final byte[] fingerprint;
    private final byte[] inFlight;
    private final AtomicBoolean settled = new AtomicBoolean();

    Claim(IdempotencyGuard guard, IdempotencyStore store, String key, byte[] fingerprint, byte[] inFlight) {
        this.guard = guard;
        this.store = store;
        this.key = key;
        this.fingerprint = fingerprint;
        this.inFlight = inFlight;
    }

    static byte[] newOwner() {
        byte[] owner = new byte[16];
        ThreadLocalRandom.current().nextBytes(owner);
        return owner;
    }

    /** @return the headers to add to the request's own answer: how long a kept answer lives */
    public List<Rejection.Header> headers() {
        return List.of(new Rejection.Header(IdempotencyGuard.LIFETIME, guard.lifetimeSeconds()));
    }

    /** @return the largest body worth capturing */
    public int maxResponse() {
        return guard.maxResponse();
    }

    /**
     * The application ran and this answer went out. Kept when its status is ({@code keep}); else the key is freed.
     *
     * @param status  the status sent
     * @param headers the headers sent; per-response secrets and hop-by-hop fields are dropped here
     * @param body    the whole body sent, or null when it was larger than {@link #maxResponse()} (the key then keeps a
     *                marker that it ran, and repeats get 409)
     * @param length  the body's length in {@code body}
     */
    public void finish(int status, List<Rejection.Header> headers, byte[] body, int length) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        if (status < 200 || status > 599 || !guard.config().keeps(status)) {
            free();
            return;
        }
        byte[] record = body == null ? Records.notKept(fingerprint, status)
                : Records.answered(fingerprint, status, kept(headers), body, length);
        try {
            boolean replaced = store.replace(key, inFlight, record, guard.config().expire().toMillis());
            guard.storeAnswered(store);
            guard.settled(!replaced ? IdempotencyGuard.Settled.LOST
                    : body == null ? IdempotencyGuard.Settled.MARKED : IdempotencyGuard.Settled.KEPT);
        } catch (RuntimeException e) {
            // the in-flight record stays until its lease ends: repeats get 409 until then, then run again
            guard.storeFailed(store, e);
            guard.settled(IdempotencyGuard.Settled.LOST);
        }
    }

    /** The application never ran, or its answer is unknown: the key is freed, so that a retry runs. */
    public void release() {
        if (settled.compareAndSet(false, true)) {
            free();
        }
    }

    private void free() {
        try {
            store.remove(key, inFlight);
            guard.storeAnswered(store);
        } catch (RuntimeException e) {
            // the lease frees it
            guard.storeFailed(store, e);
        }
        guard.settled(IdempotencyGuard.Settled.FREED);
    }

    /** @return whether {@link #finish} or {@link #release} ran */
    public boolean settled() {
        return settled.get();
    }

    static List<Rejection.Header> kept(List<Rejection.Header> headers) {
        List<Rejection.Header> out = new ArrayList<>(headers.size());
        for (Rejection.Header h : headers) {
            if (!dropped(h.name())) {
                out.add(h);
            }
        }
        return out;
    }

    private static boolean dropped(String name) {
        for (String d : IdempotencyGuard.DROPPED) {
            if (d.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
