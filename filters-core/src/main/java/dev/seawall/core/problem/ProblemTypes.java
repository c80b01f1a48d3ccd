package dev.seawall.core.problem;

/**
 * The RFC 9457 {@code type} URIs Seawall answers with. They identify the problem; clients should
 * branch on the suffix (e.g. {@code quota-exceeded}). Constants only; thread-safe.
 */
public final class ProblemTypes {

    /** Common prefix of every Seawall problem type. */
    public static final String BASE = "https://seawall.dev/problems/";

    /** 429: a rate limit was exceeded. */
    public static final String QUOTA_EXCEEDED = BASE + "quota-exceeded";
    /** 503: throttle queue full or wait expired. */
    public static final String TEMPORARY_REDUCED_CAPACITY = BASE + "temporary-reduced-capacity";
    /** 503: the circuit breaker is open. */
    public static final String SERVICE_UNAVAILABLE = BASE + "service-unavailable";
    /** 503/504: the request timed out. */
    public static final String TIMEOUT = BASE + "timeout";
    /** 500: the application failed; the body carries a request id, never the failure itself. */
    public static final String INTERNAL_ERROR = BASE + "internal-error";
    /** 401: a limit needs an identity (API key, user) the request does not carry. */
    public static final String IDENTITY_REQUIRED = BASE + "identity-required";
    /** 400: the request carries a malformed identity (e.g. tenant id). */
    public static final String INVALID_IDENTITY = BASE + "invalid-identity";

    /** 400: the policy requires an idempotency key and the request carries none. */
    public static final String IDEMPOTENCY_KEY_MISSING = BASE + "idempotency-key-missing";
    /** 400: the idempotency key is not a Structured Field String of 1-255 characters, or is sent twice. */
    public static final String IDEMPOTENCY_KEY_INVALID = BASE + "idempotency-key-invalid";
    /** 422: the idempotency key was used before for a different request (method, path, query or body). */
    public static final String IDEMPOTENCY_KEY_REUSED = BASE + "idempotency-key-reused";
    /** 409: the first request with this idempotency key is still running. */
    public static final String IDEMPOTENCY_IN_PROGRESS = BASE + "idempotency-in-progress";
    /** 409: the request with this idempotency key ran, and its answer was too large to keep. */
    public static final String IDEMPOTENCY_ANSWER_NOT_KEPT = BASE + "idempotency-answer-not-kept";
    /** 413: the body of a request with an idempotency key is larger than the policy fingerprints. */
    public static final String IDEMPOTENCY_BODY_TOO_LARGE = BASE + "idempotency-body-too-large";
    /** 503: the store of idempotency keys cannot be reached and the policy refuses to run unprotected. */
    public static final String IDEMPOTENCY_STORE_UNAVAILABLE = BASE + "idempotency-store-unavailable";

    private ProblemTypes() {
    }
}
