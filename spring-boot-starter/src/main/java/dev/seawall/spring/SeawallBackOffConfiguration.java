package dev.seawall.spring;

import dev.seawall.servlet.SeawallFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

import java.util.Arrays;

/**
 * When the application declares its own {@link SeawallFilter} bean, the starter registers nothing (two filters would
 * count each request twice) and says so, so that {@code seawall:} keys or {@code seawall.config} left unread are never
 * a silent surprise.
 *
 * <p>Thread-safe: Spring calls it once.
 */
@AutoConfiguration(after = SeawallAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "seawall", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnBean(SeawallFilter.class)
public class SeawallBackOffConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SeawallBackOffConfiguration.class);

    @Bean
    static SmartInitializingSingleton seawallBackOffReport(ApplicationContext context) {
        return () -> LOG.warn("Seawall: the application declares its own SeawallFilter bean {}; the starter registers"
                + " no filter of its own and reads neither seawall.config nor seawall: keys. Spring Boot maps such a"
                + " bean for the REQUEST dispatch only: register it with a FilterRegistrationBean for REQUEST and"
                + " ASYNC, or remove it and let the starter register Seawall",
                Arrays.toString(context.getBeanNamesForType(SeawallFilter.class)));
    }
}
