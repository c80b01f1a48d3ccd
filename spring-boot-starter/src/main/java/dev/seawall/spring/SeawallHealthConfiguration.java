package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Seawall's health contributor {@code seawall}, switched on by {@code management.health.seawall.enabled=true}
 * ({@link SeawallHealth} says what it reports). One class per Spring Boot line, because the health API moved: Boot 4
 * has it in {@code org.springframework.boot.health.contributor}, Boot 3.5 in {@code org.springframework.boot.actuate.health}.
 * The starter compiles against Boot 4, so the Boot 3.5 contributor is a proxy of that line's interface whose
 * {@code Health} is built by name: four reflective calls at most per health check, in exchange for one jar for
 * both lines.
 *
 * <p>Thread-safe: the contributors only read the engine in service.
 */
@AutoConfiguration(after = SeawallAutoConfiguration.class)
@ConditionalOnProperty(name = "management.health.seawall.enabled", havingValue = "true")
@ConditionalOnBean(LiveSeawall.class)
public class SeawallHealthConfiguration {

    static final String BEAN = "seawallHealthIndicator"; // Boot names the contributor "seawall" from it

    /** Spring Boot 4. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot4 {
        @Bean(name = BEAN)
        HealthIndicator seawallHealthIndicator(LiveSeawall live) {
            SeawallHealth health = new SeawallHealth(live);
            return () -> {
                SeawallHealth.Reading r = health.read();
                return Health.status(r.status()).withDetails(r.details()).build();
            };
        }
    }

    /** Spring Boot 3.5. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = Boot3.INDICATOR)
    @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot3 {
        static final String INDICATOR = "org.springframework.boot.actuate.health.HealthIndicator";
        static final String HEALTH = "org.springframework.boot.actuate.health.Health";

        @Bean
        static BeanDefinitionRegistryPostProcessor seawallBoot3Health() {
            return (BeanDefinitionRegistry registry) -> {
                // the bean's type must be the interface itself, so that Boot's registry finds it by type
                RootBeanDefinition definition = new RootBeanDefinition(INDICATOR);
                BeanFactory beans = (BeanFactory) registry;
                definition.setInstanceSupplier(() -> {
                    try {
                        return boot3Indicator(Boot3.class.getClassLoader(), beans.getBean(LiveSeawall.class));
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException("Seawall: Spring Boot 3.5's health API is not as expected", e);
                    }
                });
                registry.registerBeanDefinition(BEAN, definition);
            };
        }
    }

    /** Makes Boot 3.5's {@code HealthIndicator} for an engine. */
    static Object boot3Indicator(ClassLoader loader, LiveSeawall live) throws ReflectiveOperationException {
        Class<?> indicator = Class.forName(Boot3.INDICATOR, true, loader);
        Class<?> healthType = Class.forName(Boot3.HEALTH, true, loader);
        Method status = healthType.getMethod("status", String.class);
        Method withDetails = status.getReturnType().getMethod("withDetails", Map.class);
        Method build = status.getReturnType().getMethod("build");
        SeawallHealth health = new SeawallHealth(live);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("health") && method.getParameterCount() == 0) {
                SeawallHealth.Reading r = health.read();
                return build.invoke(withDetails.invoke(status.invoke(null, r.status()), r.details()));
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return switch (method.getName()) {
                case "toString" -> "SeawallHealthIndicator";
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            };
        };
        return Proxy.newProxyInstance(loader, new Class<?>[] {indicator}, handler);
    }
}
