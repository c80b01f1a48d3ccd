package dev.seawall.servlet;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The standalone rate-limit and throttle filters built from {@code config} plus {@code policy}, through a real Jetty:
 * the policy's {@code exempt} block and the file's top-level one let their paths through unlimited, counted on
 * {@code seawall.requests.exempt}, while the neighbouring paths of the same filter are limited.
 */
class StandaloneExemptionTest {

    private static final String YAML = """
            exempt:
              paths: [/health]
            policies:
              - name: api
                paths: [/*]
                rate-limits:
                  - by: ip
                    limit: 1/1m
                throttle: {max-concurrent: 1, queue: 0}
                exempt:
                  paths: [/internal/*]
            """;

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    private Server server;

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (server != null) {
            server.stop();
        }
    }

    /** Starts the filter with {@code config} (the file above) plus {@code policy: api}. */
    private String start(Filter filter) throws Exception {
        Path yaml = dir.resolve("seawall.yaml");
        Files.writeString(yaml, YAML);
        return start(filter, Map.of("config", yaml.toString(), "policy", "api"));
    }

    private String start(Filter filter, Map<String, String> params) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.setAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE, registry);
        FilterHolder holder = new FilterHolder(filter);
        holder.setName("standalone");
        holder.setInitParameters(params);
        holder.setAsyncSupported(true);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder app = new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                if (req.getRequestURI().endsWith("/hold")) {
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                resp.getWriter().write("ok");
            }
        });
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        server.setHandler(context);
        server.start();
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    private HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
    }

    private HttpResponse<String> send(String url) throws Exception {
        return client.send(get(url), HttpResponse.BodyHandlers.ofString());
    }

    private double exempt(String policy) {
        FunctionCounter c = registry.find("seawall.requests.exempt").tags("policy", policy, "reason", "path")
                .functionCounter();
        assertThat(c).as("the exempt meter of policy " + policy).isNotNull();
        return c.count();
    }

    @Test
    void aRateLimitFilterFromAPolicyLeavesItsExemptPathsAndTheFilesUnlimited() throws Exception {
        RateLimitFilter filter = new RateLimitFilter();
        String base = start(filter);

        assertThat(send(base + "/api/a").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = send(base + "/api/a");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> health = send(base + "/health");
            assertThat(health.statusCode()).as("top-level exempt path, request %d", i).isEqualTo(200);
            assertThat(health.headers().firstValue("RateLimit")).as("an exempt request gets no limit headers")
                    .isEmpty();
            assertThat(send(base + "/internal/jobs").statusCode()).as("policy's exempt path, request %d", i)
                    .isEqualTo(200);
        }
        assertThat(send(base + "/api/b").statusCode()).as("the neighbour stays limited").isEqualTo(429);
        assertThat(exempt("api")).isEqualTo(6.0);
    }

    @Test
    void aThrottleFilterFromAPolicyAdmitsItsExemptPathsWhileItsOnlySlotIsTaken() throws Exception {
        ThrottleFilter filter = new ThrottleFilter();
        String base = start(filter);

        CompletableFuture<HttpResponse<String>> held = client.sendAsync(get(base + "/api/hold"),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> filter.stage().inFlight() == 1);

        assertThat(send(base + "/api/other").statusCode()).as("the neighbour finds the only slot taken")
                .isEqualTo(503);
        assertThat(send(base + "/health").statusCode()).isEqualTo(200);
        assertThat(send(base + "/internal/jobs").statusCode()).isEqualTo(200);
        assertThat(filter.stage().inFlight()).as("exempt requests never took a slot").isEqualTo(1);
        assertThat(exempt("api")).isEqualTo(2.0);

        release.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void initParamsAloneExemptNothing() throws Exception {
        String base = start(new RateLimitFilter(), Map.of("by", "ip", "limit", "1/1m", "policy", "api"));
        assertThat(send(base + "/health").statusCode()).isEqualTo(200);
        assertThat(send(base + "/health").statusCode()).as("no exempt without config").isEqualTo(429);
        assertThat(registry.find("seawall.requests.exempt").meters()).isEmpty();
    }
}
