package dev.seawall.core.internal.idempotency;

import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.idempotency.IdempotencyStore;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * The idempotency step of one policy: decides, before the policy's chain, whether a request with an idempotency key
 * runs (holding its key), gets the first request's answer back, or is refused; and keeps the answer once the request
 * ended. The adapters (servlet, JAX-RS) only read the request's body, write what this class hands them and capture the
 * answer sent; every rule lives here.
 *
 * <p><b>Protocol for an adapter</b>, per request of a {@linkplain #covers covered} method:
 * <ol>
 *   <li>{@link #open}: the key header is parsed and scoped to the caller. A {@linkplain KeyEntry#rejection() rejection}
 *       (400) is written as is; a {@linkplain KeyEntry#protects() request without protection} runs as usual.</li>
 *   <li>The adapter reads the body, at most {@link #maxBody()} bytes ({@link KeyEntry#bodyTooLarge()} for more), and
 *       asks {@link KeyEntry#claim}: the {@link Decision} says run (holding a {@link Claim}), replay, refuse, or run
 *       unprotected (the store is down and the policy allows it).</li>
 *   <li>A request that runs gets the body back from the adapter's copy and the {@linkplain Claim#headers() claim's
 *       headers}; once the application truly ended <em>and</em> its answer went out, the adapter hands the answer as
 *       sent to {@link Claim#finish}, or calls {@link Claim#release} when the application never ran (a stage refused it,
 *       the client left) or its answer is unknown (an exception the container answered).</li>
 * </ol>
 *
 * <p><b>Keys.</b> A stored key is {@code policy:} and 128 bits of a keyed hash of the scope, the caller's identity in
 * that scope and the client's key: never the key or the identity in clear, and a caller can never meet another caller's
 * key. The hash is the shared store's (keyed by its per-deployment secret, so every node derives the same key) or a
 * per-process random one for the local store.
 *
 * <p>Thread-safe: one guard serves every request of its policy; counters are striped adders, and the store's operations
 * are atomic per key.
 */
public final class IdempotencyGuard {

    /** The header marking a replayed answer. */
    public static final String REPLAYED = "Idempotent-Replayed";
    /**
     * The header publishing how long an answer to this key is kept (whole seconds): on a first run the policy's
     * {@code expire}, on a replay what remains of it.
     */
    public static final String LIFETIME = "Idempotency-Key-Lifetime";
    /** How long a client is asked to wait before repeating a request whose first copy still runs. */
    static final int IN_PROGRESS_RETRY_SECONDS = 1;

    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyGuard.class);

    /** Outcomes counted per request ({@link #counted(Outcome)}). */
    public enum Outcome {
        /** The request ran holding its key. */
        FIRST("first"),
        /** The first request's answer was sent back. */
        REPLAYED("replayed"),
        /** The first request still ran: 409. */
        IN_PROGRESS("in-progress"),
        /** The key was used for a different request: 422. */
        MISMATCH("mismatch"),
        /** The key was required and absent: 400. */
        MISSING("missing"),
        /** The key header was malformed: 400. */
        INVALID("invalid"),
        /** The body was larger than {@code max-body}: 413. */
        TOO_LARGE("too-large"),
        /** The key ran before and its answer was too large to keep: 409. */
        NOT_KEPT("not-kept"),
        /** The store could not be reached and the request ran without protection ({@code on-failure: allow}). */
        UNPROTECTED("unprotected"),
        /** The store could not be reached and the request was refused ({@code on-failure: deny}): 503. */
        REFUSED("refused");

        private final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        /** @return the meter tag value */
        public String tag() {
            return tag;
        }
    }

    /** What became of the answers of requests that ran ({@link #counted(Settled)}). */
    public enum Settled {
        /** The answer was kept for replays. */
        KEPT("kept"),
        /** The key was freed: the application never ran, or its answer's status is not kept. */
        FREED("freed"),
        /** The answer was too large: the key keeps a marker that it ran. */
        MARKED("marked"),
        /** The lease had ended before the answer could be kept (another request may hold the key now). */
        LOST("lost"),
        /** The application may still run and its end is unknown: the key is held until its lease ends. */
        HELD("held");

        private final String tag;

        Settled(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private final String policy;
    private final IdempotencyConfig config;
    private final KeyResolver scope;
    private final KeyResolver ip;
    private final IdempotencyStore shared;
    private final LocalIdempotencyStore local;
    private final IdempotencyConfig.OnFailure onFailure;
    private final NanoClock clock;
    private final KeyHash hash;
    private final LongAdder[] outcomes = adders(Outcome.values().length);
    private final LongAdder[] settled = adders(Settled.values().length);
    private final LongAdder storeFailures = new LongAdder();
    private final AtomicBoolean storeDown = new AtomicBoolean();
    private final AtomicBoolean warnedLost = new AtomicBoolean();
    private final AtomicBoolean warnedCorrupt = new AtomicBoolean();
    private final LongAdder corrupt = new LongAdder();
    final Rejection missing;
    final Rejection invalid;
    final Rejection tooLarge;
    final Rejection inProgress;
    final Rejection mismatch;
    final Rejection notKept;
    final Rejection unavailable;

    /**
     * @param scope    resolves the caller's identity in the configured scope; null for the client IP alone
     * @param ip       resolves the client IP: the scope when {@code scope} finds no identity (an anonymous caller)
     * @param shared   the shared store, or null to keep keys in this JVM only
     * @param hash     the shared store's keyed identity hash, or null for a per-process random one
     */
    public IdempotencyGuard(String policy, IdempotencyConfig config, KeyResolver scope, KeyResolver ip,
                            IdempotencyStore shared, ToLongFunction<String> hash, NanoClock clock) {
        this(policy, config, scope, ip, shared, hash, clock, null);
    }

    /**
     * Like the other constructor, carrying over what a reload must not lose from the step this one replaces: its JVM
     * store (the keys in flight and the answers kept there) and its per-process key hash (without which every kept
     * key would be unreachable), when both keep keys in the same place with the same bound.
     *
     * @param previous the step of the same policy in the configuration being replaced, or null
     */
    public IdempotencyGuard(String policy, IdempotencyConfig config, KeyResolver scope, KeyResolver ip,
                            IdempotencyStore shared, ToLongFunction<String> hash, NanoClock clock,
                            IdempotencyGuard previous) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.config = Objects.requireNonNull(config, "config");
        this.scope = scope;
        this.ip = Objects.requireNonNull(ip, "ip");
        this.shared = shared;
        this.clock = Objects.requireNonNull(clock, "clock");
        boolean carry = previous != null && previous.shared == shared && previous.clock == clock
                && previous.config.maxBytes() == config.maxBytes();
        this.local = carry ? previous.local : new LocalIdempotencyStore(config.maxBytes(), clock);
        this.onFailure = config.onFailure() != null ? config.onFailure()
                : shared != null ? shared.onFailure() : IdempotencyConfig.OnFailure.LOCAL;
        this.hash = hash != null ? KeyHash.of(hash) : carry ? previous.hash : KeyHash.random();
        String h = config.header();
        this.missing = Rejection.builder(400, ProblemTypes.IDEMPOTENCY_KEY_MISSING, "Idempotency Key Missing")
                .detail("This request must carry an " + h + " header: a unique string, such as a UUID, in double"
                        + " quotes.")
                .extension("header", h).build();
        this.invalid = Rejection.builder(400, ProblemTypes.IDEMPOTENCY_KEY_INVALID, "Invalid Idempotency Key")
                .detail("The " + h + " header must appear once and hold one Structured Field String of 1-"
                        + KeyHeader.MAX_CHARS + " printable characters, e.g. \"8e03978e-40d5-43e8-bc93-6894a57f9324\".")
                .extension("header", h).build();
        this.tooLarge = Rejection.builder(413, ProblemTypes.IDEMPOTENCY_BODY_TOO_LARGE, "Content Too Large")
                .detail("A request with an " + h + " may carry at most " + config.maxBody() + " bytes.")
                .build();
        this.inProgress = Rejection.builder(409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS, "Request In Progress")
                .detail("A request with this " + h + " is still being processed; retry after it finished.")
                .header("Retry-After", Integer.toString(IN_PROGRESS_RETRY_SECONDS)).build();
        this.mismatch = Rejection.builder(422, ProblemTypes.IDEMPOTENCY_KEY_REUSED, "Idempotency Key Reused")
                .detail("This " + h + " was used for a different request (method, path, query or body); use a new"
                        + " key for a new request.").build();
        this.notKept = Rejection.builder(409, ProblemTypes.IDEMPOTENCY_ANSWER_NOT_KEPT, "Answer Not Kept")
                .detail("The request with this " + h + " was processed; its answer was too large to keep.").build();
        this.unavailable = Rejection.builder(503, ProblemTypes.IDEMPOTENCY_STORE_UNAVAILABLE,
                        "Service Unavailable")
                .detail("Requests with an " + h + " cannot be processed safely right now.")
                .header("Retry-After", "1").build();
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** @return whether requests of this method are protected; allocation-free */
    public boolean covers(String method) {
        return config.covers(method);
    }

    /** @return the largest body the adapter reads and fingerprints */
    public int maxBody() {
        return config.maxBody();
    }

    /** @return the largest answer the adapter captures to keep */
    public int maxResponse() {
        return config.maxResponse();
    }

    /** @return the policy's name */
    public String policy() {
        return policy;
    }

    /** @return the settings */
    public IdempotencyConfig config() {
        return config;
    }

    /**
     * Step 1: parses and scopes the request's key. Never throws on any input.
     *
     * @return {@link KeyEntry#NONE} when the request runs unprotected (method not covered, no key and none required),
     *         an entry with a rejection, or one whose body is to be read and {@linkplain KeyEntry#claim claimed}
     */
    public KeyEntry open(RequestView request) {
        if (!config.covers(request.method())) {
            return KeyEntry.NONE;
        }
        String first = null;
        int count = 0;
        for (String v : request.headers(config.header())) {
            if (++count > 1) {
                break;
            }
            first = v;
        }
        if (count == 0) {
            if (config.required()) {
                count(Outcome.MISSING);
                return new KeyEntry(this, missing);
            }
            return KeyEntry.NONE;
        }
        String key = count == 1 ? KeyHeader.parse(first) : null;
        if (key == null) {
            count(Outcome.INVALID);
            return new KeyEntry(this, invalid);
        }
        String tag = "ip";
        String who = null;
        if (scope != null) {
            who = scope.resolve(request);
            if (who == KeyResolver.INVALID) {
                who = null;
            } else if (who != null) {
                tag = scope.kind().configName();
            }
        }
        if (who == null) {
            // an anonymous caller (or a policy scoped by ip): the client address after the trusted-proxy walk
            who = ip.resolve(request);
            if (who == null || who == KeyResolver.INVALID) {
                who = "";
            }
        }
        String material = tag + ':' + who.length() + ':' + who + key;
        return new KeyEntry(this, policy + ':' + hash.hex(material));
    }

    /** The decision of step 2; see {@link KeyEntry#claim}. */
    Decision claim(String storeKey, byte[] fingerprint) {
        byte[] inFlight = Records.inFlight(fingerprint, Claim.newOwner());
        long lease = config.lease().toMillis();
        IdempotencyStore store = shared != null ? shared : local;
        IdempotencyStore.Present present;
        try {
            present = store.putIfAbsent(storeKey, inFlight, lease);
            storeAnswered(store);
        } catch (RuntimeException e) {
            storeFailed(store, e);
            switch (onFailure) {
                case ALLOW -> {
                    count(Outcome.UNPROTECTED);
                    return Decision.UNPROTECTED;
                }
                case DENY -> {
                    count(Outcome.REFUSED);
                    return Decision.refuse(unavailable);
                }
                default -> {
                    store = local;
                    present = local.putIfAbsent(storeKey, inFlight, lease);
                }
            }
        }
        if (present == null && store != local && local.size() > 0) {
            // the shared store is back after an outage during which this node kept keys itself: a key claimed here
            // then is still this node's, so that "local" runs it at most once per node across the recovery
            IdempotencyStore.Present held = local.get(storeKey);
            if (held != null) {
                release(store, storeKey, inFlight);
                store = local;
                present = held;
            }
        }
        if (present == null) {
            count(Outcome.FIRST);
            return Decision.run(new Claim(this, store, storeKey, fingerprint, inFlight));
        }
        Records.Decoded held;
        try {
            held = Records.decode(present.value());
        } catch (Records.Corrupt e) {
            // not ours (a foreign writer under our prefix, another version) or damaged: never replayed, never
            // overwritten; the request under it ran or runs, as far as anyone can tell
            corrupt.increment();
            if (warnedCorrupt.compareAndSet(false, true)) {
                LOG.warn("Seawall: a record under an idempotency key of policy {} cannot be read ({}); repeats of"
                        + " that key get 409 until it expires (further cases are counted, not logged)", policy,
                        e.getMessage());
            }
            count(Outcome.NOT_KEPT);
            return Decision.refuse(notKept);
        }
        if (!held.sameRequest(fingerprint)) {
            count(Outcome.MISMATCH);
            return Decision.refuse(mismatch);
        }
        return switch (held.kind()) {
            case Records.IN_FLIGHT -> {
                count(Outcome.IN_PROGRESS);
                yield Decision.refuse(inProgress);
            }
            case Records.NOT_KEPT -> {
                count(Outcome.NOT_KEPT);
                yield Decision.refuse(notKept);
            }
            default -> {
                count(Outcome.REPLAYED);
                yield Decision.replay(held, (present.remainingMillis() + 999) / 1000);
            }
        };
    }

    private void release(IdempotencyStore store, String storeKey, byte[] inFlight) {
        try {
            store.remove(storeKey, inFlight);
        } catch (RuntimeException e) {
            storeFailed(store, e); // its lease frees it
        }
    }

    void count(Outcome o) {
        outcomes[o.ordinal()].increment();
    }

    void settled(Settled s) {
        settled[s.ordinal()].increment();
        if (s == Settled.LOST && warnedLost.compareAndSet(false, true)) {
            LOG.warn("Seawall: a request of policy {} ran longer than its idempotency lease ({}); its answer was not"
                    + " kept, and a repeat may have run meanwhile. Raise idempotency.lease above the longest request"
                    + " (further cases are counted in seawall.idempotency.answers{result=lost})", policy,
                    config.lease());
        }
    }

    void storeAnswered(IdempotencyStore store) {
        if (store != local && storeDown.compareAndSet(true, false)) {
            LOG.info("Seawall: the idempotency store of policy {} answers again ({})", policy, store.describe());
        }
    }

    void storeFailed(IdempotencyStore store, RuntimeException e) {
        storeFailures.increment();
        if (storeDown.compareAndSet(false, true)) {
            LOG.warn("Seawall: the idempotency store of policy {} failed ({}); requests with a key now follow"
                    + " on-failure: {} until it answers again", policy, store.describe(), onFailure.configName(), e);
        } else {
            LOG.debug("Seawall: the idempotency store of policy {} failed", policy, e);
        }
    }

    /** @return the lifetime header's value on a first run: the policy's {@code expire} in seconds */
    String lifetimeSeconds() {
        return Long.toString(config.expire().toSeconds());
    }

    /** @return how many requests ended this way */
    public long counted(Outcome outcome) {
        return outcomes[outcome.ordinal()].sum();
    }

    /** @return how many answers were settled this way */
    public long counted(Settled s) {
        return settled[s.ordinal()].sum();
    }

    /** @return calls to the shared store (or the local one) that failed */
    public long storeFailures() {
        return storeFailures.sum();
    }

    /** @return records under a key that could not be read (foreign or damaged), answered with 409 */
    public long corruptRecords() {
        return corrupt.sum();
    }

    /** @return whether the shared store failed last time it was asked */
    public boolean storeDown() {
        return storeDown.get();
    }

    /** @return the JVM's own store: every key without a shared store, and the fallback of {@code on-failure: local} */
    public LocalIdempotencyStore localStore() {
        return local;
    }

    /** @return a description of where keys live, for the status page */
    public String describeStore() {
        return shared == null ? local.describe() : shared.describe();
    }

    NanoClock clock() {
        return clock;
    }

    /** The effective {@code on-failure}. */
    public IdempotencyConfig.OnFailure onFailure() {
        return onFailure;
    }

    /** The headers every kept answer loses: per-response secrets, hop-by-hop fields and values of that moment. */
    static final List<String> DROPPED = List.of("Set-Cookie", "Set-Cookie2", "Authorization", "Proxy-Authenticate",
            "Proxy-Authorization", "Authentication-Info", "Connection", "Keep-Alive", "Transfer-Encoding", "TE",
            "Trailer", "Upgrade", "Proxy-Connection", "Content-Length", "Date", "Server", "Age", "RateLimit",
            "RateLimit-Policy", REPLAYED, LIFETIME);
}
