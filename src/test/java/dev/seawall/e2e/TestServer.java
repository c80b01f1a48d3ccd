package dev.seawall.e2e;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.security.Password;

import java.util.EnumSet;

/** A real Jetty 12 on 127.0.0.1 and a free port, for the end-to-end suite. */
final class TestServer implements AutoCloseable {

    static final String REALM = "seawall-e2e";

    private final Server server;
    private final ServerConnector connector;

    private TestServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Demo users of the BASIC realm: alice/alice-pw, bob/bob-pw, role {@code user}. */
    static HashLoginService loginService() {
        HashLoginService login = new HashLoginService(REALM);
        UserStore users = new UserStore();
        users.addUser("alice", new Password("alice-pw"), new String[] {"user"});
        users.addUser("bob", new Password("bob-pw"), new String[] {"user"});
        login.setUserStore(users);
        return login;
    }

    /** Deploys a webapp from a class-path directory holding a real {@code WEB-INF/web.xml}. */
    static TestServer webapp(String classpathDir) throws Exception {
        Server server = new Server();
        ServerConnector connector = connector(server);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setBaseResource(ResourceFactory.of(webapp).newClassLoaderResource(classpathDir));
        // classes come from the test class path, like an exploded war run from an IDE
        webapp.setParentLoaderPriority(true);
        webapp.getSecurityHandler().setLoginService(loginService());
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.start();
        return new TestServer(server, connector);
    }

    /** Registers a filter programmatically in front of {@link EchoServlet}, with BASIC auth on /user/*. */
    static TestServer programmatic(Filter filter) throws Exception {
        return programmatic(filter, new EchoServlet(), 200);
    }

    /**
     * Registers a filter (for the REQUEST and ASYNC dispatchers, as the throttle needs) in front of a servlet,
     * on a Jetty whose thread pool holds at most {@code maxThreads}.
     */
    static TestServer programmatic(Filter filter, jakarta.servlet.Servlet app, int maxThreads) throws Exception {
        return programmatic(filter, java.util.Map.of(), app, true, maxThreads);
    }

    /** As above, with filter init-params and a choice of whether the application is async-supported. */
    static TestServer programmatic(Filter filter, java.util.Map<String, String> initParams, jakarta.servlet.Servlet app,
                                   boolean asyncApp, int maxThreads) throws Exception {
        return stacked(java.util.List.of(java.util.Map.entry(filter, initParams)), app, asyncApp, maxThreads);
    }

    /** Several filters, outer first, each with its init-params, in front of a servlet: a web.xml stack. */
    static TestServer stacked(java.util.List<java.util.Map.Entry<Filter, java.util.Map<String, String>>> filters,
                              jakarta.servlet.Servlet app, boolean asyncApp, int maxThreads) throws Exception {
        org.eclipse.jetty.util.thread.QueuedThreadPool pool = new org.eclipse.jetty.util.thread.QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
        pool.setReservedThreads(0);
        Server server = new Server(pool);
        ServerConnector connector = connector(server);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SECURITY);
        context.setContextPath("/");
        org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler security =
                (org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler) context.getSecurityHandler();
        security.setLoginService(loginService());
        security.setAuthenticator(new org.eclipse.jetty.security.authentication.BasicAuthenticator());
        org.eclipse.jetty.ee10.servlet.security.ConstraintMapping mapping =
                new org.eclipse.jetty.ee10.servlet.security.ConstraintMapping();
        mapping.setPathSpec("/user/*");
        mapping.setConstraint(org.eclipse.jetty.security.Constraint.from("user"));
        security.addConstraintMapping(mapping);
        for (java.util.Map.Entry<Filter, java.util.Map<String, String>> f : filters) {
            FilterHolder holder = new FilterHolder(f.getKey());
            holder.setAsyncSupported(true);
            holder.setInitParameters(f.getValue());
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        ServletHolder appHolder = new ServletHolder(app);
        appHolder.setAsyncSupported(asyncApp);
        // initialised when the server starts, not by the first request, whose time a policy's timeout would count
        // (a Jersey ServletContainer builds its whole application in init)
        appHolder.setInitOrder(1);
        context.addServlet(appHolder, "/*");
        server.setHandler(context);
        server.start();
        return new TestServer(server, connector);
    }

    /**
     * {@code SeawallFilter} from init-params (as in {@code web.xml}) in front of {@link EchoServlet}, with the
     * {@code SeawallStatusServlet} at {@code /seawall/status} protected by {@code token}.
     */
    static TestServer withStatus(java.util.Map<String, String> filterParams, String token) throws Exception {
        Server server = new Server();
        ServerConnector connector = connector(server);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder holder = new FilterHolder(dev.seawall.servlet.SeawallFilter.class);
        holder.setAsyncSupported(true);
        holder.setInitParameters(filterParams);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder status = new ServletHolder(dev.seawall.servlet.SeawallStatusServlet.class);
        status.setInitParameter("token", token);
        context.addServlet(status, "/seawall/status");
        ServletHolder app = new ServletHolder(new EchoServlet());
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        server.setHandler(context);
        server.start();
        return new TestServer(server, connector);
    }

    /**
     * A Jersey application mounted at {@code /api/*} (initialised when the server starts, so a bad annotation fails
     * the start), behind the given Seawall filters (outer first; none for the feature alone).
     */
    static TestServer jersey(jakarta.ws.rs.core.Application app, java.util.List<Filter> filters, int maxThreads)
            throws Exception {
        org.eclipse.jetty.util.thread.QueuedThreadPool pool =
                new org.eclipse.jetty.util.thread.QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
        pool.setReservedThreads(0);
        Server server = new Server(pool);
        ServerConnector connector = connector(server);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        for (Filter f : filters) {
            FilterHolder holder = new FilterHolder(f);
            holder.setAsyncSupported(true);
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        ServletHolder jersey = new ServletHolder(new org.glassfish.jersey.servlet.ServletContainer(
                org.glassfish.jersey.server.ResourceConfig.forApplication(app)));
        jersey.setAsyncSupported(true);
        jersey.setInitOrder(1);
        context.addServlet(jersey, "/api/*");
        server.setHandler(context);
        server.start();
        return new TestServer(server, connector);
    }

    /** @return threads of the pool running a job now */
    int busyThreads() {
        return ((org.eclipse.jetty.util.thread.QueuedThreadPool) server.getThreadPool()).getBusyThreads();
    }

    private static ServerConnector connector(Server server) {
        // one acceptor and one selector: the tests size the thread pool tightly
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        return connector;
    }

    int port() {
        return connector.getLocalPort();
    }

    String uri() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
