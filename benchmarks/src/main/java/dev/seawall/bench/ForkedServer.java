package dev.seawall.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One side-by-side setup's server in a JVM of its own, as JMH forks a JVM per benchmark: in one shared JVM the JIT
 * compiles Jetty's request path (header fields, the filter chain, the output stream) with type profiles mixed from
 * every setup, so one setup's code shapes another's and the result depends on which setups ran before. The parent
 * (the load client) talks to the child over its standard input and output, one line per command:
 * <ul>
 *   <li>the child prints {@code ready <port>} once its Jetty listens on 127.0.0.1;</li>
 *   <li>{@code cpu} answers the child's process CPU time in ns (all its threads: Jetty, GC, JIT);</li>
 *   <li>{@code heap} runs a full GC and answers the used heap in bytes;</li>
 *   <li>{@code quit} (or the end of its input) stops Jetty and exits.</li>
 * </ul>
 * The child's log goes to the parent's standard error at WARN.
 *
 * <p>Parent side: not thread-safe; one thread drives a {@link ForkedServer}.
 */
final class ForkedServer implements SideBySideBenchmark.Server {

    private static final String READY = "ready ";
    private static final long START_TIMEOUT_SECONDS = 60;
    /** A {@code cpu} or {@code heap} answer takes milliseconds (a full GC of a 3 GiB heap, a second or two). */
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    private final Process process;
    private final BufferedReader in;
    private final Writer out;
    private final int port;
    private final String label;

    private ForkedServer(Process process, String label) throws IOException {
        this.process = process;
        this.label = label;
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        this.out = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        this.port = Integer.parseInt(within(process, START_TIMEOUT_SECONDS, TimeUnit.SECONDS, () -> expect(READY)));
    }

    /** A read of the child's answer. */
    interface Answer<T> {
        T read() throws IOException;
    }

    /**
     * Reads an answer of {@code child}, stopping the child if none came within the timeout: a hung child would block
     * the read (and the whole run) forever, while a stopped one ends its output, which turns the wait into an error.
     */
    static <T> T within(Process child, long timeout, TimeUnit unit, Answer<T> answer) throws IOException {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CompletableFuture.runAsync(() -> {
            if (done.compareAndSet(false, true)) {
                child.destroyForcibly();
            }
        }, java.util.concurrent.CompletableFuture.delayedExecutor(timeout, unit));
        try {
            return answer.read();
        } finally {
            done.set(true); // a watchdog that has not fired yet does nothing
        }
    }

    /**
     * Starts {@code setup} in a new JVM: the same {@code java} binary and class path as this one, with
     * {@code jvmArgs} (heap size and whatever a profiler needs; {@code {setup}} in them becomes the setup's label).
     */
    static ForkedServer start(SideBySideBenchmark.Setup setup, boolean low, int lowLimit, List<String> jvmArgs)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String a : jvmArgs) {
            cmd.add(a.replace("{setup}", setup.label));
        }
        cmd.addAll(Arrays.asList("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), ForkedServer.class.getName(), setup.label,
                Boolean.toString(low), Integer.toString(lowLimit)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            return new ForkedServer(p, setup.label);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public long cpuNanos() throws IOException {
        return Long.parseLong(ask("cpu"));
    }

    @Override
    public long usedHeapAfterGc() throws IOException {
        return Long.parseLong(ask("heap"));
    }

    private String ask(String command) throws IOException {
        out.write(command + "\n");
        out.flush();
        return within(process, COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS, () -> expect(""));
    }

    /** The next protocol line (lines a library printed on standard output are skipped), without {@code prefix}. */
    private String expect(String prefix) throws IOException {
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("the " + label + " server process ended (exit code " + exitCode()
                        + "; stopped if it was not listening within " + START_TIMEOUT_SECONDS
                        + " s or did not answer a command within " + COMMAND_TIMEOUT_SECONDS
                        + " s); its standard error above says why");
            }
            if (line.startsWith("@" + prefix)) {
                return line.substring(1 + prefix.length()).trim();
            }
        }
    }

    private String exitCode() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.write("quit\n");
            out.flush();
            out.close();
        } catch (IOException gone) {
            // already exited: nothing to stop
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Child side: {@code ForkedServer <setup> <low> <low-limit>}. Protocol lines start with {@code @}. */
    public static void main(String[] args) throws Exception {
        PrintStream protocol = System.out;
        // nothing else may write protocol lines: a library printing to standard output goes to standard error
        System.setOut(System.err);
        SideBySideBenchmark.Setup setup = SideBySideBenchmark.Setup.of(args[0]);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var mem = ManagementFactory.getMemoryMXBean();
        try (Loopback.Started started = SideBySideBenchmark.start(setup, Boolean.parseBoolean(args[1]),
                Integer.parseInt(args[2]))) {
            protocol.println("@" + READY + started.port());
            protocol.flush();
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            String line;
            while ((line = commands.readLine()) != null && !line.equals("quit")) {
                switch (line) {
                    case "cpu" -> protocol.println("@" + os.getProcessCpuTime());
                    case "heap" -> {
                        System.gc();
                        protocol.println("@" + mem.getHeapMemoryUsage().getUsed());
                    }
                    default -> protocol.println("@error unknown command");
                }
                protocol.flush();
            }
        }
        System.exit(0);
    }
}
