package dev.seawall.e2e.container;

import java.util.Arrays;
import java.util.Locale;

/**
 * The containers the end-to-end suite runs on. A JVM runs one, chosen by the system property
 * {@value #PROPERTY} ({@code jetty} when unset); for Tomcat the version is whichever {@code tomcat-embed-core} is on
 * the class path. Only the chosen container's classes are loaded: the others may be missing from the class path.
 * Each runs requests on the threads {@link RequestThreads#current()} names. Thread-safe.
 */
public enum ContainerKind {
    JETTY, TOMCAT, UNDERTOW;

    public static final String PROPERTY = "seawall.container";

    /** @return the container this JVM runs the suite on */
    public static ContainerKind current() {
        String name = System.getProperty(PROPERTY, "jetty");
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + name + " names no container; one of "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT), e);
        }
    }

    /**
     * @return the threads this container runs requests on in this JVM ({@link RequestThreads#current()})
     * @throws IllegalStateException on Undertow with virtual threads, which it has no executor for
     */
    public RequestThreads requestThreads() {
        RequestThreads threads = RequestThreads.current();
        if (this == UNDERTOW && threads == RequestThreads.VIRTUAL) {
            throw new IllegalStateException("-D" + RequestThreads.PROPERTY + "=true: Undertow 2.3 has no"
                    + " virtual-thread executor of its own (DeploymentInfo.setExecutor can run requests on one, a"
                    + " configuration the suite does not test), so the suite runs it on platform threads only");
        }
        return threads;
    }

    /** Starts this container serving {@code deployment}; fails if a filter or an eagerly loaded servlet fails. */
    public ServletContainer start(Deployment deployment) throws Exception {
        RequestThreads threads = requestThreads();
        return switch (this) {
            case JETTY -> JettyContainer.start(deployment, threads);
            case TOMCAT -> TomcatContainer.start(deployment, threads);
            case UNDERTOW -> UndertowContainer.start(deployment);
        };
    }

    /**
     * Starts this container serving the web application in a class-path directory, from its {@code WEB-INF/web.xml}
     * (read by the container itself where it can read one); classes come from the test class path, like an exploded
     * war run from an IDE. Fails if a filter or an eagerly loaded servlet fails.
     */
    public ServletContainer startWebapp(String classpathDir) throws Exception {
        RequestThreads threads = requestThreads();
        return switch (this) {
            case JETTY -> JettyContainer.startWebapp(classpathDir, threads);
            case TOMCAT -> TomcatContainer.startWebapp(classpathDir, threads);
            case UNDERTOW -> UndertowContainer.start(WebXml.read(classpathDir));
        };
    }
}
