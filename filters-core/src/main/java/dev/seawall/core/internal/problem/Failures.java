package dev.seawall.core.internal.problem;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemTypes;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Problem answers for an application that failed (threw) under a policy that buffers its response. The
 * body names a request id that the server-side log line carries too, and nothing of the failure itself:
 * exception messages and class names routinely carry secrets (SQL, paths, tokens). Stateless, thread-safe.
 */
public final class Failures {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Failures() {
    }

    /** @return a fresh random request id, 16 hex digits */
    public static String newRequestId() {
        long v = ThreadLocalRandom.current().nextLong();
        char[] c = new char[16];
        for (int i = 15; i >= 0; i--) {
            c[i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
        return new String(c);
    }

    /** 500 {@code internal-error} naming the request id. */
    public static Rejection internalError(String policy, String requestId) {
        return Rejection.builder(500, ProblemTypes.INTERNAL_ERROR, "Internal Server Error")
                .detail("The request failed. Quote the request id when reporting the problem.")
                .extension("policy", policy)
                .extension("request-id", requestId)
                .build();
    }

    /**
     * 503 {@code service-unavailable} for a fail-closed policy whose application failed: nothing that could be
     * mistaken for success, and a short {@code Retry-After}.
     */
    public static Rejection failedClosed(String policy, String requestId) {
        return Rejection.builder(503, ProblemTypes.SERVICE_UNAVAILABLE, "Service Unavailable")
                .detail("The service failed; this endpoint fails closed. Quote the request id when reporting it.")
                .extension("policy", policy)
                .extension("request-id", requestId)
                .header("Retry-After", "1")
                .build();
    }
}
