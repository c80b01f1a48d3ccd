package dev.seawall.servlet;

import dev.seawall.core.Seawall;
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
 * {@code .policy(...)}; the result goes to {@code ServletContext.addFilter(...)} or embedded Jetty.
 *
 * <p>Thread-safe: one instance serves every request; the engine is held in a volatile field so that a
 * reload can swap it atomically.
 */
public class SeawallFilter implements Filter {

    /** Servlet-context attribute under which the filter publishes its engine (for {@link SeawallStatusServlet}). */
    public static final String ENGINE_ATTRIBUTE = "dev.seawall.engine";

    /** Servlet-context attribute under which an application may provide its {@link MeterRegistry}. */
    public static final String METER_REGISTRY_ATTRIBUTE = "dev.seawall.meterRegistry";

    private static final Logger LOG = LoggerFactory.getLogger(SeawallFilter.class);

    private final Builder settings;
    private final PolicyRunner runner = new PolicyRunner(this);
    private volatile Seawall engine;

    /** For {@code web.xml}: configured by init-params in {@link #init}. */
    public SeawallFilter() {
        this.settings = null;
    }

    /** Wraps an engine built elsewhere (tests, frameworks). */
    public SeawallFilter(Seawall engine) {
        this.settings = null;
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    private SeawallFilter(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        if (engine != null) {
            return;
        }
        ServletContext context = filterConfig == null ? null : filterConfig.getServletContext();
        String location = settings != null ? settings.location
                : filterConfig == null ? null : filterConfig.getInitParameter("config");
        this.engine = load(settings == null ? new Builder() : settings, location, context);
        if (context != null) {
            context.setAttribute(ENGINE_ATTRIBUTE, engine);
        }
        LOG.info("Seawall: {} policies loaded from {}", engine.policies().size(), engine.source());
    }

    static Seawall load(Builder settings, String location, ServletContext context) throws ServletException {
        Seawall.Builder b = settings.engine;
        if (!settings.registrySet && context != null
                && context.getAttribute(METER_REGISTRY_ATTRIBUTE) instanceof MeterRegistry r) {
            b.meterRegistry(r);
        }
        if (location != null || (!settings.yamlSet && !settings.policiesSet)) {
            ConfigLocator.Located located = ConfigLocator.locate(location, context);
            b.yaml(located.sourceName(), located.text());
        }
        try {
            return b.build();
        } catch (RuntimeException e) {
            // config errors already read "seawall.yaml:14: policies[0]...: ..."; keep them as the message
            throw new ServletException(e.getMessage(), e);
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws java.io.IOException, ServletException {
        runner.doFilter(engine, request, response, chain);
    }

    /** @return the engine in use (null before {@link #init}) */
    public Seawall engine() {
        return engine;
    }

    @Override
    public void destroy() {
        Seawall e = engine;
        engine = null;
        if (e != null) {
            e.close(); // stops the deadline timer thread, which would otherwise outlive a redeploy
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

        private Builder() {
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
            registrySet = true;
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

        /** @return a filter that loads its engine in {@code init} (where a servlet context is known) */
        public SeawallFilter build() {
            return new SeawallFilter(this);
        }
    }
}
