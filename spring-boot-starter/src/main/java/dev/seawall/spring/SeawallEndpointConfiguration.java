package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * The Actuator endpoint {@code seawall} ({@link SeawallEndpoint}), when Actuator is on the class path. Whether it is
 * reachable is {@code management.endpoints.*}'s to say, as for any endpoint.
 *
 * <p>Thread-safe: Spring calls it once.
 */
@AutoConfiguration(after = SeawallAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(LiveSeawall.class)
public class SeawallEndpointConfiguration {

    /** The endpoint's bean name. */
    static final String ENDPOINT = "seawallEndpoint";

    @Bean(name = ENDPOINT)
    SeawallEndpoint seawallEndpoint(LiveSeawall live) {
        return new SeawallEndpoint(live);
    }
}
