package dev.seawall.core.internal.idempotency;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A request's idempotency key, parsed and scoped ({@link IdempotencyGuard#open}), waiting for its body. Immutable and
 * thread-safe; confined in practice to the request it belongs to.
 */
public final class KeyEntry {

    /** The request runs without protection: its method is not covered, or it has no key and none is required. */
    public static final KeyEntry NONE = new KeyEntry(null, (Rejection) null);

    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e); // every Java platform has SHA-256
        }
    }

    private final IdempotencyGuard guard;
    private final Rejection rejection;
    private final String storeKey;

    KeyEntry(IdempotencyGuard guard, Rejection rejection) {
        this.guard = guard;
        this.rejection = rejection;
        this.storeKey = null;
    }

    KeyEntry(IdempotencyGuard guard, String storeKey) {
        this.guard = guard;
        this.rejection = null;
        this.storeKey = storeKey;
    }

    /** @return the 400 to send (key missing or malformed), or null */
    public Rejection rejection() {
        return rejection;
    }

    /** @return whether the request carries a valid key: read its body and {@link #claim} it */
    public boolean protects() {
        return storeKey != null;
    }

    /** @return the 413 for a body longer than {@link IdempotencyGuard#maxBody()} (counted) */
    public Rejection bodyTooLarge() {
        guard.count(IdempotencyGuard.Outcome.TOO_LARGE);
        return guard.tooLarge;
    }

    /**
     * Step 2: fingerprints the request (method, path, query and body) and claims its key.
     *
     * @param request the request, for its method, path and query
     * @param body    the body's first {@code length} bytes, the whole body (at most {@link IdempotencyGuard#maxBody()})
     * @return what to do; never null
     */
    public Decision claim(RequestView request, byte[] body, int length) {
        if (storeKey == null) {
            throw new IllegalStateException("nothing to claim: the request has no valid key");
        }
        return guard.claim(storeKey, fingerprint(request, body, length));
    }

    /** The SHA-256 of the request's method, path, query and body, each length-prefixed so no two requests meet. */
    static byte[] fingerprint(RequestView request, byte[] body, int length) {
        MessageDigest d;
        try {
            d = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 cannot be cloned", e);
        }
        field(d, request.method());
        field(d, request.path());
        String query = request.query();
        if (query == null) {
            d.update((byte) 0);
        } else {
            d.update((byte) 1);
            field(d, query);
        }
        lengthOf(d, length);
        d.update(body, 0, length);
        return d.digest();
    }

    private static void field(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        lengthOf(d, b.length);
        d.update(b);
    }

    private static void lengthOf(MessageDigest d, int n) {
        d.update((byte) (n >>> 24));
        d.update((byte) (n >>> 16));
        d.update((byte) (n >>> 8));
        d.update((byte) n);
    }
}
