package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jersey resources (synchronous and {@code @Suspended} asynchronous) behind a SeawallFilter policy with a
 * timeout and a fallback: they behave as without Seawall when they finish in time, and are answered at the
 * deadline when they do not.
 */
class JerseyBehindFilterEndToEndTest {

    static final ExecutorService WORKERS = Executors.newCachedThreadPool();
    static final CountDownLatch NEVER = new CountDownLatch(1);
    static final AtomicInteger ASYNC_DONE = new AtomicInteger();

    @Path("/")
    public static class Resources {
        @GET
        @Path("sync/{id}")
        @Produces(MediaType.APPLICATION_JSON)
        public String sync(@PathParam("id") String id) {
            return "{\"id\":\"" + id + "\",\"mode\":\"sync\"}";
        }

        @GET
        @Path("async/{id}")
        @Produces(MediaType.APPLICATION_JSON)
        public void async(@PathParam("id") String id, @Suspended AsyncResponse response) {
            WORKERS.submit(() -> {
                response.resume("{\"id\":\"" + id + "\",\"mode\":\"async\"}");
                ASYNC_DONE.incrementAndGet();
            });
        }

        @GET
        @Path("hang-sync")
        public String hangSync() throws InterruptedException {
            NEVER.await(60, TimeUnit.SECONDS);
            return "too late";
        }

        @GET
        @Path("hang-async")
        public void hangAsync(@Suspended AsyncResponse response) {
            // never resumed within the deadline
            WORKERS.submit(() -> {
                try {
                    NEVER.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.resume("too late");
            });
        }

        @GET
        @Path("missing")
        public String missing() {
            throw new jakarta.ws.rs.NotFoundException();
        }
    }

    private static TestServer server(String yaml) throws Exception {
        SeawallFilter filter = SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("jersey.yaml", yaml).build();
        return TestServer.programmatic(filter, java.util.Map.of(),
                new ServletContainer(new ResourceConfig(Resources.class)), true, 30);
    }

    private static final String YAML = """
            policies:
              - name: api
                paths: [/*]
                timeout: 500ms
                fallback:
                  status: 200
                  body: '{"degraded":true}'
                  stale-cache: 1m
                  on: [circuit-open, error]
            """;

    @Test
    void syncAndAsyncResourcesAnswerAsWithoutSeawallWhenInTime() throws Exception {
        try (TestServer server = server(YAML)) {
            for (String mode : new String[] {"sync", "async"}) {
                Response r = given().baseUri(server.uri()).get("/" + mode + "/42");
                assertThat(r.statusCode()).as(mode).isEqualTo(200);
                assertThat(r.contentType()).as(mode).startsWith("application/json");
                assertThat(r.jsonPath().getString("id")).isEqualTo("42");
                assertThat(r.jsonPath().getString("mode")).isEqualTo(mode);
                assertThat(r.header("X-Data-Source")).isEqualTo("live");
            }
            Response missing = given().baseUri(server.uri()).get("/missing");
            assertThat(missing.statusCode()).as("a 4xx is not a failure and passes unchanged").isEqualTo(404);
            assertThat(missing.header("X-Data-Source")).isEqualTo("live");
            await().atMost(Duration.ofSeconds(10)).until(() -> ASYNC_DONE.get() >= 1);
        }
    }

    @Test
    void hangingSyncAndAsyncResourcesAreAnsweredAtTheDeadline() throws Exception {
        try (TestServer server = server(YAML)) {
            // on: [circuit-open, error] leaves the timeout to Seawall's problem answer
            for (String path : new String[] {"/hang-sync", "/hang-async"}) {
                Response r = given().baseUri(server.uri()).get(path);
                RateLimitEndToEndTest.assertProblem(r, 503, "/timeout");
            }
            // the server keeps serving both kinds normally afterwards
            assertThat(given().baseUri(server.uri()).get("/sync/1").statusCode()).isEqualTo(200);
            assertThat(given().baseUri(server.uri()).get("/async/2").statusCode()).isEqualTo(200);
        }
    }
}
