package dev.seawall.jaxrs;

import dev.seawall.core.Seawall;
import dev.seawall.core.config.PolicyFactory;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.DeadlineTimer;
import jakarta.ws.rs.container.ContainerRequestContext;

import java.util.function.Function;

/**
 * What one {@link SeawallFeature} installation shares between its filters, listeners and invocation handlers:
 * the YAML engine (or none), the annotation policies' factory and the deadline timer.
 *
 * <p>Thread-safe: built while the application starts; the lazily created timer is published
 * under this object's monitor; everything else is immutable.
 */
final class SeawallRuntime implements AutoCloseable {

    private final Seawall engine;
    private final boolean ownsEngine;
    private final NanoClock clock;
    private final AnnotationPolicies annotations;
    private final Function<ContainerRequestContext, String> remoteAddress;
    private volatile Origin origin;
    private volatile DeadlineTimer ownTimer; // created under this object's monitor, read without it

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

    @Override
    public synchronized void close() {
        if (ownTimer != null) {
            ownTimer.close();
            ownTimer = null;
        }
        if (ownsEngine && engine != null) {
            engine.close();
        }
    }
}
