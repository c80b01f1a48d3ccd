package dev.seawall.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Threads a finished outbound call must not leave behind. */
final class Threads {

    /** The module's own classes (the test's waiting thread is in test classes, and is the caller). */
    private static final List<Class<?>> MAIN = List.of(SeawallHttpClient.class, SeawallClientFeature.class,
            SeawallRequestFilter.class, RequestBody.class, ChunkPipe.class, ClientResolver.class,
            TransportClients.class);

    private Threads() {
    }

    /**
     * @return the threads, other than the caller's and the scripted servers', that are inside this module's code or
     *         blocked reading a socket
     */
    /** The engine's own timer thread waits in Seawall's code between deadlines: it belongs to the engine. */
    private static boolean timer(StackTraceElement[] stack) {
        for (StackTraceElement f : stack) {
            if (f.getClassName().startsWith("dev.seawall.core.internal.timeout.DeadlineTimer")) {
                return true;
            }
        }
        return false;
    }

    static List<String> stuck() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            if (t == Thread.currentThread() || t.getName().startsWith("scripted-server") || timer(e.getValue())) {
                continue;
            }
            for (StackTraceElement f : e.getValue()) {
                String c = f.getClassName();
                boolean ours = MAIN.stream().anyMatch(m -> c.startsWith(m.getName()))
                        || c.startsWith("dev.seawall.core.");
                boolean reading = (c.contains("SocketInputStream") || c.contains("NioSocketImpl"))
                        && f.getMethodName().startsWith("read");
                if (ours || reading) {
                    out.add(t.getName() + " at " + f);
                    break;
                }
            }
        }
        return out;
    }
}
