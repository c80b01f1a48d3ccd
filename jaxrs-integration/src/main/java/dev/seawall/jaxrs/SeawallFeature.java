package dev.seawall.jaxrs;

import dev.seawall.core.ConfigSource;
import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.event.SeawallListener;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.internal.event.EventHub;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;
import org.glassfish.jersey.InjectionManagerProvider;
import org.glassfish.jersey.internal.inject.InjectionManager;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Seawall for Jersey: register it in a {@code ResourceConfig} (or return it from an {@code Application}) with a
 * configuration location, a built engine, or nothing (annotations only).
 *
 * <pre>{@code
 * new ResourceConfig(Orders.class).register(new SeawallFeature("classpath:seawall.yaml"));
 * }</pre>
 *
 * <p>Resource methods get the policies their annotations ({@link RateLimit}, {@link Throttle},
 * {@link CircuitBreaker}, {@link Timeout}, {@link Fallback}, {@link Idempotent}; method over class) declare, combined
 * with the YAML policy matching the request's path (servlet path plus path info in a servlet container, the request
 * path on a standalone container): the YAML policy replaces the annotation of each stage it configures, and its
 * {@code idempotency} replaces {@link Idempotent}. Responses are the servlet filter's, byte for byte: same statuses,
 * problem bodies and headers.
 *
 * <p>Idempotency keys are checked before the policy's other stages: a replayed answer or a refused key spends no
 * rate-limit token or throttle slot. What a key keeps is decided on the resource's own outcome once it ended (for
 * asynchronous methods once they resumed): when its status is kept, the key keeps the answer sent if that is whole and
 * of a kept status, else a marker that the request ran (repeats get 409); a status not kept, or an exception, frees
 * the key, whatever answered in its place; a request the resource method never started for (a later filter
 * aborted it) frees its key. Behind a Seawall servlet filter that held the request's key, the key is not checked again.
 *
 * <p>Request filters run at {@link #PRIORITY}: after authentication filters (so {@code by: user} sees the
 * principal), before authorization ones.
 *
 * <p>A throttled request to an asynchronous method ({@code @Suspended AsyncResponse}) waits suspended, holding no
 * thread: the feature binds a Jersey {@code ResourceMethodInvocationHandlerProvider} for such methods, which parks
 * the invocation until the slot is granted. A synchronous method's request waits on its own thread.
 *
 * <p>Not thread-safe while being configured (set it up, then register it); the runtime it installs is.
 */
public final class SeawallFeature implements Feature {

    /** Where Seawall's request filter runs among JAX-RS filters: after authentication, before authorization. */
    public static final int PRIORITY = Priorities.AUTHENTICATION + 500;

    private final String location;
    private final Seawall engine;
    private Duration watch = Duration.ofSeconds(2);
    private volatile LiveSeawall live;
    private volatile SeawallRuntime runtime;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    private NanoClock clock;
    private Function<ContainerRequestContext, String> remoteAddress;
    private final List<SeawallListener> listeners = new ArrayList<>();
    private io.micrometer.observation.ObservationRegistry observationRegistry;

    /** Annotations only: no YAML policies. */
    public SeawallFeature() {
        this.location = null;
        this.engine = null;
    }

    /**
     * @param location {@code classpath:seawall.yaml} for a class-path resource, otherwise a file path; read and
     *                 validated when the application starts
     */
    public SeawallFeature(String location) {
        this.location = Objects.requireNonNull(location, "location");
        this.engine = null;
    }

