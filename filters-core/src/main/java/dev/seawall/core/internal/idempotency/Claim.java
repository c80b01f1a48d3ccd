package dev.seawall.core.internal.idempotency;

import dev.seawall.core.config.IdempotencyConfig;
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
     * The application ran and this answer went out, and the application's own outcome was the answer's (nothing
     * replaced it). Same as {@link #finish(int, Throwable, int, List, byte[], int)} with the answer's status as the
     * application's.
     */
    public void finish(int status, List<Rejection.Header> headers, byte[] body, int length) {
        finish(status, null, status, headers, body, length);
    }

    /**
     * The application ended (its own status or failure is known) and this answer went out. What the key keeps is
     * decided on the <em>application's</em> outcome, never on a substitute that replaced it:
     * <ul>
     *   <li>the application failed (counted as 500) or its status is not kept ({@code keep}, and never 408, 409, 425,
     *       429 or 503): the key is freed, so that a retry runs again — a fallback's 200 for a failed application
     *       is not an outcome to replay;</li>
     *   <li>its status is kept, and the answer sent is whole and of a kept status: that answer is kept;</li>
     *   <li>its status is kept, but the answer sent is not (the deadline answered before the application succeeded,
     *       the answer was larger than {@code max-response}, the client left while it was written): the key keeps a
     *       marker that the request ran, and repeats get 409 {@code idempotency-answer-not-kept}, never a second
     *       run.</li>
     * </ul>
     *
     * @param applicationStatus  the application's own status (before any substitute)
     * @param applicationFailure what the application threw, or null
     * @param status             the status sent
     * @param headers            the headers sent; per-response secrets and hop-by-hop fields are dropped here
     * @param body               the whole body sent, or null when it is not known whole
     * @param length             the body's length in {@code body}
     */
    public void finish(int applicationStatus, Throwable applicationFailure, int status,
                       List<Rejection.Header> headers, byte[] body, int length) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        IdempotencyConfig c = guard.config();
        int outcome = applicationFailure != null ? 500 : applicationStatus;
        if (outcome < 200 || outcome > 599 || !c.keeps(outcome)) {
            free();
            return;
        }
        byte[] record = null;
        if (body != null && status >= 200 && status <= 599 && c.keeps(status)) {
            record = Records.answeredOrNull(fingerprint, status, kept(headers), body, length);
        }
        boolean whole = record != null;
        if (!whole) {
            record = Records.notKept(fingerprint, status >= 200 && status <= 599 ? status : outcome);
        }
        try {
            boolean replaced = store.replace(key, inFlight, record, c.expire().toMillis());
            guard.storeAnswered(store);
            guard.settled(!replaced ? IdempotencyGuard.Settled.LOST
                    : whole ? IdempotencyGuard.Settled.KEPT : IdempotencyGuard.Settled.MARKED);
        } catch (RuntimeException e) {
            // the in-flight record stays until its lease ends: repeats get 409 until then, then run again
            guard.storeFailed(store, e);
            guard.settled(IdempotencyGuard.Settled.LOST);
        }
    }

    /**
     * The application may still be running, and its end will not be reported (an asynchronous application whose cycle
     * the deadline or the container ended): the key stays held until its lease ends, so that no repeat runs beside it.
     */
    public void hold() {
        if (settled.compareAndSet(false, true)) {
            guard.settled(IdempotencyGuard.Settled.HELD);
        }
    }

    /**
     * The application never ran (a stage refused the request, the client left before it ran), or it ended without an
     * answer Seawall could see (an exception the container answered): the key is freed, so that a retry runs.
     */
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

    /** @return whether {@link #finish}, {@link #release} or {@link #hold} ran */
    public boolean settled() {
        return settled.get();
    }

    static List<Rejection.Header> kept(List<Rejection.Header> headers) {
        List<Rejection.Header> out = new ArrayList<>(headers.size());
        for (Rejection.Header h : headers) {
            if (!dropped(h.name()) && Records.printable(h.name()) && Records.printable(h.value())) {
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
