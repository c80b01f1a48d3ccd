package dev.seawall.bench;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The one loopback server and the one load client the load benchmarks share: a Jetty 12 bound to 127.0.0.1
 * only, and closed-loop keep-alive HTTP/1.1 clients on raw sockets in the same JVM. A raw-socket client is
 * used because a full HTTP client (JDK {@code HttpClient}, Jetty's client) costs more CPU per request than the
 * trivial endpoint itself and would starve the server of the two cores it shares with the load generator.
 *
 * <p>Not thread-safe as a whole: call {@link #drive} from one thread at a time; a {@link Server} returned by
 * {@link #start} is Jetty's and as thread-safe as Jetty makes it.
 */
public final class Loopback {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Loopback.class);

    /** Latency histogram resolution: 1 µs buckets up to 100 ms; slower answers land in the last bucket. */
    private static final int HISTOGRAM_MICROS = 100_000;

    private Loopback() {
    }

    /** The trivial endpoint: a few bytes. Stateless, thread-safe. */
    public static final class TinyServlet extends HttpServlet {
        private static final byte[] BODY = "ok\n".getBytes(StandardCharsets.US_ASCII);

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.setContentLength(BODY.length);
            resp.getOutputStream().write(BODY);
        }
    }

    /** A started server and the port it listens on (127.0.0.1). Immutable; close it from one thread. */
    public record Started(Server server, int port) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                server.stop();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("stopping Jetty failed", e);
            }
        }
    }

    /**
     * Starts Jetty on 127.0.0.1 with one acceptor and one selector (two cores: more would only contend), a pool of
     * {@code maxThreads}, and the handler {@code handlerOf} builds from a fresh context holding nothing yet.
     *
     * @param forwarded whether the connector believes {@code X-Forwarded-For} (Jetty's
     *                  {@link ForwardedRequestCustomizer}): how a Jetty user makes {@code getRemoteAddr()} the
     *                  client behind a proxy for filters that only look at it
     */
    public static Started start(int maxThreads, boolean forwarded, Function<ServletContextHandler, Handler> handlerOf)
            throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        if (forwarded) {
            http.addCustomizer(new ForwardedRequestCustomizer());
        }
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        server.setHandler(handlerOf.apply(context));
        server.start();
        return new Started(server, connector.getLocalPort());
    }

    /**
     * Writes the request a connection sends next into {@code buf} and returns its length. Called by each
     * connection's own thread; an implementation shared by connections must be thread-safe.
     */
    @FunctionalInterface
    public interface Requests {
        int fill(int connection, long sequence, byte[] buf);

        /** The same request bytes every time. */
        static Requests fixed(String request) {
            byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
            return (c, s, buf) -> {
                System.arraycopy(bytes, 0, buf, 0, bytes.length);
                return bytes.length;
            };
        }
    }

    /**
     * What one load period measured. Never modified once returned (the histograms are arrays: do not write to
     * them), so it may be read from any thread.
     */
    public record Result(long elapsedNanos, long ok, long rejected, long other, long[] okHistogram,
                         long[] rejectedHistogram, double clientCpuShare, long serverCpuNanos) {

        /**
         * The server's CPU time (its process's, when it runs in a JVM of its own; else this process's minus the load
         * threads': server threads with their kernel time, GC, JIT), per answer, in µs: steadier than throughput on a shared machine, because another tenant's load slows the
         * clock but not the work each request costs.
         */
        public double serverCpuMicrosPerAnswer() {
            long n = ok + rejected + other;
            return n == 0 || serverCpuNanos < 0 ? Double.NaN : serverCpuNanos / 1e3 / n;
        }

        public double perSecond() {
            return (ok + rejected + other) / (elapsedNanos / 1e9);
        }

        public double okPerSecond() {
            return ok / (elapsedNanos / 1e9);
        }

        public double rejectedPerSecond() {
            return rejected / (elapsedNanos / 1e9);
        }

        /** Latency quantile of every answered request, in µs. */
        public double allMicros(double q) {
            long[] all = okHistogram.clone();
            for (int i = 0; i < all.length; i++) {
                all[i] += rejectedHistogram[i];
            }
            return quantile(all, q);
        }

        public double okMicros(double q) {
            return quantile(okHistogram, q);
        }

        public double rejectedMicros(double q) {
            return quantile(rejectedHistogram, q);
        }

        private static double quantile(long[] h, double q) {
            long n = 0;
            for (long c : h) {
                n += c;
            }
            if (n == 0) {
                return Double.NaN;
            }
            long rank = Math.max(1, (long) Math.ceil(q * n));
            long seen = 0;
            for (int i = 0; i < h.length; i++) {
                seen += h[i];
                if (seen >= rank) {
                    return i;
                }
            }
            return h.length - 1;
        }
    }

    /**
     * Drives {@code connections} closed-loop keep-alive clients for {@code millis}: each sends its next request when
     * the previous answer is read. 2xx answers count as admitted, 429 and 503 as rejected, anything else as other.
     * A connection the server closes is reopened. Also measures which share of the process's CPU the client
     * threads used, so a report can state the CPU split between load generator and server.
     */
    public static Result drive(int port, int connections, long millis, Requests requests) throws Exception {
        return drive(port, connections, millis, requests, null);
    }

    /** Reads a server process's CPU time in ns. Called by the driving thread only. */
    @FunctionalInterface
    public interface CpuProbe {
        long cpuNanos() throws IOException;
    }

    /**
     * As {@link #drive(int, int, long, Requests)}, for a server in another process: {@code serverCpu} reads that
     * process's CPU time before and after the period, and the client share is the load threads' CPU over theirs
     * plus the server's. With a null probe the server is taken to be in this process (its CPU is this process's
     * minus the load threads').
     */
    public static Result drive(int port, int connections, long millis, Requests requests, CpuProbe serverCpu)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(connections);
        long[][] okHist = new long[connections][HISTOGRAM_MICROS + 1];
        long[][] rejHist = new long[connections][HISTOGRAM_MICROS + 1];
        long[] other = new long[connections];
        long[] clientCpu = new long[connections];
        List<Thread> threads = new ArrayList<>();
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int c = 0; c < connections; c++) {
            int id = c;
            Thread t = new Thread(() -> {
                byte[] out = new byte[4096];
                byte[] in = new byte[16384];
                long seq = 0;
                try {
                    while (!stop.get()) {
                        try (Socket s = new Socket("127.0.0.1", port)) {
                            s.setTcpNoDelay(true);
                            OutputStream os2 = s.getOutputStream();
                            InputStream is = s.getInputStream();
                            boolean open = true;
                            while (open && !stop.get()) {
                                int len = requests.fill(id, seq++, out);
                                long t0 = System.nanoTime();
                                os2.write(out, 0, len);
                                int status = readResponse(is, in);
                                long micros = (System.nanoTime() - t0) / 1000;
                                int bucket = (int) Math.min(HISTOGRAM_MICROS, micros);
                                int code = status & 0xFFFF;
                                if (code >= 200 && code < 300) {
                                    okHist[id][bucket]++;
                                } else if (code == 429 || code == 503) {
                                    rejHist[id][bucket]++;
                                } else {
                                    other[id]++;
                                }
                                open = (status & CLOSE_FLAG) == 0;
                            }
                        }
                    }
                } catch (IOException e) {
                    if (!stop.get()) {
                        LOG.error("load connection {} failed", id, e);
                    }
                } finally {
                    clientCpu[id] = tmx.getCurrentThreadCpuTime();
                    done.countDown();
                }
            }, "load-" + c);
            t.setDaemon(true);
            threads.add(t);
        }
        long cpu0 = serverCpu == null ? os.getProcessCpuTime() : serverCpu.cpuNanos();
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        TimeUnit.MILLISECONDS.sleep(millis);
        stop.set(true);
        long elapsed = System.nanoTime() - start;
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("load connections did not stop");
        }
        long cpu = (serverCpu == null ? os.getProcessCpuTime() : serverCpu.cpuNanos()) - cpu0;
        long ok = 0;
        long rej = 0;
        long oth = 0;
        long cc = 0;
        long[] okAll = new long[HISTOGRAM_MICROS + 1];
        long[] rejAll = new long[HISTOGRAM_MICROS + 1];
        for (int c = 0; c < connections; c++) {
            for (int i = 0; i <= HISTOGRAM_MICROS; i++) {
                okAll[i] += okHist[c][i];
                rejAll[i] += rejHist[c][i];
                ok += okHist[c][i];
                rej += rejHist[c][i];
            }
            oth += other[c];
            cc += clientCpu[c];
        }
        if (serverCpu != null) {
            return new Result(elapsed, ok, rej, oth, okAll, rejAll, cpu > 0 ? cc / (double) (cc + cpu) : Double.NaN,
                    cpu > 0 ? cpu : -1);
        }
        return new Result(elapsed, ok, rej, oth, okAll, rejAll, cpu > 0 ? Math.min(1.0, cc / (double) cpu) : Double.NaN,
                cpu > 0 ? cpu - cc : -1);
    }

    private static final int CLOSE_FLAG = 1 << 16;

    /**
     * Reads one response (Content-Length or chunked body) and returns its status, with {@link #CLOSE_FLAG} set when
     * the server said it closes the connection. Works on bytes: the client's CPU is the server's CPU here.
     */
    static int readResponse(InputStream in, byte[] buf) throws IOException {
        int len = 0;
        int headerEnd = -1;
        int scanned = 0;
        while (headerEnd < 0) {
            if (len == buf.length) {
                throw new IOException("response head over " + buf.length + " bytes");
            }
            int r = in.read(buf, len, buf.length - len);
            if (r < 0) {
                throw new IOException("connection closed before a response");
            }
            len += r;
            headerEnd = indexOf(buf, Math.max(0, scanned - 3), len);
            scanned = len;
        }
        int status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
        long contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        int line = lineAfter(buf, 0, headerEnd);
        while (line < headerEnd) {
            int eol = lineEnd(buf, line, headerEnd);
            if (startsWithIgnoreCase(buf, line, eol, "content-length:")) {
                contentLength = parseLong(buf, line + 15, eol);
            } else if (startsWithIgnoreCase(buf, line, eol, "transfer-encoding:")) {
                chunked = containsIgnoreCase(buf, line, eol, "chunked");
            } else if (startsWithIgnoreCase(buf, line, eol, "connection:")) {
                close = containsIgnoreCase(buf, line, eol, "close");
            }
            line = eol + 2;
        }
        int bodyStart = headerEnd + 4;
        if (chunked) {
            readChunked(in, buf, bodyStart, len);
        } else if (contentLength >= 0) {
            long have = len - bodyStart;
            while (have < contentLength) {
                int r = in.read(buf, 0, buf.length);
                if (r < 0) {
                    throw new IOException("connection closed in a body");
                }
                have += r;
            }
        } else {
            while (in.read(buf, 0, buf.length) >= 0) {
                // body delimited by the end of the connection
            }
            close = true;
        }
        return status | (close ? CLOSE_FLAG : 0);
    }

    /** Skips a chunked body; the few bytes already in {@code buf[from, len)} are its start. */
    private static void readChunked(InputStream in, byte[] buf, int from, int len) throws IOException {
        // Copy what we have into a small growing window and parse chunk by chunk; error pages are small.
        byte[] w = new byte[Math.max(4096, len - from)];
        int wl = len - from;
        System.arraycopy(buf, from, w, 0, wl);
        int pos = 0;
        while (true) {
            int eol;
            while ((eol = crlf(w, pos, wl)) < 0) {
                if (wl == w.length) {
                    w = java.util.Arrays.copyOf(w, w.length * 2);
                }
                int r = in.read(w, wl, w.length - wl);
                if (r < 0) {
                    throw new IOException("connection closed in a chunk size");
                }
                wl += r;
            }
            int size = 0;
            for (int i = pos; i < eol; i++) {
                int d = Character.digit(w[i], 16);
                if (d < 0) {
                    break;
                }
                size = size * 16 + d;
            }
            int need = eol + 2 + size + 2; // chunk data and its CRLF (for size 0: the final CRLF, no trailers)
            while (wl < need) {
                if (need > w.length) {
                    w = java.util.Arrays.copyOf(w, Math.max(need, w.length * 2));
                }
                int r = in.read(w, wl, w.length - wl);
                if (r < 0) {
                    throw new IOException("connection closed in a chunk");
                }
                wl += r;
            }
            if (size == 0) {
                return;
            }
            pos = need;
        }
    }

    private static int crlf(byte[] b, int from, int len) {
        for (int i = from; i + 1 < len; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] b, int from, int len) {
        for (int i = from; i + 3 < len; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int lineAfter(byte[] b, int from, int end) {
        int e = lineEnd(b, from, end);
        return e + 2;
    }

    private static int lineEnd(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (b[i] == '\r') {
                return i;
            }
        }
        return end;
    }

    private static boolean startsWithIgnoreCase(byte[] b, int from, int end, String prefix) {
        if (end - from < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase(b[from + i]) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsIgnoreCase(byte[] b, int from, int end, String word) {
        outer:
        for (int i = from; i + word.length() <= end; i++) {
            for (int j = 0; j < word.length(); j++) {
                if (Character.toLowerCase(b[i + j]) != word.charAt(j)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static long parseLong(byte[] b, int from, int end) {
        long v = 0;
        for (int i = from; i < end; i++) {
            if (b[i] >= '0' && b[i] <= '9') {
                v = v * 10 + (b[i] - '0');
            }
        }
        return v;
    }
}
