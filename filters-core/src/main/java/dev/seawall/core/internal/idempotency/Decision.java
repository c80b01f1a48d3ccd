package dev.seawall.core.internal.idempotency;

import dev.seawall.core.http.Rejection;

import java.util.ArrayList;
import java.util.List;

/**
 * What a request with an idempotency key does ({@link KeyEntry#claim}): run holding its {@link Claim}, get the first
 * request's answer back, be refused, or run without protection. Immutable and thread-safe.
 */
public final class Decision {

    /** The four ways. */
    public enum Kind {
        /** The request runs; its {@link Decision#claim()} must be finished or released. */
        RUN,
        /** Send {@link Decision#replay()}: the first request's answer. */
        REPLAY,
        /** Send {@link Decision#rejection()}: 409, 422 or 503. */
        REFUSE,
        /** The store is down and the policy lets the request run without protection. */
        UNPROTECTED
    }

    /**
     * A kept answer to send again, with {@code Idempotent-Replayed: true} and the key's remaining lifetime among its
     * headers. The adapter writes the status, these headers and the body as they are (the body's length included).
     */
    public record Replay(int status, List<Rejection.Header> headers, byte[] body) {
    }

    static final Decision UNPROTECTED = new Decision(Kind.UNPROTECTED, null, null, null);

    private final Kind kind;
    private final Claim claim;
    private final Rejection rejection;
    private final Replay replay;

    private Decision(Kind kind, Claim claim, Rejection rejection, Replay replay) {
        this.kind = kind;
        this.claim = claim;
        this.rejection = rejection;
        this.replay = replay;
    }

    static Decision run(Claim claim) {
        return new Decision(Kind.RUN, claim, null, null);
    }

    static Decision refuse(Rejection rejection) {
        return new Decision(Kind.REFUSE, null, rejection, null);
    }

    static Decision replay(Records.Decoded held, long remainingSeconds) {
        List<Rejection.Header> headers = new ArrayList<>(held.headers().size() + 2);
        headers.addAll(held.headers());
        headers.add(new Rejection.Header(IdempotencyGuard.REPLAYED, "true"));
        headers.add(new Rejection.Header(IdempotencyGuard.LIFETIME, Long.toString(Math.max(1, remainingSeconds))));
        return new Decision(Kind.REPLAY, null, null, new Replay(held.status(), List.copyOf(headers), held.body()));
    }

    public Kind kind() {
        return kind;
    }

    /** @return the claim of a request that runs, else null */
    public Claim claim() {
        return claim;
    }

    /** @return the refusal, else null */
    public Rejection rejection() {
        return rejection;
    }

    /** @return the answer to replay, else null */
    public Replay replay() {
        return replay;
    }

    @Override
    public String toString() {
        return "Decision[" + kind + (rejection != null ? " " + rejection.status() : "")
                + (replay != null ? " " + replay.status() : "") + "]";
    }
}
