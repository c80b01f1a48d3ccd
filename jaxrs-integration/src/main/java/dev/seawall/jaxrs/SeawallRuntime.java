package dev.seawall.jaxrs;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.internal.event.EventHub;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.time.NanoClock;
import jakarta.ws.rs.container.ContainerRequestContext;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
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

    /**
     * Threads that invoke parked asynchronous resource methods. Their work is short (an {@code @Suspended} method
     * hands its work off and returns), and slots are granted one at a time, so a few threads keep up.
     */
    private static final int RESUME_THREADS = 4;
    /**
     * Invocations waiting for a resume thread. Each parked request enqueues at most one, so the throttle queues
     * already bound it; this is the backstop, and {@link ParkedCall} answers an overflow with a 503.
     */
    private static final int RESUME_QUEUE = 4096;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final LiveSeawall live;
    private final boolean ownsEngine;
    private final NanoClock clock;
    private final AnnotationPolicies annotations;
    private final Function<ContainerRequestContext, String> remoteAddress;
    /** the feature's listeners, for the annotation policies (the YAML engine has its own hub for the same listeners) */
    private final EventHub events;
    /** one entry per annotated resource method: bounded by the application's code, filled at deployment */
    private final List<Policy> annotatedPolicies = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Origin origin;
    private volatile ParkedInvocations parking;
    private volatile DeadlineTimer ownTimer; // created under this object's monitor, read without it
    private volatile ExecutorService resumes; // likewise

    /**
     * @param live the YAML engine in service and its reloads, or null for annotations only; annotation policies keep
     *             the global keys ({@code trusted-proxies}, {@code client-ip}, {@code headers}) of the engine at
     *             start-up
     */
    SeawallRuntime(LiveSeawall live, boolean ownsEngine, NanoClock clock, PolicyFactory.Context context,
                   Function<ContainerRequestContext, String> remoteAddress, EventHub events) {
        this.live = live;
        this.events = events;
        Seawall engine = live == null ? null : live.current();
        this.ownsEngine = ownsEngine;
        this.clock = clock;
        this.remoteAddress = remoteAddress;
        this.annotations = new AnnotationPolicies(engine == null ? null : engine.config(), context);
    }

    /** Records a method's annotation policy for status pages (once per method, at deployment). */
    void annotated(Policy p) {
        annotatedPolicies.add(p);
        if (events.active()) {
            // again over every method's policy: a named breaker lists every policy using it
            events.attach(annotatedPolicies);
        }
    }

    /** @return the annotation policies of the application's methods, in deployment order */
    List<Policy> annotatedPolicies() {
        return List.copyOf(annotatedPolicies);
    }

    Seawall engine() {
        LiveSeawall l = live;
        return l == null ? null : l.current();
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

    void parking(ParkedInvocations p) {
        this.parking = p;
    }

    /** @return which asynchronous methods can be parked while their request waits for a throttle slot */
    ParkedInvocations parking() {
        return parking;
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

    /** @return the timer for deadlines: the engine's, or one of our own for annotation timeouts */
    DeadlineTimer deadlines() {
        Seawall engine = engine();
        if (engine != null && CoreAccess.deadlines(engine) != null) {
            return CoreAccess.deadlines(engine);
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

    /** @return the executor that invokes parked asynchronous resource methods once their slot is decided */
    ExecutorService resumes() {
        ExecutorService e = resumes;
        if (e != null) {
            return e;
        }
        synchronized (this) {
            if (resumes == null) {
                ThreadPoolExecutor pool = new ThreadPoolExecutor(RESUME_THREADS, RESUME_THREADS, 30, TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(RESUME_QUEUE), r -> {
                            Thread t = new Thread(r, "seawall-jaxrs-resume-" + THREADS.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
                pool.allowCoreThreadTimeOut(true);
                resumes = pool;
            }
            return resumes;
        }
    }

    @Override
    public synchronized void close() {
        if (ownTimer != null) {
            ownTimer.close();
            ownTimer = null;
        }
        if (resumes != null) {
            resumes.shutdown();
            resumes = null;
        }
        if (ownsEngine && live != null) {
            live.close(); // stops the watcher and the engine's deadline timer
        }
    }
}
