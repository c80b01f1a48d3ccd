package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.event.SeawallListener;
import dev.seawall.core.config.ConfigException;
import dev.seawall.jaxrs.SeawallFeature;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.observation.ObservationRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.glassfish.jersey.server.ResourceConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.util.EnumSet;

/**
 * Seawall for a Spring Boot servlet application: one engine from {@code seawall.yaml}, {@code seawall.config} or the
 * inline {@code seawall:} keys ({@link EngineLoader}); its filter registered for the {@code REQUEST} and {@code ASYNC}
 * dispatches (a queued request resumes on an {@code ASYNC} dispatch, guarded) just after Spring Security, so that
 * {@code by: user} sees the principal; optionally a second filter before Security for the paths of
 * {@code seawall.filter.before-security}; Spring MVC's asynchronous handlers held to their real end; the client's
 * address read from the connection under every {@code server.forward-headers-strategy}; meters in Spring's
 * {@code MeterRegistry}. {@link StartupReport} says at start-up what it did and warns where a setting defeats a limit.
 *
 * <p>Thread-safe: Spring calls it once; the beans it makes are thread-safe.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({SeawallFilter.class, FilterRegistrationBean.class})
@ConditionalOnProperty(prefix = "seawall", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnMissingBean(SeawallFilter.class) // an application that registers its own filter keeps it, alone
@EnableConfigurationProperties(SeawallProperties.class)
public class SeawallAutoConfiguration {

    /** Spring Security's default {@code spring.security.filter.order}. */
    static final int SECURITY_DEFAULT_ORDER = -100;
    /** Seawall's default distance after (and, for the early filter, before) Spring Security's filter chain. */
    static final int GAP = 10;

    @Bean(destroyMethod = "close")
    LiveSeawall seawallEngine(SeawallProperties properties, ConfigurableEnvironment environment,
                              ObjectProvider<MeterRegistry> registry, ObjectProvider<SeawallListener> listeners,
                              ObjectProvider<ObservationRegistry> observations) {
        // every SeawallListener bean hears the engine's events, in the beans' @Order; the application's
        // ObservationRegistry (Actuator's) gets Seawall's decisions on each request's http.server.requests observation
        return EngineLoader.load(properties, environment, registry.getIfAvailable(() -> Metrics.globalRegistry),
                listeners.orderedStream().toList(), observations.getIfAvailable());
    }

    @Bean
    FilterRegistrationBean<Filter> seawallFilter(LiveSeawall engine, SeawallProperties properties,
                                                 ConfigurableEnvironment environment) {
        PathSplitFilter.Paths early = earlyPaths(properties);
        Filter filter = new SeawallFilter(engine);
        if (!early.isEmpty()) {
            filter = new PathSplitFilter(filter, early, false);
        }
        return registration(filter, "seawallFilter", order(properties, environment));
    }

    @Bean
    FilterRegistrationBean<Filter> seawallEarlyFilter(LiveSeawall engine, SeawallProperties properties,
                                                      ConfigurableEnvironment environment) {
        PathSplitFilter.Paths early = earlyPaths(properties);
        FilterRegistrationBean<Filter> r = registration(new PathSplitFilter(new SeawallFilter(engine), early, true),
                "seawallEarlyFilter", securityOrder(environment) - GAP);
        r.setEnabled(!early.isEmpty());
        return r;
    }

    @Bean
    static StartupReport seawallStartupReport() {
        return new StartupReport();
    }

    private static FilterRegistrationBean<Filter> registration(Filter filter, String name, int order) {
        FilterRegistrationBean<Filter> r = new FilterRegistrationBean<>(filter);
        r.setName(name);
        r.setOrder(order);
        r.setAsyncSupported(true);
        // REQUEST admits; ASYNC resumes a request queued by the throttle. Not ERROR or FORWARD: an error page or a
        // forward belongs to a request Seawall has already admitted.
        r.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        r.addUrlPatterns("/*");
        return r;
    }

    /** @throws ConfigException naming the property when a pattern is not a path pattern */
    static PathSplitFilter.Paths earlyPaths(SeawallProperties properties) {
        try {
            return PathSplitFilter.Paths.of(properties.getFilter().getBeforeSecurity(),
                    "seawall.filter.before-security");
        } catch (IllegalArgumentException e) {
            throw new ConfigException("application properties", 0, "", e.getMessage());
        }
    }

    static int securityOrder(ConfigurableEnvironment environment) {
        return environment.getProperty("spring.security.filter.order", Integer.class, SECURITY_DEFAULT_ORDER);
    }

    static int order(SeawallProperties properties, ConfigurableEnvironment environment) {
        Integer order = properties.getFilter().getOrder();
        return order != null ? order : securityOrder(environment) + GAP;
    }

    /** Spring MVC: {@code Callable}, {@code WebAsyncTask} and {@code DeferredResult} handlers held to their end. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(WebMvcConfigurer.class)
    static class SpringMvc {
        @Bean
        HandlerWorkInterceptor seawallHandlerWork() {
            return new HandlerWorkInterceptor();
        }

        @Bean
        WebMvcConfigurer seawallAsyncSupport(HandlerWorkInterceptor interceptor) {
            return new WebMvcConfigurer() {
                @Override
                public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
                    configurer.registerCallableInterceptors(interceptor);
                    configurer.registerDeferredResultInterceptors(interceptor);
                }
            };
        }
    }

    /** Tomcat: the connection's peer recorded before {@code server.forward-headers-strategy=native} rewrites it. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.apache.catalina.valves.ValveBase")
    static class Tomcat {
        @Bean
        static PeerAddressValve.Customizer seawallPeerAddressValve() {
            return new PeerAddressValve.Customizer();
        }
    }

    /**
     * Jersey: a {@link SeawallFeature} the application registers reports to Spring's {@code MeterRegistry} and to every
     * {@link SeawallListener} bean.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ResourceConfig.class, SeawallFeature.class})
    static class Jersey {
        @Bean
        static BeanPostProcessor seawallJerseyMeters(ObjectProvider<MeterRegistry> registry,
                                                     ObjectProvider<SeawallListener> listeners,
                                                     ObjectProvider<ObservationRegistry> observations) {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (bean instanceof ResourceConfig config) {
                        MeterRegistry r = registry.getIfAvailable();
                        for (Object o : config.getInstances()) {
                            if (o instanceof SeawallFeature feature) {
                                if (r != null) {
                                    feature.meterRegistry(r);
                                }
                                listeners.orderedStream().forEach(feature::listener);
                                ObservationRegistry observed = observations.getIfAvailable();
                                if (observed != null) {
                                    feature.observationRegistry(observed);
                                }
                            }
                        }
                    }
                    return bean;
                }
            };
        }
    }
}
