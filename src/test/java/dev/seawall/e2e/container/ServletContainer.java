package dev.seawall.e2e.container;

/**
 * A started servlet container serving one {@link Deployment} on 127.0.0.1 and a free port; {@link ContainerKind}
 * starts one. Implementations are thread-safe: tests read {@link #busyThreads()} while requests run.
 */
public interface ServletContainer {

    /**
     * The prefix of the names of the threads of the container's request pool, which come and go with the load (on
     * Jetty the pool also runs the acceptor and the selector; Undertow's I/O threads carry its worker's name too), and
     * of the virtual threads that run requests on {@link RequestThreads#VIRTUAL}.
     */
    String POOL_THREAD_PREFIX = "e2e-pool";

    /** @return the port it listens on */
    int port();

    /**
     * @return threads of the request pool running a request now (on Jetty its acceptor and selector, which are jobs
     *     of that pool, are counted too), and on {@link RequestThreads#VIRTUAL} the virtual threads alive to run one:
     *     compare it with an earlier reading of the same container, not a constant
     */
    int busyThreads();

    /** @return the container and its version, e.g. {@code tomcat-10.1.52} */
    String containerName();

    /** Stops the server and frees what it held. */
    void stop() throws Exception;
}
