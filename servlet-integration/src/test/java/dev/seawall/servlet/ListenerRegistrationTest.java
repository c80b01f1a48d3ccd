package dev.seawall.servlet;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.event.RecordingListener;
import dev.seawall.core.event.Refusal;
import dev.seawall.core.event.SeawallListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Event listeners registered with the filter's builder and through the servlet context, over a real socket. */
class ListenerRegistrationTest {

    private static final String YAML = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 1/1m
            """;

    private Server server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private String start(SeawallFilter filter, Object listenersAttribute) throws Exception {
        return start(filter, listenersAttribute, null);
    }

    /** @param before a filter mapped before Seawall's (e.g. the server's observation), or null */
    private String start(SeawallFilter filter, Object listenersAttribute, jakarta.servlet.Filter before)
            throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        if (listenersAttribute != null) {
            context.setAttribute(SeawallFilter.LISTENERS_ATTRIBUTE, listenersAttribute);
        }
        if (before != null) {
            context.addFilter(new FilterHolder(before), "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.getWriter().write("ok");
            }
        }), "/*");
        server.setHandler(context);
        server.start();
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    private int get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @Test
    void listenersFromTheBuilderAndTheServletContextHearARefusalBuilderFirst() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        RecordingListener fromBuilder = new RecordingListener() {
            @Override
            public void onRefusal(Refusal event) {
                order.add("builder");
                super.onRefusal(event);
            }
        };
        RecordingListener fromContext = new RecordingListener() {
            @Override
            public void onRefusal(Refusal event) {
                order.add("context");
                super.onRefusal(event);
            }
        };
        String base = start(SeawallFilter.builder().yaml("seawall.yaml", YAML).listener(fromBuilder).build(),
                List.of(fromContext));

        assertThat(get(base + "/api/a")).isEqualTo(200);
        assertThat(get(base + "/api/a")).isEqualTo(429);

        assertThat(order).containsExactly("builder", "context");
        assertThat(fromContext.of(Refusal.class)).singleElement().satisfies(r -> {
            assertThat(r.policy()).isEqualTo("api");
            assertThat(r.stage()).isEqualTo(StageKind.RATE_LIMIT);
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.toString()).doesNotContain("127.0.0.1");
        });
        assertThat(fromBuilder.events).isEqualTo(fromContext.events);
    }

    @Test
    void aSingleListenerInTheContextAttributeIsEnough() throws Exception {
        RecordingListener listener = new RecordingListener();
        String base = start(SeawallFilter.builder().yaml("seawall.yaml", YAML).build(), listener);

        get(base + "/api/b");
        get(base + "/api/b");

        assertThat(listener.of(Refusal.class)).hasSize(1);
    }

    @Test
    void theBuildersObservationRegistryGetsTheDecisionOnTheServersObservation() throws Exception {
        io.micrometer.observation.ObservationRegistry observations = io.micrometer.observation.ObservationRegistry
                .create();
        List<io.micrometer.observation.Observation.Context> stopped = new CopyOnWriteArrayList<>();
        observations.observationConfig().observationHandler(
                new io.micrometer.observation.ObservationHandler<io.micrometer.observation.Observation.Context>() {
                    @Override
                    public void onStop(io.micrometer.observation.Observation.Context context) {
                        stopped.add(context);
                    }

                    @Override
                    public boolean supportsContext(io.micrometer.observation.Observation.Context context) {
                        return true;
                    }
                });
        // what a container's observation filter does: one observation in scope around the request
        jakarta.servlet.Filter server = (request, response, chain) -> {
            io.micrometer.observation.Observation o = io.micrometer.observation.Observation.start("http.server.requests",
                    observations);
            try (io.micrometer.observation.Observation.Scope scope = o.openScope()) {
                chain.doFilter(request, response);
            } finally {
                o.stop();
            }
        };
        String base = start(SeawallFilter.builder().yaml("seawall.yaml", YAML).observationRegistry(observations)
                .build(), null, server);

        assertThat(get(base + "/api/c")).isEqualTo(200);
        assertThat(get(base + "/api/c")).isEqualTo(429);

        // the server's observation stops after the answer went out: the client may have it first
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(stopped).hasSize(2));
        assertThat(stopped).extracting(c -> c.getHighCardinalityKeyValue("seawall.outcome").getValue())
                .containsExactly("allowed", "rate-limited");
        assertThat(stopped).allSatisfy(c ->
                assertThat(c.getHighCardinalityKeyValue("seawall.policy").getValue()).isEqualTo("api"));
    }

    @Test
    void aContextAttributeOfAnotherTypeIsRefusedByName() throws ServletException {
        ServletContextHandler handler = new ServletContextHandler();
        handler.setAttribute(SeawallFilter.LISTENERS_ATTRIBUTE, List.of(new RecordingListener(), "not a listener"));
        assertThatThrownBy(() -> SeawallFilter.contextListeners(handler.getServletContext()))
                .isInstanceOf(ServletException.class).hasMessageContaining("java.lang.String")
                .hasMessageContaining(SeawallFilter.LISTENERS_ATTRIBUTE);
        handler.setAttribute(SeawallFilter.LISTENERS_ATTRIBUTE, 42);
        assertThatThrownBy(() -> SeawallFilter.contextListeners(handler.getServletContext()))
                .isInstanceOf(ServletException.class).hasMessageContaining("java.lang.Integer");
        SeawallListener one = new RecordingListener();
        handler.setAttribute(SeawallFilter.LISTENERS_ATTRIBUTE, one);
        assertThat(SeawallFilter.contextListeners(handler.getServletContext())).containsExactly(one);
    }
}
