package dev.seawall.e2e.container;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the end-to-end suite deploys, independent of any container: filters (in chain order) and servlets, each
 * given either as an instance (the test keeps a handle on it) or as a class the container instantiates, with
 * init-params, async support and mappings; optional BASIC authentication over the fixed test users
 * ({@link #USERS}, all in role {@link #ROLE}); the size of the request thread pool; and optionally a class-path
 * directory served as the web application's resources ({@code ServletContext.getResource}). One context at
 * {@code /}. Immutable, so thread-safe; the filter and servlet instances it holds are the application's.
 *
 * @param filters     in the order they wrap the request, outermost first
 * @param realm       the BASIC realm of the login configuration, or {@code null} for no authentication
 * @param maxThreads  the request pool's size as Jetty counts it, see {@link #workerThreads()}
 * @param resources   a class-path directory, or {@code null}
 */
public record Deployment(List<FilterSpec> filters, List<ServletSpec> servlets, List<Constraint> constraints,
                         String realm, int maxThreads, String resources) {

    /** The realm of the suite's BASIC authentication (the web.xml files name it too). */
    public static final String REALM = "seawall-e2e";
    /** The only role of the test users. */
    public static final String ROLE = "user";
    /** The test users and their passwords, all in {@link #ROLE}. */
    public static final Map<String, String> USERS = Map.of("alice", "alice-pw", "bob", "bob-pw");
    /** Jetty's own default pool size, used when a test does not size the pool. */
    public static final int DEFAULT_MAX_THREADS = 200;
    /** Jetty's acceptor and selector: jobs of its request pool, threads of their own elsewhere. */
    private static final int JETTY_NON_REQUEST_THREADS = 2;

    public Deployment {
        filters = List.copyOf(filters);
        servlets = List.copyOf(servlets);
        constraints = List.copyOf(constraints);
        if (!constraints.isEmpty() && realm == null) {
            throw new IllegalArgumentException("constraints " + constraints + " need a realm to authenticate in");
        }
        if (maxThreads <= JETTY_NON_REQUEST_THREADS) {
            throw new IllegalArgumentException("maxThreads must be above " + JETTY_NON_REQUEST_THREADS + ": "
                    + maxThreads);
        }
    }

    /**
     * Threads a container other than Jetty gives its request pool: {@code maxThreads} less Jetty's acceptor and
     * selector, which run as jobs of Jetty's pool while Tomcat's acceptor and poller and Undertow's I/O thread have
     * threads of their own. So the same number of requests can run at once on every container.
     */
    public int workerThreads() {
        return workerThreads(maxThreads);
    }

    /** As {@link #workerThreads()}, for a pool of {@code maxThreads} as Jetty counts it. */
    public static int workerThreads(int maxThreads) {
        return maxThreads - JETTY_NON_REQUEST_THREADS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A filter definition with its mappings.
     *
     * @param instance    the filter the container must use, or {@code null} to let it instantiate {@code type}
     * @param urlPatterns servlet URL patterns it is mapped to
     * @param dispatchers the dispatches it sees on those patterns; none means REQUEST, as in web.xml
     */
    public record FilterSpec(String name, Class<? extends Filter> type, Filter instance, Map<String, String> initParams,
                             boolean asyncSupported, List<String> urlPatterns, Set<DispatcherType> dispatchers) {
        public FilterSpec {
            initParams = Map.copyOf(initParams);
            urlPatterns = List.copyOf(urlPatterns);
            dispatchers = dispatchers.isEmpty() ? Set.of(DispatcherType.REQUEST) : Set.copyOf(dispatchers);
            checkInstance(name, type, instance);
        }
    }

    /**
     * A servlet definition with its mappings.
     *
     * @param instance      the servlet the container must use, or {@code null} to let it instantiate {@code type}
     * @param loadOnStartup the start-up order, negative to initialise it on its first request
     */
    public record ServletSpec(String name, Class<? extends Servlet> type, Servlet instance,
                              Map<String, String> initParams, boolean asyncSupported, int loadOnStartup,
                              List<String> urlPatterns) {
        public ServletSpec {
            initParams = Map.copyOf(initParams);
            urlPatterns = List.copyOf(urlPatterns);
            checkInstance(name, type, instance);
        }
    }

    /** Requests matching {@code urlPattern} (all methods) need an authenticated user in {@code role}. */
    public record Constraint(String urlPattern, String role) {
    }

    private static void checkInstance(String name, Class<?> type, Object instance) {
        if (instance != null && !type.isInstance(instance)) {
            throw new IllegalArgumentException(name + ": " + instance.getClass().getName() + " is not a "
                    + type.getName());
        }
    }

    /** Collects a deployment; not thread-safe. */
    public static final class Builder {
        private final List<FilterSpec> filters = new ArrayList<>();
        private final List<ServletSpec> servlets = new ArrayList<>();
        private final List<Constraint> constraints = new ArrayList<>();
        private String realm;
        private int maxThreads = DEFAULT_MAX_THREADS;
        private String resources;

        private Builder() {
        }

        public Builder filter(FilterSpec filter) {
            filters.add(filter);
            return this;
        }

        /** A filter instance, async-supported, on {@code /*} for the REQUEST and ASYNC dispatches, as Seawall needs. */
        public Builder filter(Filter filter, Map<String, String> initParams) {
            return filter(new FilterSpec("filter-" + filters.size(), filter.getClass(), filter, initParams, true,
                    List.of("/*"), EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC)));
        }

        public Builder servlet(ServletSpec servlet) {
            servlets.add(servlet);
            return this;
        }

        /** A servlet instance without init-params. */
        public Builder servlet(String name, Servlet servlet, boolean asyncSupported, int loadOnStartup,
                               String... urlPatterns) {
            return servlet(new ServletSpec(name, servlet.getClass(), servlet, Map.of(), asyncSupported, loadOnStartup,
                    List.of(urlPatterns)));
        }

        public Builder constraint(String urlPattern, String role) {
            constraints.add(new Constraint(urlPattern, role));
            return this;
        }

        /** BASIC authentication in {@code realm} against {@link #USERS}. */
        public Builder basicAuth(String realm) {
            this.realm = realm;
            return this;
        }

        public Builder maxThreads(int maxThreads) {
            this.maxThreads = maxThreads;
            return this;
        }

        public Builder resources(String classpathDir) {
            this.resources = classpathDir;
            return this;
        }

        public Deployment build() {
            return new Deployment(filters, servlets, constraints, realm, maxThreads, resources);
        }
    }
}