    /** An engine built by the application ({@code Seawall.builder()...build()}); the application closes it. */
    public SeawallFeature(Seawall engine) {
        this.location = null;
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** Where meters are registered; default Micrometer's global registry. */
    public SeawallFeature meterRegistry(MeterRegistry registry) {
        this.meterRegistry = Objects.requireNonNull(registry, "registry");
        return this;
    }

    /** The clock for limits, breakers and deadlines (tests inject a manual one); default the system's. */
    public SeawallFeature clock(NanoClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * How to read the client's address on a container Seawall does not know (it knows servlet containers and
     * Jersey's Grizzly container). Return the socket peer's IP literal; Seawall applies {@code trusted-proxies}
     * to forwarding headers itself.
     */
    public SeawallFeature remoteAddress(Function<ContainerRequestContext, String> remoteAddress) {
        this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
        return this;
    }

    /**
     * Adds a listener of Seawall's events (see {@link SeawallListener}), called in the order added: for the policies of
     * the YAML configuration at {@code location} and of the resource methods' annotations. An engine handed to
     * {@link #SeawallFeature(Seawall)} reports to the listeners given to its own builder; this one's hear its
     * annotation policies.
     */
    public SeawallFeature listener(SeawallListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Where Seawall's decisions are added to the current observation (see
     * {@link Seawall.Builder#observationRegistry}), for the YAML and the annotation policies; default none.
     */
    public SeawallFeature observationRegistry(io.micrometer.observation.ObservationRegistry registry) {
        this.observationRegistry = Objects.requireNonNull(registry, "registry");
        return this;
    }

    @Override
    public boolean configure(FeatureContext context) {
        if (context.getConfiguration().getRuntimeType() != RuntimeType.SERVER) {
            return false;
        }
        NanoClock c = clock != null ? clock : engine != null ? engine.clock() : NanoClock.system();
        LiveSeawall l = engine != null ? LiveSeawall.fixed(engine, meterRegistry)
                : location != null ? load(location, c) : null;
        this.live = l;
        SeawallRuntime runtime = new SeawallRuntime(l, engine == null, c,
                new PolicyFactory.Context(c, meterRegistry, null), remoteAddress,
                listeners.isEmpty() && (observationRegistry == null || observationRegistry.isNoop()) ? EventHub.NONE
                        : new EventHub(listeners, meterRegistry, observationRegistry));
        this.runtime = runtime;
        InjectionManager injection = InjectionManagerProvider.getInjectionManager(context);
        runtime.origin(new Origin(injection, remoteAddress));
        ParkedInvocations parking = new ParkedInvocations(runtime, injection);
        runtime.parking(parking);
        // not a JAX-RS provider contract: Jersey only takes it as a binding (made differently by Jersey 3 and 4)
        context.register(ParkingBinder.forThisJersey(parking));
        context.register(new Guards(runtime));
        context.register(new Settlement(runtime));
        return true;
    }

    private LiveSeawall load(String where, NanoClock c) {
        ConfigSource source;
        if (where.startsWith("classpath:")) {
            String resource = where.substring("classpath:".length());
            String path = resource.startsWith("/") ? resource.substring(1) : resource;
            String name = path.contains("/") ? path.substring(path.lastIndexOf('/') + 1) : path;
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            ClassLoader loader = context != null ? context : SeawallFeature.class.getClassLoader();
            if (loader.getResource(path) == null) {
                throw new IllegalStateException("Seawall: " + where + " is not on the class path");
            }
            source = ConfigSource.resource(name, () -> loader.getResourceAsStream(path));
        } else {
            source = ConfigSource.file(Path.of(where));
        }
        String text;
        try {
            text = source.read();
        } catch (IOException ex) {
            throw new IllegalStateException("Seawall: " + where + " cannot be read (" + ex.getMessage() + ")", null);
        }
        Seawall.Builder b = Seawall.builder().yaml(source.name(), text).clock(c).meterRegistry(meterRegistry)
                .source(where);
        listeners.forEach(b::listener);
        if (observationRegistry != null) {
            b.observationRegistry(observationRegistry);
        }
        Seawall e = b.build();
        LiveSeawall l = new LiveSeawall(e, source, text, meterRegistry, Clock.systemUTC());
        if (watch != null) {
            l.watch(watch); // a class-path resource has no version and is not watched
        }
        return l;
    }

    /**
     * How often a configuration file is checked for changes; null turns watching off. Default 2 s. A valid new
     * version replaces the YAML policies atomically (unchanged stages keep their state); annotation policies are
     * read once at start-up and keep the global keys of that time.
     */
    public SeawallFeature watch(Duration interval) {
        if (interval != null && (interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("watch: " + interval + " must be positive");
        }
        this.watch = interval;
        return this;
    }

    /**
     * @return the policies declared by annotations on the application's resource methods (read once when Jersey
     *         deployed them), for status pages; empty before Jersey configured the feature
     */
    public List<Policy> policies() {
        SeawallRuntime r = runtime;
        return r == null ? List.of() : r.annotatedPolicies();
    }

    /**
     * @return the YAML engine in service and its reloads ({@link LiveSeawall#reload()} reloads now), or null before
     *         Jersey configured the feature or when it has no YAML configuration
     */
    public LiveSeawall live() {
        return live;
    }
}
