package dev.seawall.e2e;

import dev.seawall.jaxrs.RateLimit;
import dev.seawall.jaxrs.SeawallFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.glassfish.jersey.internal.Version;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The JAX-RS tests run on the Jersey the build names: src/test on the parent's Jersey 3.1 (Jakarta REST 3.1),
 * src/test-jersey4 on Jersey 4.0 (Jakarta REST 4.0), both from the same test classes. Each Surefire execution sets
 * {@value #PROPERTY}; without it these tests fail, since a run that checks no version says nothing about which
 * Jersey the other JAX-RS tests ran on.
 */
class JerseyVersionEndToEndTest {

    static final String PROPERTY = "seawall.jersey.expected";

    @Path("/")
    public static class Versioned {
        @GET
        @Path("version")
        @Produces(MediaType.TEXT_PLAIN)
        @RateLimit(limit = "1/1m")
        public String version() {
            return Version.getVersion();
        }
    }

    private static String expectedJersey() {
        String expected = System.getProperty(PROPERTY);
        if (expected == null || expected.isBlank()) {
            fail("-D" + PROPERTY + " is not set: the build names the Jersey version each run must be on "
                    + "(src/test/pom.xml, src/test-jersey4/pom.xml); outside Maven pass it, e.g. -D" + PROPERTY
                    + "=3.1.11");
        }
        return expected.trim();
    }

    /** Jersey x.y implements Jakarta REST x.y (3.1.11: 3.1, 4.0.2: 4.0). */
    private static String restSpecificationOf(String jerseyVersion) {
        String[] parts = jerseyVersion.split("\\.");
        return parts[0] + "." + parts[1];
    }

    private static boolean declares(Class<?> type, String method) {
        return Arrays.stream(type.getMethods()).anyMatch(m -> m.getName().equals(method));
    }

    @Test
    @ContainerIndependent
    void theClassPathHoldsTheJerseyAndTheJakartaRestTheBuildNames() {
        String jersey = expectedJersey();
        assertThat(Version.getVersion()).as("Jersey (jersey-common) on the class path").isEqualTo(jersey);

        String rest = restSpecificationOf(jersey);
        assertThat(UriInfo.class.getPackage().getSpecificationVersion())
                .as("Specification-Version of the jakarta.ws.rs-api jar").isEqualTo(rest);
        boolean rest4 = Integer.parseInt(rest.substring(0, rest.indexOf('.'))) >= 4;
        assertThat(declares(UriInfo.class, "getMatchedResourceTemplate"))
                .as("UriInfo#getMatchedResourceTemplate, new in Jakarta REST 4.0, present: Jakarta REST %s", rest)
                .isEqualTo(rest4);
    }

    @Test
    void aSeawallFeatureResourceInTheContainerRunsOnThatJersey() throws Exception {
        String jersey = expectedJersey();
        ResourceConfig app = new ResourceConfig(Versioned.class)
                .register(new SeawallFeature().meterRegistry(new SimpleMeterRegistry()));
        try (TestServer server = TestServer.jersey(app, List.of(), 20)) {
            String container = System.getProperty("seawall.container.expected");
            if (container != null) { // set by the build; a run from an IDE checks the Jersey version only
                assertThat(server.containerName()).isEqualTo(container);
            }
            Response ok = given().baseUri(server.uri()).get("/api/version");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.asString()).as("Jersey serving the request").isEqualTo(jersey);
            assertThat(ok.header("RateLimit-Policy")).isEqualTo("\"ip\";q=1;w=60");
            assertThat(given().baseUri(server.uri()).get("/api/version").statusCode()).isEqualTo(429);
        }
    }
}
