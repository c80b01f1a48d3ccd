package dev.seawall.e2e.container;

import jakarta.servlet.DispatcherType;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Loader;
import org.apache.catalina.Wrapper;
import org.apache.catalina.authenticator.BasicAuthenticator;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardThreadExecutor;
import org.apache.catalina.core.StandardVirtualThreadExecutor;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.descriptor.web.LoginConfig;
import org.apache.tomcat.util.descriptor.web.SecurityCollection;
import org.apache.tomcat.util.descriptor.web.SecurityConstraint;
import org.apache.tomcat.util.scan.StandardJarScanner;

import java.beans.PropertyChangeListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Embedded Tomcat (10.1 or 11, whichever {@code tomcat-embed-core} is on the class path: only API present in both
 * is used) with an NIO connector whose requests run on a sized executor (on {@link RequestThreads#VIRTUAL virtual
 * threads}: Tomcat's {@link StandardVirtualThreadExecutor}, a virtual thread per task and no bound on how many), and
 * error pages without exception reports or server version (as Tomcat's security guide advises for production; Jetty's
 * show neither). Tomcat does not throw when a filter or a servlet of a context fails to start, it logs the error and
 * leaves the context unavailable: start-up checks the context's state and throws with the logged error. Thread-safe
 * once started.
 */
final class TomcatContainer implements ServletContainer {

    /**
     * Every server's base directory lives in this one. Tomcat reads {@code catalina.home} from the system property of
     * that name, which the first server would otherwise set to its own base directory and every later one re-create
     * after the first has deleted it.
     */
    private static final Path HOME = home();

    /** The name prefix of the virtual threads running requests: a thread of Tomcat's executor runs one task and ends. */
    private static final String VIRTUAL_THREAD_PREFIX = POOL_THREAD_PREFIX + "-virtual-";

    private final Tomcat tomcat = new Tomcat();
    /** The sized platform pool, or {@code null} on virtual threads. */
    private final StandardThreadExecutor pool;
    private final Connector connector = new Connector("HTTP/1.1");
    private final Path baseDir;
    private Context context;

    private TomcatContainer(int workerThreads, RequestThreads threads) throws IOException {
        baseDir = Files.createTempDirectory(HOME, "server");
        tomcat.setBaseDir(baseDir.toString());
        for (Map.Entry<String, String> user : Deployment.USERS.entrySet()) {
            tomcat.addUser(user.getKey(), user.getValue());
            tomcat.addRole(user.getKey(), Deployment.ROLE);
        }
        org.apache.catalina.Executor executor;
        if (threads == RequestThreads.VIRTUAL) {
            StandardVirtualThreadExecutor virtual = new StandardVirtualThreadExecutor();
            virtual.setName("e2e-requests");
            virtual.setNamePrefix(VIRTUAL_THREAD_PREFIX);
            executor = virtual;
            pool = null;
        } else {
            pool = new StandardThreadExecutor();
            pool.setName("e2e-requests");
            pool.setNamePrefix(POOL_THREAD_PREFIX + "-");
            pool.setMaxThreads(workerThreads);
            pool.setMinSpareThreads(Math.min(8, workerThreads));
            executor = pool;
        }
        tomcat.getService().addExecutor(executor);
        connector.setProperty("address", "127.0.0.1");
        connector.setPort(0);
        connector.getProtocolHandler().setExecutor(executor);
        tomcat.setConnector(connector);
        ErrorReportValve errorPages = new ErrorReportValve();
        errorPages.setShowReport(false);
        errorPages.setShowServerInfo(false);
        // the host adds its own error report valve only when its pipeline has none
        tomcat.getHost().getPipeline().addValve(errorPages);
    }

    static ServletContainer start(Deployment d, RequestThreads threads) throws Exception {
        String docBase = d.resources() == null ? null : directory(d.resources());
        TomcatContainer server = new TomcatContainer(d.workerThreads(), threads);
        Context ctx = server.tomcat.addContext("", docBase);
        ctx.setLoader(new TestClassPathLoader());
        server.context = ctx;
        if (d.realm() != null) {
            ctx.setLoginConfig(new LoginConfig("BASIC", d.realm(), null, null));
            // without a web.xml no ContextConfig installs the authenticator the login configuration names
            ctx.getPipeline().addValve(new BasicAuthenticator());
            for (Deployment.Constraint c : d.constraints()) {
                SecurityCollection urls = new SecurityCollection();
                urls.addPatternDecoded(c.urlPattern());
                SecurityConstraint constraint = new SecurityConstraint();
                constraint.addCollection(urls);
                constraint.addAuthRole(c.role());
                ctx.addConstraint(constraint);
                ctx.addSecurityRole(c.role());
            }
        }
        for (Deployment.FilterSpec f : d.filters()) {
            FilterDef def = new FilterDef();
            def.setFilterName(f.name());
            def.setFilterClass(f.type().getName());
            def.setFilter(f.instance());
            def.setAsyncSupported(Boolean.toString(f.asyncSupported()));
            f.initParams().forEach(def::addInitParameter);
            ctx.addFilterDef(def);
            FilterMap map = new FilterMap();
            map.setFilterName(f.name());
            f.urlPatterns().forEach(map::addURLPatternDecoded);
            for (DispatcherType type : f.dispatchers()) {
                map.setDispatcher(type.name());
            }
            ctx.addFilterMap(map);
        }
        for (Deployment.ServletSpec s : d.servlets()) {
            Wrapper wrapper = s.instance() != null ? Tomcat.addServlet(ctx, s.name(), s.instance())
                    : Tomcat.addServlet(ctx, s.name(), s.type().getName());
            wrapper.setAsyncSupported(s.asyncSupported());
            wrapper.setLoadOnStartup(s.loadOnStartup());
            s.initParams().forEach(wrapper::addInitParameter);
            for (String pattern : s.urlPatterns()) {
                ctx.addServletMappingDecoded(pattern, s.name());
            }
        }
        return server.started();
    }

    static ServletContainer startWebapp(String classpathDir, RequestThreads threads) throws Exception {
        String docBase = directory(classpathDir);
        TomcatContainer server = new TomcatContainer(Deployment.workerThreads(Deployment.DEFAULT_MAX_THREADS),
                threads);
        // no default web.xml: it maps Jasper's JSP servlet, which is not on the class path
        server.tomcat.setAddDefaultWebXmlToWebapp(false);
        Context ctx = server.tomcat.addWebapp("", docBase);
        server.context = ctx;
        // a webapp class loader whose classes come from the test class path first, like Jetty's parent-loader priority
        ((StandardContext) ctx).setDelegate(true);
        ctx.setParentClassLoader(TomcatContainer.class.getClassLoader());
        // the webapp is its directory: do not scan the whole test class path for fragments and annotations
        ((StandardJarScanner) ctx.getJarScanner()).setScanClassPath(false);
        return server.started();
    }

    private ServletContainer started() throws Exception {
        ((StandardContext) context).setFailCtxIfServletStartFails(true);
        StartUpErrors errors = new StartUpErrors();
        Logger catalina = Logger.getLogger("org.apache.catalina");
        catalina.addHandler(errors);
        try {
            tomcat.start();
            if (context.getState() != LifecycleState.STARTED || connector.getState() != LifecycleState.STARTED) {
                throw errors.failure(containerName() + " did not start: context " + context.getState()
                        + ", connector " + connector.getState());
            }
            return this;
        } catch (Exception e) {
            stop();
            throw e;
        } finally {
            catalina.removeHandler(errors);
        }
    }

    private static Path home() {
        try {
            Path home = Files.createTempDirectory("e2e-tomcat");
            home.toFile().deleteOnExit(); // empty by then: each server deletes its base directory when it stops
            System.setProperty("catalina.home", home.toString());
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The test class path as the class loader of a context deployed in code, as Jetty's and Undertow's are. Tomcat's
     * own webapp class loader would become the context class loader of every thread the application starts from a
     * request (a test's shared executor does), and refuses to load anything once its server has stopped, failing
     * those threads' later work. Confined to its context, which sets it once before starting.
     */
    private static final class TestClassPathLoader implements Loader {
        private Context context;

        @Override
        public ClassLoader getClassLoader() {
            return TomcatContainer.class.getClassLoader();
        }

        @Override
        public Context getContext() {
            return context;
        }

        @Override
        public void setContext(Context context) {
            this.context = context;
        }

        @Override
        public boolean getDelegate() {
            return true;
        }

        @Override
        public void setDelegate(boolean delegate) {
            // always the test class path
        }

        @Override
        public boolean modified() {
            return false;
        }

        @Override
        public void backgroundProcess() {
        }

        @Override
        public void addPropertyChangeListener(PropertyChangeListener listener) {
        }

        @Override
        public void removePropertyChangeListener(PropertyChangeListener listener) {
        }
    }

    /** The errors Tomcat logs while it starts, which it does not throw. */
    private static final class StartUpErrors extends Handler {
        private final List<LogRecord> records = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                records.add(record);
            }
        }

        synchronized IllegalStateException failure(String what) {
            StringBuilder message = new StringBuilder(what);
            Throwable cause = null;
            for (LogRecord r : records) {
                message.append("; ").append(r.getMessage());
                cause = cause == null ? r.getThrown() : cause;
            }
            return new IllegalStateException(message.toString(), cause);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static String directory(String classpathDir) throws URISyntaxException {
        URL url = TomcatContainer.class.getClassLoader().getResource(classpathDir);
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalArgumentException(classpathDir + " is not a directory on the class path: " + url);
        }
        return Path.of(url.toURI()).toString();
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    /**
     * The platform pool's active threads or, on virtual threads, the live ones Tomcat's executor started (it has no
     * count of its own): they are counted in a JSON thread dump, by name.
     */
    @Override
    public int busyThreads() {
        return pool != null ? pool.getActiveCount() : VirtualThreadProbes.liveThreadsNamed(VIRTUAL_THREAD_PREFIX);
    }

    @Override
    public String containerName() {
        // getServerNumber() has four parts, e.g. 10.1.52.0
        String[] number = ServerInfo.getServerNumber().split("\\.");
        return "tomcat-" + String.join(".", List.of(number).subList(0, Math.min(3, number.length)));
    }

    @Override
    public void stop() throws Exception {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            try (Stream<Path> files = Files.walk(baseDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
