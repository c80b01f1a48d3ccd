package dev.seawall.jaxrs;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.status.StatusReport;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** An annotation policy says what it applies to: its resource's path template, not "/". */
class AnnotationPolicyPathTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AnnotationPolicies policies = new AnnotationPolicies(null,
            new PolicyFactory.Context(new ManualClock(), meters, null));

    @Path("orders/")
    static class Orders {
        @GET
        @Path("/{id: [0-9]+}/lines")
        @Timeout("1s")
        public String lines() {
            return "";
        }

        @GET
        @Timeout("1s")
        public String list() {
            return "";
        }
    }

    static class NoPath {
        @Timeout("1s")
        public String any() {
            return "";
        }
    }

    private Policy policy(Class<?> type, String name) throws NoSuchMethodException {
        Method m = type.getDeclaredMethod(name);
        return policies.policy(type, m);
    }

    @Test
    void thePolicyListsTheResourcesPathTemplate() throws Exception {
        assertThat(policy(Orders.class, "lines").paths()).containsExactly("/orders/{id}/lines");
        assertThat(policy(Orders.class, "list").paths()).containsExactly("/orders");
        assertThat(policy(NoPath.class, "any").paths()).containsExactly("/");
    }

    @Test
    void theStatusReportShowsIt() throws Exception {
        Policy p = policy(Orders.class, "lines");
        Seawall engine = Seawall.builder().source("annotations").meterRegistry(meters).policy(p).build();
        String json = StatusReport.json(LiveSeawall.fixed(engine, meters), List.of());
        assertThat(json).contains("\"paths\":[\"/orders/{id}/lines\"]").doesNotContain("\"paths\":[\"/\"]");
    }
}
