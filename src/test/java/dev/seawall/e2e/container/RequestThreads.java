package dev.seawall.e2e.container;

import java.util.Locale;

/**
 * The threads a container runs requests on, chosen for the JVM by the system property {@value #PROPERTY}:
 * <ul>
 *   <li>{@link #PLATFORM} (unset or {@code false}): a pool of platform threads sized from
 *       {@link Deployment#maxThreads()};</li>
 *   <li>{@link #VIRTUAL} ({@code true}, JDK 21 or later): a virtual thread per task. Jetty keeps its
 *       {@code QueuedThreadPool} for the acceptor and the selector and hands requests to a {@code VirtualThreadPool}
 *       that runs at most {@link Deployment#workerThreads()} of them at once, as its platform pool would; Tomcat
 *       uses its {@code StandardVirtualThreadExecutor}, which has no such bound. Undertow 2.3 has no
 *       virtual-thread executor of its own and is not run on virtual threads ({@link ContainerKind#requestThreads()}
 *       refuses it).</li>
 * </ul>
 * The suite's code compiles for Java 17; what it needs of JDK 21 and later is reached through
 * {@link VirtualThreadProbes}. Thread-safe.
 */
public enum RequestThreads {
    PLATFORM, VIRTUAL;

    public static final String PROPERTY = "seawall.virtual-threads";

    /**
     * @return the threads this JVM's containers run requests on
     * @throws IllegalArgumentException if {@value #PROPERTY} is neither {@code true} nor {@code false}
     * @throws IllegalStateException    if it asks for virtual threads on a JDK before 21
     */
    public static RequestThreads current() {
        String value = System.getProperty(PROPERTY, "false").trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "false":
                return PLATFORM;
            case "true":
                if (!VirtualThreadProbes.supported()) {
                    throw new IllegalStateException("-D" + PROPERTY + "=true runs requests on virtual threads, which"
                            + " need JDK 21 or later, but this JVM is Java " + Runtime.version() + " ("
                            + System.getProperty("java.home") + "): run the virtual-threads profile with JAVA_HOME on"
                            + " a JDK 21 or later (CI uses Temurin 25)");
                }
                return VIRTUAL;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + System.getProperty(PROPERTY)
                        + " is neither true nor false");
        }
    }
}
