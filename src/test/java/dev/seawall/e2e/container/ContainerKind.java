package dev.seawall.e2e.container;

import java.util.Arrays;
import java.util.Locale;

/**
 * The containers the end-to-end suite runs on. A JVM runs one, chosen by the system property
 * {@value #PROPERTY} ({@code jetty} when unset); for Tomcat the version is whichever {@code tomcat-embed-core} is on
 * the class path. Only the chosen container's classes are loaded: the others may be missing from the class path.
 * Thread-safe.
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

    /** Starts this container serving {@code deployment}; fails if a filter or an eagerly loaded servlet fails. */
    public ServletContainer start(Deployment deployment) throws Exception {
        return switch (this) {
            case JETTY -> JettyContainer.start(deployment);
            case TOMCAT -> TomcatContainer.start(deployment);
            case UNDERTOW -> UndertowContainer.start(deployment);
        };
    }

    /**
     * Starts this container serving the web application in a class-path directory, from its {@code WEB-INF/web.xml}
     * (read by the container itself where it can read one); classes come from the test class path, like an exploded
     * war run from an IDE. Fails if a filter or an eagerly loaded servlet fails.
     */
    public ServletContainer startWebapp(String classpathDir) throws Exception {
        return switch (this) {
            case JETTY -> JettyContainer.startWebapp(classpathDir);
            case TOMCAT -> TomcatContainer.startWebapp(classpathDir);
            case UNDERTOW -> UndertowContainer.start(WebXml.read(classpathDir));
        };
    }
}
