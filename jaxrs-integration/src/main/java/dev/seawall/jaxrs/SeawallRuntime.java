package dev.seawall.jaxrs;

import dev.seawall.core.Seawall;
import dev.seawall.core.config.PolicyFactory;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.DeadlineTimer;
import jakarta.ws.rs.container.ContainerRequestContext;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What one {@link SeawallFeature} installation shares between its filters, listeners and invocation handlers:
 * the YAML engine (or none), the annotation policies' factory, the deadline timer and the executor that runs
 * asynchronous resource methods once they leave a throttle queue.
 *
 * <p>Thread-safe: built while the application starts; the lazily created timer and executor are published
 * under this object's monitor; everything else is immutable.
 */
final class SeawallRuntime implements AutoCloseable {

    /** Threads that run deferred asynchronous resource methods; their work is short (the method suspends). */
    private static final int DEFERRED_THREADS = 4;

    private final Seawall engine;
    private final boolean ownsEngine;
    private final NanoClock clock;
    private final AnnotationPolicies annotations;
    private final Function<ContainerRequestContext, String> remoteAddress;
    private volatile Origin origin;
    private volatile DeadlineTimer ownTimer; // created under this object's monitor, read without it
    private volatile ExecutorService deferred;

    SeawallRuntime(Seawall engine, boolean ownsEngine, NanoClock clock, PolicyFactory.Context context,
                   Function<ContainerRequestContext, String> remoteAddress) {
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.clock = clock;
        this.remoteAddress = remoteAddress;
        this.annotations = new AnnotationPolicies(engine == null ? null : engine.config(), context);
    }

    Seawall engine() {
        return engine;
    }

    NanoClock clock() {
        return clock;
    }

    AnnotationPolicies annotations() {
        return annotations;
    }

    void origin(Origin o) {
        this.origin = o;
    }

    Origin origin() {
        Origin o = origin;
        if (o == null) {
            // no injection manager was available at configuration time: only a custom function can help
            o = new Origin(null, remoteAddress);
            origin = o;
        }
        return o;
    }

    Function<ContainerRequestContext, String> remoteAddress() {
        return remoteAddress;
    }

    /** @return the timer for deadlines: the engine's, or one of our own for annotation timeouts */
    DeadlineTimer deadlines() {
        if (engine != null && engine.deadlines() != null) {
            return engine.deadlines();
        }
        DeadlineTimer t = ownTimer;
        if (t != null) {
            return t;
        }
        synchronized (this) {
            if (ownTimer == null) {
                ownTimer = DeadlineTimer.start(clock);
            }
            return ownTimer;
        }
    }

    /**
     * Runs a deferred asynchronous resource method. The queue cannot grow past the throttle queues that feed it
     * (each waiting request is decided once), so it is bounded by configuration.
     */
    ExecutorService deferred() {
        ExecutorService e = deferred;
        if (e != null) {
            return e;
        }
        synchronized (this) {
            return deferredLocked();
        }
    }

    private ExecutorService deferredLocked() {
        if (deferred == null) {
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor ex = new ThreadPoolExecutor(DEFERRED_THREADS, DEFERRED_THREADS, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "seawall-jaxrs-resume-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            ex.allowCoreThreadTimeOut(true);
            deferred = ex;
        }
        return deferred;
    }

    @Override
    public synchronized void close() {
        if (ownTimer != null) {
            ownTimer.close();
            ownTimer = null;
        }
        if (deferred != null) {
            deferred.shutdown();
            deferred = null;
        }
        if (ownsEngine && engine != null) {
            engine.close();
        }
    }
}
