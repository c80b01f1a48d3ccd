package dev.seawall.servlet;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.event.SeawallListener;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.PlanResolver;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Seawall's servlet filter: every policy of a {@code seawall.yaml}, or of a programmatic builder, in one
 * filter. Register it async-supported and mapped to {@code /*}; requests that match no policy pass
 * through untouched, paying one allocation-free table lookup.
 *
 * <p>From {@code web.xml}, init-param {@code config}: {@code classpath:seawall.yaml}, a servlet-context
 * resource such as {@code /WEB-INF/seawall.yaml} (tried as a file when no such resource exists), or a file
 * path. Without it, {@code /WEB-INF/seawall.yaml} then {@code classpath:seawall.yaml} are tried. A
 * {@link MeterRegistry} stored in the servlet-context attribute {@value #METER_REGISTRY_ATTRIBUTE} is used
 * for meters; otherwise Micrometer's global registry. Invalid configuration makes {@link #init} throw a
 * {@link ServletException} whose message names the file, the line and the key path.
 *
 * <p>Programmatically: {@code SeawallFilter.builder().config("classpath:seawall.yaml").build()} or
 * {@code .policy(...)}; the result goes to {@code ServletContext.addFilter(...)} or embedded Jetty. A configuration
 * that {@code build()} can already read (a class-path resource, an existing file) is validated there, so a mistake
 * fails where the filter is built; a servlet-context resource waits for {@code init}.
 *
 * <p>A configuration file is watched and reloaded when it changes ({@link LiveSeawall}): unchanged policies keep
 * their state, an invalid version is refused and logged while the running one stays.
 *
 * <p>Thread-safe: one instance serves every request; each request reads the engine in service once, so a reload
 * swaps it atomically.
 */
public class SeawallFilter implements Filter {

    /** Servlet-context attribute under which the filter publishes its engine (for {@link SeawallStatusServlet}). */
    public static final String ENGINE_ATTRIBUTE = "dev.seawall.engine";

    /**
     * Servlet-context attribute under which the filter publishes its {@link LiveSeawall} (the engine in service, its
     * reloads and their status).
     */
    public static final String LIVE_ATTRIBUTE = "dev.seawall.live";

    /**
     * Context init-param that, when set, replaces the filter's {@code config} init-param: a deployment can point the
     * filter at an external file without editing {@code web.xml}.
     */
    public static final String CONFIG_CONTEXT_PARAM = "dev.seawall.config";

    /** Default interval at which a configuration file is checked for changes. */
    public static final Duration DEFAULT_WATCH = Duration.ofSeconds(2);

    /** Servlet-context attribute under which an application may provide its {@link MeterRegistry}. */
    public static final String METER_REGISTRY_ATTRIBUTE = "dev.seawall.meterRegistry";

    /**
     * Servlet-context attribute under which an application may provide its event listeners for a filter configured in
     * {@code web.xml}: one {@link SeawallListener}, or a {@link java.util.Collection} of them (called in its iteration
     * order). Set it before the filter's {@code init} (from a {@code ServletContextListener}); the filter reads it once.
     * Listeners given to {@link Builder#listener} come first.
     */
    public static final String LISTENERS_ATTRIBUTE = "dev.seawall.listeners";

    private static final Logger LOG = LoggerFactory.getLogger(SeawallFilter.class);

    private final Builder settings;
    // PolicyRunner reads only the owner's class (its name and loader), never its state: the early 'this' is harmless
    @SuppressWarnings("this-escape")
    private final PolicyRunner runner = new PolicyRunner(this);
    private volatile LiveSeawall live;
    private final Seawall given;
    /** Whether {@link #destroy} closes {@link #live}: not when the engine was handed in by its owner. */
    private final boolean ownsLive;

    /** For {@code web.xml}: configured by init-params in {@link #init}. */
    public SeawallFilter() {
        this.settings = null;
        this.given = null;
        this.ownsLive = true;
    }

    /** Wraps an engine built elsewhere (tests, frameworks); it cannot be reloaded by the filter. */
    public SeawallFilter(Seawall engine) {
        this.settings = null;
        this.given = Objects.requireNonNull(engine, "engine");
        this.ownsLive = true;
    }

    /**
     * Serves the engine of a {@link LiveSeawall} that a framework built and owns (the Spring Boot starter): each
     * request reads its engine in service, so its reloads take effect here; several filters may share it. The filter
     * neither watches nor closes it, and publishes nothing in the servlet context.
     */
    public SeawallFilter(LiveSeawall live) {
        this.settings = null;
        this.live = Objects.requireNonNull(live, "live");
        this.given = live.current();
        this.ownsLive = false;
    }

    private SeawallFilter(Builder settings) {
        this.settings = settings;
        this.given = null;
        this.ownsLive = true;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads the engine. Init-param {@code watch} ({@code web.xml}) or {@link Builder#watch}: how often a configuration
     * <em>file</em> is checked for changes, a duration such as {@code 5s}, or {@code off}; default
     * {@code 2s}. A class-path resource is not watched; it is re-read by an explicit reload.
     */
    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        if (live != null) {
            return;
        }
        ServletContext context = filterConfig == null ? null : filterConfig.getServletContext();
        MeterRegistry registry = settings != null && settings.registrySet ? settings.registry
                : context != null && context.getAttribute(METER_REGISTRY_ATTRIBUTE) instanceof MeterRegistry r ? r
                : io.micrometer.core.instrument.Metrics.globalRegistry;
        Duration watch = settings != null ? settings.watch
                : watchParam(filterConfig == null ? null : filterConfig.getInitParameter("watch"));
        if (given != null) {
            this.live = LiveSeawall.fixed(given, registry);
        } else {
            String override = context == null ? null : context.getInitParameter(CONFIG_CONTEXT_PARAM);
            String location = settings != null ? settings.location
                    : override != null && !override.isBlank() ? override
                    : filterConfig == null ? null : filterConfig.getInitParameter("config");
            this.live = load(settings == null ? new Builder() : settings, location, context, registry);
            if (watch != null && live.watch(watch)) {
                LOG.info("Seawall: watching {} for changes every {}", live.status().source(),
                        ConfigValues.formatDuration(watch));
            }
        }
        if (context != null) {
            context.setAttribute(ENGINE_ATTRIBUTE, live.current());
            context.setAttribute(LIVE_ATTRIBUTE, live);
            live.onSwap(next -> context.setAttribute(ENGINE_ATTRIBUTE, next));
        }
        Seawall engine = live.current();
        LOG.info("Seawall: {} loaded from {}", ConfigValues.count(engine.policies().size(), "policy", "policies"),
                engine.source());
    }

    static Duration watchParam(String value) throws ServletException {
        if (value == null || value.isBlank()) {
            return DEFAULT_WATCH;
        }
        if ("off".equals(value.trim())) {
            return null;
        }
        try {
            Duration d = dev.seawall.core.internal.config.ConfigValues.parseDuration(value.trim());
            if (d.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("must be at least 100ms");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new ServletException("Seawall: init-param watch: \"" + value.trim() + "\" is not a duration"
                    + " (like 5s) or off: " + e.getMessage());
        }
    }

    static LiveSeawall load(Builder settings, String location, ServletContext context, MeterRegistry registry)
            throws ServletException {
        Seawall.Builder b = settings.engine;
        b.meterRegistry(registry);
        for (SeawallListener l : contextListeners(context)) {
            b.listener(l);
        }
        ConfigLocator.Located located = null;
        if (location != null || (!settings.yamlSet && !settings.policiesSet)) {
            located = ConfigLocator.locate(location, context);
            b.yaml(located.sourceName(), located.text());
        }
        try {
            Seawall engine = b.build();
            return located == null ? LiveSeawall.fixed(engine, registry)
                    : new LiveSeawall(engine, located.source(), located.text(), registry, Clock.systemUTC());
        } catch (RuntimeException e) {
            // config errors already read "seawall.yaml:14: policies[0]...: ..."; keep them as the message
            throw new ServletException(e.getMessage(), e);
        }
    }

    /** @return the listeners in {@link #LISTENERS_ATTRIBUTE}, in order; anything else there is refused by name */
    static List<SeawallListener> contextListeners(ServletContext context) throws ServletException {
        Object value = context == null ? null : context.getAttribute(LISTENERS_ATTRIBUTE);
        if (value == null) {
            return List.of();
        }
        if (value instanceof SeawallListener l) {
            return List.of(l);
        }
        if (value instanceof java.util.Collection<?> c) {
            List<SeawallListener> out = new java.util.ArrayList<>();
            for (Object o : c) {
                if (!(o instanceof SeawallListener l)) {
                    throw new ServletException("Seawall: servlet-context attribute " + LISTENERS_ATTRIBUTE
                            + " holds a " + (o == null ? "null" : o.getClass().getName())
                            + ", not a dev.seawall.core.event.SeawallListener");
                }
                out.add(l);
            }
            return out;
        }
        throw new ServletException("Seawall: servlet-context attribute " + LISTENERS_ATTRIBUTE + " holds a "
                + value.getClass().getName() + ": expected a SeawallListener or a Collection of them");
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws java.io.IOException, ServletException {
        LiveSeawall l = live;
        // an engine handed to the constructor serves even before init, as it always has
        runner.doFilter(l != null ? l.current() : given, request, response, chain);
    }

    /** @return the engine in use (null before {@link #init}, unless one was handed to the constructor) */
    public Seawall engine() {
        LiveSeawall l = live;
        return l != null ? l.current() : given;
    }

    /** @return the engine in service and its reloads (null before {@link #init}) */
    public LiveSeawall live() {
        return live;
    }

    @Override
    public void destroy() {
        if (!ownsLive) {
            return; // its owner closes it
        }
        LiveSeawall l = live;
        live = null;
        if (l != null) {
            l.close(); // stops the watcher and the deadline timer, which would otherwise outlive a redeploy
        }
    }

    /**
     * Collects a programmatic configuration; a thin layer over {@link Seawall.Builder} that adds a config
     * <em>location</em>, resolved in {@code init} where the servlet context is known. Sources combine: a
     * YAML location or text plus any number of programmatic policies. Not thread-safe; the filter is.
     */
    public static final class Builder {
        private final Seawall.Builder engine = Seawall.builder();
        private String location;
        private boolean yamlSet;
        private boolean policiesSet;
        private boolean registrySet;
        private MeterRegistry registry;
        private Duration watch = DEFAULT_WATCH;

        private Builder() {
        }

        /** How often a configuration file is checked for changes; null turns watching off. Default 2s. */
        public Builder watch(Duration interval) {
            if (interval != null && (interval.isNegative() || interval.isZero())) {
                throw new IllegalArgumentException("watch: " + interval + " must be positive");
            }
            this.watch = interval;
            return this;
        }

        /** A config location with the syntax of the {@code config} init-param, resolved at {@code init}. */
        public Builder config(String location) {
            this.location = Objects.requireNonNull(location, "location");
            return this;
        }

        /** Configuration given as YAML text; {@code sourceName} is cited in error messages. */
        public Builder yaml(String sourceName, String text) {
            engine.yaml(sourceName, text);
            yamlSet = true;
            return this;
        }

        /** A policy built in code (see {@code ChainBuilder} and the stage builders). */
        public Builder policy(Policy policy) {
            engine.policy(policy);
            policiesSet = true;
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            engine.meterRegistry(registry);
            this.registry = registry;
            registrySet = true;
            return this;
        }

        /**
         * Adds a listener of Seawall's events (see {@link SeawallListener}); called in the order added, before those
         * of the {@link #LISTENERS_ATTRIBUTE} context attribute.
         */
        public Builder listener(SeawallListener listener) {
            engine.listener(listener);
            return this;
        }

        /**
         * Where Seawall's decisions are added to the current observation (see
         * {@link Seawall.Builder#observationRegistry}); default none.
         */
        public Builder observationRegistry(io.micrometer.observation.ObservationRegistry registry) {
            engine.observationRegistry(registry);
            return this;
        }

        /** The monotonic clock (tests inject a {@code ManualClock}). */
        public Builder clock(NanoClock clock) {
            engine.clock(clock);
            return this;
        }

        /** An application's plan directory for limits with {@code plans}; consulted before {@code plan-of}. */
        public Builder planResolver(PlanResolver resolver) {
            engine.planResolver(resolver);
            return this;
        }

        /**
         * @return a filter that loads its engine in {@code init} (where a servlet context is known)
         * @throws dev.seawall.core.config.ConfigException when the {@link #config} location is a class-path
         *                                                 resource or a file readable now and its configuration is
         *                                                 invalid: a mistake fails here, not later at deployment
         * @throws IllegalStateException                   when such a location cannot be read
         */
        public SeawallFilter build() {
            if (location != null) {
                ConfigLocator.Located now;
                try {
                    now = ConfigLocator.locateWithoutContext(location);
                } catch (ServletException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
                if (now != null) {
                    ConfigLoader.parse(now.sourceName(), now.text()); // validates; init loads it again
                }
            }
            return new SeawallFilter(this);
        }
    }
}
