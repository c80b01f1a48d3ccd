package dev.seawall.jaxrs;

import dev.seawall.core.Seawall;
import dev.seawall.core.config.PolicyFactory;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;
import org.glassfish.jersey.InjectionManagerProvider;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.internal.inject.InjectionManager;
import org.glassfish.jersey.server.spi.internal.ResourceMethodInvocationHandlerProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@link CircuitBreaker}, {@link Timeout}, {@link Fallback}; method over class) declare, combined with the YAML
 * policy matching the request's path (servlet path plus path info in a servlet container, the request path on a
 * standalone container): the YAML policy replaces the annotation of each stage it configures. Responses are the
 * servlet filter's, byte for byte: same statuses, problem bodies and headers.
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
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    private NanoClock clock;
    private Function<ContainerRequestContext, String> remoteAddress;

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

    @Override
    public boolean configure(FeatureContext context) {
        if (context.getConfiguration().getRuntimeType() != RuntimeType.SERVER) {
            return false;
        }
        NanoClock c = clock != null ? clock : engine != null ? engine.clock() : NanoClock.system();
        Seawall e = engine != null ? engine : location != null ? load(location, c) : null;
        SeawallRuntime runtime = new SeawallRuntime(e, engine == null, c,
                new PolicyFactory.Context(c, meterRegistry, null), remoteAddress);
        InjectionManager injection = InjectionManagerProvider.getInjectionManager(context);
        runtime.origin(new Origin(injection, remoteAddress));
        ParkedInvocations parking = new ParkedInvocations(runtime, injection);
        runtime.parking(parking);
        // not a JAX-RS provider contract: Jersey only takes it as a binding in its injection manager
        context.register(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(parking).to(ResourceMethodInvocationHandlerProvider.class);
            }
        });
        context.register(new Guards(runtime));
        context.register(new Settlement(runtime));
        return true;
    }

    private Seawall load(String where, NanoClock c) {
        String name;
        String text;
        if (where.startsWith("classpath:")) {
            String resource = where.substring("classpath:".length());
            resource = resource.startsWith("/") ? resource.substring(1) : resource;
            name = resource.contains("/") ? resource.substring(resource.lastIndexOf('/') + 1) : resource;
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader == null) {
                loader = SeawallFeature.class.getClassLoader();
            }
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("Seawall: " + where + " is not on the class path");
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException ex) {
                throw new UncheckedIOException("Seawall: " + where + " cannot be read", ex);
            }
        } else {
            Path file = Path.of(where);
            name = file.getFileName() == null ? where : file.getFileName().toString();
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException ex) {
                throw new IllegalStateException("Seawall: " + where + " cannot be read ("
                        + ex.getClass().getSimpleName() + ")", null);
            }
        }
        return Seawall.builder().yaml(name, text).clock(c).meterRegistry(meterRegistry).source(where).build();
    }
}
