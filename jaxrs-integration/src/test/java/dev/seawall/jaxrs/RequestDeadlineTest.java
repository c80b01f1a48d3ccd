package dev.seawall.jaxrs;

import dev.seawall.core.timeout.Deadline;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MediaType;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request's {@link Deadline} around a resource method, in a Jersey application run in memory on the test's own
 * thread: bound while the method runs, gone once it returned (a response filter on the same thread sees none, and so
 * does the thread after the request), absent without a timeout; a caller's deadline header shortens it, never
 * lengthens it, and hostile values are ignored. Asynchronous methods and parked ones are covered end to end
 * ({@code JaxrsDeadlineEndToEndTest}).
 */
class RequestDeadlineTest {

    private ApplicationHandler app;

    @Path("/")
    @Produces(MediaType.TEXT_PLAIN)
    public static class Resource {
        @GET
        @Path("timed")
        @Timeout("5s")
        public String timed() {
            return left();
        }

        @GET
        @Path("caller")
        @Timeout(value = "5s", deadlineHeader = "X-Deadline-Ms")
        public String caller() {
            return left();
        }

        @GET
        @Path("untimed")
        @Throttle(maxConcurrent = 4)
        public String untimed() {
            return left();
        }
    }

    /** Runs after the method, on the same thread here. */
    public static class AfterMethod implements ContainerResponseFilter {
        @Override
        public void filter(ContainerRequestContext request, ContainerResponseContext response) {
            response.getHeaders().putSingle("X-After-Method", left());
        }
    }

    static String left() {
        Deadline d = Deadline.current();
        return d == null ? "none" : Long.toString(d.remaining().toMillis());
    }

    @BeforeEach
    void start() {
        app = new ApplicationHandler(new ResourceConfig(Resource.class).register(AfterMethod.class)
                .register(new SeawallFeature().remoteAddress(request -> "127.0.0.1")));
    }

    @AfterEach
    void stop() {
        app.onShutdown(null); // fires DESTROY_FINISHED: the feature stops its timer
    }

    private String[] get(String path, String... headers) throws Exception {
        ContainerRequest request = new ContainerRequest(URI.create("http://127.0.0.1/"),
                URI.create("http://127.0.0.1" + path), "GET", null, new MapPropertiesDelegate(),
                app.getConfiguration());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ContainerResponse response = app.apply(request, body).get(10, TimeUnit.SECONDS);
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(Deadline.current()).as("nothing stays bound on the thread after the request").isNull();
        return new String[] {body.toString(StandardCharsets.UTF_8), response.getHeaderString("X-After-Method")};
    }

    @Test
    void aTimedMethodRunsUnderItsDeadlineAndTheThreadKeepsNoneAfterIt() throws Exception {
        String[] r = get("/timed");
        assertThat(Long.parseLong(r[0])).isBetween(1L, 5000L);
        assertThat(r[1]).isEqualTo("none");
    }

    @Test
    void noDeadlineWithoutATimeout() throws Exception {
        assertThat(get("/untimed")[0]).isEqualTo("none");
    }

    @Test
    void aCallersShorterDeadlineShortensItAndALongerOneDoesNot() throws Exception {
        assertThat(Long.parseLong(get("/caller", "X-Deadline-Ms", "300")[0])).isBetween(0L, 300L);
        // the method cannot take 4.7 s here: a time left above 300 ms proves the longer value was not taken as is
        // and the policy's 5 s applied
        long longer = Long.parseLong(get("/caller", "X-Deadline-Ms", "60000")[0]);
        assertThat(longer).isBetween(301L, 5000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "+5", "5.0", "0x10", "abc", "12345678901", "", "1,2"})
    void hostileCallerDeadlinesAreIgnored(String value) throws Exception {
        assertThat(Long.parseLong(get("/caller", "X-Deadline-Ms", value)[0])).isBetween(301L, 5000L);
    }

    @Test
    void aDeadlineAlreadyBoundThatIsEarlierIsKept() throws Exception {
        Deadline outer = Deadline.after(java.time.Duration.ofMillis(200), dev.seawall.core.time.NanoClock.system());
        try (Deadline.Scope ignored = outer.bind()) {
            ContainerRequest request = new ContainerRequest(URI.create("http://127.0.0.1/"),
                    URI.create("http://127.0.0.1/timed"), "GET", null, new MapPropertiesDelegate(),
                    app.getConfiguration());
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            app.apply(request, body).get(10, TimeUnit.SECONDS);
            assertThat(Long.parseLong(body.toString(StandardCharsets.UTF_8))).as("the outer, earlier deadline")
                    .isBetween(0L, 200L);
            assertThat(Deadline.current()).as("the outer binding is restored").isSameAs(outer);
        }
    }
}
