package dev.seawall.e2e.container;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.PlatformManagedObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the suite reads of virtual threads through APIs newer than Java 17, which the suite compiles for: they are
 * looked up reflectively once, and each method says which JDK it needs. Stateless, so thread-safe.
 */
public final class VirtualThreadProbes {

    private static final MethodHandle IS_VIRTUAL = isVirtualMethod();

    private VirtualThreadProbes() {
    }

    /** @return whether this JVM has virtual threads as a final feature (JDK 21 or later) */
    public static boolean supported() {
        return Runtime.version().feature() >= 21;
    }

    /** @return whether {@code thread} is a virtual thread; {@code false} on a JDK without them */
    public static boolean isVirtual(Thread thread) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable e) {
            throw new IllegalStateException("Thread.isVirtual", e);
        }
    }

    /**
     * Counts the live threads, platform and virtual, whose name starts with {@code prefix}, from a JSON thread dump
     * ({@code HotSpotDiagnosticMXBean.dumpThreads}, JDK 21 or later). Unlike {@code ThreadMXBean}, which knows only
     * platform threads, the dump lists every virtual thread started with the {@code Thread} API (the root container
     * tracks them, {@code -Djdk.trackAllThreads}, on by default). Costs a dump of every thread to a temporary file.
     */
    public static int liveThreadsNamed(String prefix) {
        Path file = null;
        try {
            Class<?> format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
            Object json = format.getField("JSON").get(null);
            file = Files.createTempFile("e2e-threads", ".json");
            Files.delete(file); // dumpThreads refuses to overwrite a file
            HotSpotDiagnosticMXBean.class.getMethod("dumpThreads", String.class, format)
                    .invoke(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class), file.toString(), json);
            Matcher names = Pattern.compile("\"name\"\\s*:\\s*\"" + Pattern.quote(prefix)).matcher(Files.readString(file));
            int n = 0;
            while (names.find()) {
                n++;
            }
            return n;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("a JSON thread dump needs JDK 21 or later; this is " + Runtime.version(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }

    /**
     * The default scheduler of virtual threads as its MXBean reports it (JDK 24 or later).
     *
     * @param parallelism the carriers it aims to keep busy
     * @param poolSize    its carrier threads, started or not busy (it adds some while a virtual thread pins one)
     * @param mounted     an estimate of the virtual threads mounted on a carrier now: a virtual thread that waits
     *                    unmounts, one that waits pinned keeps its carrier
     */
    public record Scheduler(int parallelism, int poolSize, int mounted) {
    }

    /** @return the scheduler's figures now, or empty on a JDK before 24, which has no MXBean for it */
    public static Optional<Scheduler> scheduler() {
        Class<? extends PlatformManagedObject> type;
        try {
            type = Class.forName("jdk.management.VirtualThreadSchedulerMXBean")
                    .asSubclass(PlatformManagedObject.class);
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        }
        try {
            Object bean = ManagementFactory.getPlatformMXBean(type);
            return Optional.of(new Scheduler((Integer) type.getMethod("getParallelism").invoke(bean),
                    (Integer) type.getMethod("getPoolSize").invoke(bean),
                    (Integer) type.getMethod("getMountedVirtualThreadCount").invoke(bean)));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("VirtualThreadSchedulerMXBean", e);
        }
    }

    private static MethodHandle isVirtualMethod() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }
}
