package dev.seawall.e2e.container;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.FilterMapping;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.ServletMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.security.Password;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

import java.util.EnumSet;

/**
 * Jetty 12 (ee10) with one acceptor and one selector on a sized pool. On {@link RequestThreads#VIRTUAL virtual
 * threads} the pool keeps the acceptor, the selector and Jetty's non-blocking tasks, and hands what may block (the
 * servlet dispatches) to a {@link VirtualThreadPool} that runs at most {@link Deployment#workerThreads()} tasks at
 * once, as its platform pool would. Thread-safe once started.
 */
final class JettyContainer implements ServletContainer {

    private final Server server;
    private final ServerConnector connector;

    private JettyContainer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    static ServletContainer start(Deployment d, RequestThreads threads) throws Exception {
        Server server = server(d.maxThreads(), threads);
        ServletContextHandler context = new ServletContextHandler(
                d.realm() == null ? ServletContextHandler.NO_SECURITY : ServletContextHandler.SECURITY);
        context.setContextPath("/");
        if (d.resources() != null) {
            context.setBaseResource(ResourceFactory.of(context).newClassLoaderResource(d.resources()));
        }
        if (d.realm() != null) {
            ConstraintSecurityHandler security = (ConstraintSecurityHandler) context.getSecurityHandler();
            security.setLoginService(loginService(d.realm()));
            security.setAuthenticator(new BasicAuthenticator());
            for (Deployment.Constraint c : d.constraints()) {
                ConstraintMapping mapping = new ConstraintMapping();
                mapping.setPathSpec(c.urlPattern());
                mapping.setConstraint(Constraint.from(c.role()));
                security.addConstraintMapping(mapping);
            }
        }
        ServletHandler handler = context.getServletHandler();
        for (Deployment.FilterSpec f : d.filters()) {
            FilterHolder holder = f.instance() != null ? new FilterHolder(f.instance()) : new FilterHolder(f.type());
            holder.setName(f.name());
            holder.setAsyncSupported(f.asyncSupported());
            holder.setInitParameters(f.initParams());
            FilterMapping mapping = new FilterMapping();
            mapping.setFilterName(f.name());
            mapping.setPathSpecs(f.urlPatterns().toArray(String[]::new));
            mapping.setDispatcherTypes(EnumSet.copyOf(f.dispatchers()));
            handler.addFilter(holder, mapping);
        }
        for (Deployment.ServletSpec s : d.servlets()) {
            ServletHolder holder = s.instance() != null ? new ServletHolder(s.instance()) : new ServletHolder(s.type());
            holder.setName(s.name());
            holder.setAsyncSupported(s.asyncSupported());
            holder.setInitParameters(s.initParams());
            if (s.loadOnStartup() >= 0) {
                holder.setInitOrder(s.loadOnStartup());
            }
            handler.addServlet(holder);
            ServletMapping mapping = new ServletMapping();
            mapping.setServletName(s.name());
            mapping.setPathSpecs(s.urlPatterns().toArray(String[]::new));
            handler.addServletMapping(mapping);
        }
        return started(server, context);
    }

    static ServletContainer startWebapp(String classpathDir, RequestThreads threads) throws Exception {
        Server server = server(Deployment.DEFAULT_MAX_THREADS, threads);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setBaseResource(ResourceFactory.of(webapp).newClassLoaderResource(classpathDir));
        webapp.setParentLoaderPriority(true);
        // the realm is named by the web.xml's login-config; Jetty finds the login service by that name
        webapp.getSecurityHandler().setLoginService(loginService(Deployment.REALM));
        webapp.setThrowUnavailableOnStartupException(true);
        return started(server, webapp);
    }

    private static Server server(int maxThreads, RequestThreads threads) {
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
        pool.setName(POOL_THREAD_PREFIX);
        pool.setReservedThreads(0);
        if (threads == RequestThreads.VIRTUAL) {
            VirtualThreadPool virtual = new VirtualThreadPool();
            virtual.setName(POOL_THREAD_PREFIX + "-virtual");
            virtual.setMaxConcurrentTasks(Deployment.workerThreads(maxThreads));
            virtual.setTracking(true); // getThreads() counts the live virtual threads, -1 without tracking
            pool.setVirtualThreadsExecutor(virtual);
        }
        return new Server(pool);
    }

    private static ServletContainer started(Server server, ServletContextHandler context) throws Exception {
        // one acceptor and one selector: the tests size the thread pool tightly
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new JettyContainer(server, connector);
    }

    private static HashLoginService loginService(String realm) {
        HashLoginService login = new HashLoginService(realm);
        UserStore users = new UserStore();
        Deployment.USERS.forEach((user, password) ->
                users.addUser(user, new Password(password), new String[] {Deployment.ROLE}));
        login.setUserStore(users);
        return login;
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    /**
     * The platform pool's busy threads (its acceptor and selector among them) and, on virtual threads, the live
     * virtual threads: each runs one task and ends, and those waiting for one of the pool's concurrent-task permits
     * are counted too.
     */
    @Override
    public int busyThreads() {
        QueuedThreadPool pool = (QueuedThreadPool) server.getThreadPool();
        int busy = pool.getBusyThreads();
        if (pool.getVirtualThreadsExecutor() instanceof VirtualThreadPool virtual) {
            busy += virtual.getThreads();
        }
        return busy;
    }

    @Override
    public String containerName() {
        return "jetty-" + Jetty.VERSION;
    }

    @Override
    public void stop() throws Exception {
        server.stop();
    }
}
