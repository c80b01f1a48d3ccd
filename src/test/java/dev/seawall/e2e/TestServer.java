package dev.seawall.e2e;

import dev.seawall.e2e.container.ContainerKind;
import dev.seawall.e2e.container.Deployment;
import dev.seawall.e2e.container.ServletContainer;
import dev.seawall.servlet.SeawallFilter;
import dev.seawall.servlet.SeawallStatusServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import jakarta.ws.rs.core.Application;
import org.glassfish.jersey.server.ResourceConfig;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * A real servlet container on 127.0.0.1 and a free port, for the end-to-end suite: the one this JVM runs the suite
 * on ({@link #container()}: Jetty, Tomcat or Undertow, chosen by {@code -Dseawall.container}). The factories
 * describe what to deploy; {@link ContainerKind} starts it. Thread-safe once started.
 */
final class TestServer implements AutoCloseable {

    /** The prefix of the names of the container's request pool threads, which come and go with the load. */
    static final String POOL_THREADS = ServletContainer.POOL_THREAD_PREFIX;

    private final ServletContainer server;

    private TestServer(ServletContainer server) {
        this.server = server;
    }

    /**
     * The container this JVM runs the suite on. Tests branch on it only where containers legitimately differ, and
     * say why at the branch.
     */
    static ContainerKind container() {
        return ContainerKind.current();
    }

    /**
     * The status with which the container itself, before any filter runs, refuses header lines beyond its limits (too
     * large or too many): RFC 6585's 431 on Jetty, a plain 400 on Tomcat and Undertow. Containers legitimately differ
     * here; a test that meets this status should also check that the refusal is not Seawall's problem answer.
     */
    static int headerLimitStatus() {
        return container() == ContainerKind.JETTY ? 431 : 400;
    }

    /** Starts a deployment described in full (several servlets, each with its own async support). */
    static TestServer start(Deployment deployment) throws Exception {
        return new TestServer(container().start(deployment));
    }

    /** Deploys a webapp from a class-path directory holding a real {@code WEB-INF/web.xml}. */
    static TestServer webapp(String classpathDir) throws Exception {
        return new TestServer(container().startWebapp(classpathDir));
    }

    /** Registers a filter programmatically in front of {@link EchoServlet}, with BASIC auth on /user/*. */
    static TestServer programmatic(Filter filter) throws Exception {
        return programmatic(filter, new EchoServlet(), 200);
    }

    /**
     * Registers a filter (for the REQUEST and ASYNC dispatchers, as the throttle needs) in front of a servlet,
     * on a container whose request pool holds at most {@code maxThreads} (counted as Jetty counts its pool, which also
     * runs the acceptor and the selector: see {@link Deployment#workerThreads()}).
     */
    static TestServer programmatic(Filter filter, Servlet app, int maxThreads) throws Exception {
        return programmatic(filter, Map.of(), app, true, maxThreads);
    }

    /** As above, with filter init-params and a choice of whether the application is async-supported. */
    static TestServer programmatic(Filter filter, Map<String, String> initParams, Servlet app, boolean asyncApp,
                                   int maxThreads) throws Exception {
        return stacked(List.of(Map.entry(filter, initParams)), app, asyncApp, maxThreads);
    }

    /**
     * Several filters, outer first, each with its init-params, in front of a servlet: a web.xml stack. BASIC auth
     * (alice/alice-pw, bob/bob-pw) guards /user/*.
     */
    static TestServer stacked(List<Map.Entry<Filter, Map<String, String>>> filters, Servlet app, boolean asyncApp,
                              int maxThreads) throws Exception {
        Deployment.Builder d = Deployment.builder().maxThreads(maxThreads)
                .basicAuth(Deployment.REALM).constraint("/user/*", Deployment.ROLE);
        filters.forEach(f -> d.filter(f.getKey(), f.getValue()));
        // initialised when the server starts, not by the first request, whose time a policy's timeout would count
        // (a Jersey ServletContainer builds its whole application in init)
        d.servlet("app", app, asyncApp, 1, "/*");
        return start(d.build());
    }

    /**
     * {@code SeawallFilter} from init-params (as in {@code web.xml}) in front of {@link EchoServlet}, with the
     * {@code SeawallStatusServlet} at {@code /seawall/status} protected by {@code token}.
     */
    static TestServer withStatus(Map<String, String> filterParams, String token) throws Exception {
        return start(Deployment.builder()
                .filter(new Deployment.FilterSpec("seawall", SeawallFilter.class, null, filterParams, true,
                        List.of("/*"), EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC)))
                .servlet(new Deployment.ServletSpec("status", SeawallStatusServlet.class, null, Map.of("token", token),
                        false, -1, List.of("/seawall/status")))
                .servlet("app", new EchoServlet(), true, -1, "/*")
                .build());
    }

    /**
     * A Jersey application mounted at {@code /api/*} (initialised when the server starts, so a bad annotation fails
     * the start), behind the given Seawall filters (outer first; none for the feature alone).
     */
    static TestServer jersey(Application app, List<Filter> filters, int maxThreads) throws Exception {
        Deployment.Builder d = Deployment.builder().maxThreads(maxThreads);
        filters.forEach(f -> d.filter(f, Map.of()));
        d.servlet("jersey", new org.glassfish.jersey.servlet.ServletContainer(ResourceConfig.forApplication(app)),
                true, 1, "/api/*");
        return start(d.build());
    }

    /**
     * @return threads of the request pool running a request now, virtual threads included; compare with an earlier
     *     reading (see {@link ServletContainer#busyThreads()})
     */
    int busyThreads() {
        return server.busyThreads();
    }

    /** @return the container and its version, e.g. {@code tomcat-10.1.52} */
    String containerName() {
        return server.containerName();
    }

    int port() {
        return server.port();
    }

    String uri() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
