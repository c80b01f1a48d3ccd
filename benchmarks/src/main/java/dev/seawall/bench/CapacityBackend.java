package dev.seawall.bench;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The backend of the adaptive-limit run: a service with a fixed number of workers, each serving one request at a time
 * in {@code base} (a sleep: the time of a call to a slow dependency, no CPU spent). Requests beyond the workers wait
 * for one in arrival order (a fair semaphore), so under load its latency rises with concurrency, about
 * {@code base × ceil(inflight / workers)}, and its throughput stays {@code workers / base}. {@link #halve()} takes half
 * the workers away at once, as a scale-down or a slower dependency would: requests already being served finish, and
 * no more than the remaining half serve at a time afterwards.
 *
 * <p>Thread-safe.
 */
final class CapacityBackend extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** A semaphore whose permits can be taken away while others wait (the protected {@code reducePermits}). */
    private static final class Workers extends Semaphore {
        private static final long serialVersionUID = 1L;

        Workers(int permits) {
            super(permits, true);
        }

        void remove(int n) {
            reducePermits(n);
        }
    }

    private final transient Workers workers;
    private final long baseNanos;
    private final int capacity;
    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean halved;

    CapacityBackend(int capacity, long baseNanos) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2 to be halved");
        }
        this.capacity = capacity;
        this.baseNanos = baseNanos;
        this.workers = new Workers(capacity);
    }

    /** Takes half the workers away (once); the permits go negative while more than the new capacity are serving. */
    void halve() {
        if (!halved) {
            halved = true;
            workers.remove(capacity - capacity / 2);
        }
    }

    /** @return requests inside the backend now, waiting for a worker or served */
    int inflight() {
        return inflight.get();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        inflight.incrementAndGet();
        try {
            workers.acquireUninterruptibly();
            try {
                TimeUnit.NANOSECONDS.sleep(baseNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                workers.release();
            }
        } finally {
            inflight.decrementAndGet();
        }
        resp.setContentType("text/plain");
        resp.getWriter().write("ok");
    }
}
