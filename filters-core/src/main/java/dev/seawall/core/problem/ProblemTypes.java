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

    private ProblemTypes() {
    }
}
