package dev.seawall.core.throttle;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RetryAfter;
import dev.seawall.core.problem.ProblemTypes;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The 503 answers of a {@link ThrottleStage} and the service-time estimate their {@code Retry-After} comes from: an
 * exponentially weighted mean (weight 1/8) of the time admitted requests held their slot — cheap, lock-free, and it
 * forgets a slow burst within tens of requests.
 *
 * <p>Thread-safe.
 */
final class ThrottleRefusals {

    private static final String TITLE = "Service Temporarily Overloaded";

    private final String policy;
    private final AtomicLong meanServiceNanos = new AtomicLong(TimeUnit.MILLISECONDS.toNanos(100));

    ThrottleRefusals(String policy) {
        this.policy = policy;
    }

    /** One admitted request held its slot this long. */
    void observe(long serviceNanos) {
        long old;
        long updated;
        do {
            old = meanServiceNanos.get();
            updated = old + (serviceNanos - old) / 8;
        } while (!meanServiceNanos.compareAndSet(old, updated));
    }

    /** @return the answer to a request refused for this reason, with {@code queued} waiting under {@code limit} */
    Rejection refusal(ThrottleStage.Reason reason, int queued, int limit) {
        long estimate = meanServiceNanos.get() * (queued + 1L) / Math.max(1, limit);
        long retryAfter = RetryAfter.seconds(estimate);
        String detail = switch (reason) {
            case QUEUE_FULL -> "Too many requests are waiting; retry after " + retryAfter + "s.";
            case WAIT_EXPIRED -> "The request waited too long for capacity; retry after " + retryAfter + "s.";
            case KEY_LIMIT -> "This client already has its share of capacity in use; retry after " + retryAfter + "s.";
            case CANCELLED -> "The request was abandoned while waiting.";
            case SHED -> "Requests of this kind are being shed to keep capacity for others; retry after "
                    + retryAfter + "s.";
            case DISPLACED -> "The request gave its place to a more critical one; retry after " + retryAfter + "s.";
        };
        return Rejection.builder(503, ProblemTypes.TEMPORARY_REDUCED_CAPACITY, TITLE)
                .detail(detail)
                .extension("policy", policy)
                .extension("reason", reason.tag())
                .header("Retry-After", Long.toString(retryAfter))
                .build();
    }
}
