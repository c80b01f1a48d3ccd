package dev.seawall.demo;

import dev.seawall.jaxrs.SeawallFeature;
import dev.seawall.servlet.SeawallFilter;
import dev.seawall.servlet.SeawallStatusServlet;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.ServletContext;
import jakarta.ws.rs.core.Context;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * The demo's JAX-RS side: a Jersey application (registered in {@code web.xml} on Jersey's
 * {@code ServletContainer} at {@code /api/v2/*}) whose resilience is declared by annotations on
 * {@link ExchangeRates}, enforced by {@link SeawallFeature}. No YAML here: the servlet filter in front still applies
 * {@code seawall.yaml}'s {@code api-default} per-IP budget to {@code /api/v2/*}, and the annotations add their own
 * stages behind it.
 *
 * <p>Not thread-safe, and needs not be: Jersey builds it once while the servlet starts.
 */
public class RatesApplication extends ResourceConfig {

    /** @param context injected by Jersey's servlet container: where DemoServer left the meter registry */
    @SuppressWarnings("this-escape") // ResourceConfig is configured in its subclass's constructor, as Jersey documents
    public RatesApplication(@Context ServletContext context) {
        register(ExchangeRates.class);
        SeawallFeature seawall = new SeawallFeature();
        // the annotation policies' meters go to the registry /metrics scrapes, next to the YAML policies'
        if (context != null && context.getAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE) instanceof MeterRegistry r) {
            seawall.meterRegistry(r);
        }
        register(seawall);
        if (context != null) {
            // the status JSON and page list the annotation policies next to seawall.yaml's
            context.setAttribute(SeawallStatusServlet.MORE_POLICIES_ATTRIBUTE,
                    (java.util.function.Supplier<java.util.List<dev.seawall.core.policy.Policy>>) seawall::policies);
        }
    }
}
