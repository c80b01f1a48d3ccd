package dev.seawall.e2e;

import dev.seawall.e2e.container.RequestThreads;
import dev.seawall.e2e.container.VirtualThreadProbes;
import dev.seawall.servlet.SeawallFilter;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The suite's own set-up on each container: the build runs the container (and version) it names on the threads it
 * names, and a Seawall filter that cannot start fails the start, whether registered in code or in a web.xml, as it
 * does on Jetty.
 */
class ContainerSetUpEndToEndTest {

    private static final String BAD_YAML = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 10/xyz
            """;

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    @Test
    void runsTheContainerAndVersionTheBuildNames() throws Exception {
        Filter passThrough = (request, response, chain) -> chain.doFilter(request, response);
        try (TestServer server = TestServer.programmatic(passThrough)) {
            assertThat(server.containerName()).startsWith(TestServer.container().name().toLowerCase(Locale.ROOT) + "-");
            String expected = System.getProperty("seawall.container.expected");
            assumeTrue(expected != null, "the build names the container version it runs (src/test/pom.xml)");
            assertThat(server.containerName()).isEqualTo(expected);
        }
    }

    @Test
    void runsRequestsOnTheThreadsTheBuildNames() throws Exception {
        Map<String, Boolean> virtual = new ConcurrentHashMap<>();
        Filter probe = (request, response, chain) -> {
            virtual.put(Thread.currentThread().getName(), VirtualThreadProbes.isVirtual(Thread.currentThread()));
            chain.doFilter(request, response);
        };
        try (TestServer server = TestServer.programmatic(probe)) {
            for (int i = 0; i < 3; i++) {
                assertThat(RawHttp.get(server.port(), "/x").status()).isEqualTo(200);
            }
        }
        assertThat(virtual).as("request threads by name: virtual or not").isNotEmpty()
                .allSatisfy((name, isVirtual) -> assertThat(isVirtual)
                        .isEqualTo(TestServer.container().requestThreads() == RequestThreads.VIRTUAL));
    }

    @Test
    void aFilterThatFailsToStartFailsTheStart() {
        SeawallFilter filter = SeawallFilter.builder().yaml("seawall.yaml", BAD_YAML).build();
        assertThatThrownBy(() -> TestServer.programmatic(filter).close())
                .satisfies(e -> assertThat(messages(e)).contains("\"10/xyz\" is not a rate"));
    }

    @Test
    void aWebappWhoseFilterFailsToStartFailsTheStart() {
        assertThatThrownBy(() -> TestServer.webapp("webapps/broken").close())
                .satisfies(e -> assertThat(messages(e)).contains("\"10/xyz\" is not a rate"));
    }
}
