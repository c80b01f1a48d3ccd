package dev.seawall.redis;

import dev.seawall.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small breaker around the store's backend, so that a dead Redis does not add its timeout to every request:
 * after {@code failures} failures in a row the backend is skipped for {@code backoff}; then one request probes it
 * (the others keep skipping) and a success closes the guard again. Transitions are logged once each.
 *
 * <p>Thread-safe and lock-free: the request path reads one volatile field while the backend is up.
 */
final class BackendGuard {

    private static final Logger LOG = LoggerFactory.getLogger(BackendGuard.class);

    private final String name;
    private final int threshold;
    private final long backoffNanos;
    private final NanoClock clock;
    private final AtomicInteger consecutive = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile boolean down;
    private volatile long retryAt;
    /** Told of each transition (false: down, true: up again), after it is logged; null for nobody. */
    private volatile java.util.function.Consumer<Boolean> onChange;

    BackendGuard(String name, int threshold, long backoffNanos, NanoClock clock) {
        this.name = name;
        this.threshold = threshold;
        this.backoffNanos = backoffNanos;
        this.clock = clock;
    }

    /** @return whether this request may call the backend */
    boolean allow() {
        if (!down) {
            return true;
        }
        return clock.nanoTime() - retryAt >= 0 && probing.compareAndSet(false, true);
    }

    void success() {
        consecutive.set(0);
        if (down) {
            down = false;
            LOG.warn("Seawall: {} is reachable again; shared rate limits and idempotency keys resumed", name);
            tell(true);
        }
        probing.set(false);
    }

    void failure(String why) {
        if (down) {
            retryAt = clock.nanoTime() + backoffNanos;
            probing.set(false);
            return;
        }
        if (consecutive.incrementAndGet() >= threshold) {
            retryAt = clock.nanoTime() + backoffNanos;
            down = true;
            probing.set(false);
            LOG.error("Seawall: {} failed {} times in a row ({}); deciding without it, retrying every {} ms", name,
                    threshold, why, backoffNanos / 1_000_000);
            tell(false);
        }
    }

    /** Sets who is told of transitions from now on (the engine's listeners). */
    void onChange(java.util.function.Consumer<Boolean> listener) {
        this.onChange = listener;
    }

    private void tell(boolean up) {
        java.util.function.Consumer<Boolean> l = onChange;
        if (l != null) {
            l.accept(up);
        }
    }

    /** The call was abandoned (the thread was interrupted): neither a success nor a failure of the backend. */
    void abandon() {
        probing.set(false);
    }

    boolean down() {
        return down;
    }

    /** @return nanoseconds until the next probe (0 when up) */
    long nanosToRetry() {
        return down ? Math.max(0, retryAt - clock.nanoTime()) : 0;
    }
}
