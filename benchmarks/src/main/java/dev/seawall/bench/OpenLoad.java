package dev.seawall.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-model load generator: requests sent at fixed instants whatever the answers' latency (so a slow service
 * accumulates requests in flight, as it would under real traffic), each on a keep-alive HTTP/1.1 connection of a
 * thread of its own: a request finding every connection busy gets a new thread and connection. Raw sockets, as in
 * {@link Loopback}: a full HTTP client costs more CPU per request than the service under test on two shared cores.
 *
 * <p>Not thread-safe: one thread calls {@link #run}; the answer callback runs on the connection threads.
 */
final class OpenLoad implements AutoCloseable {

    /** Receives each answer: the request's index, its status (-1 when no answer came), when it came. */
    @FunctionalInterface
    interface Answer {
        void answered(int index, int status, long nanos);
    }

    private static final int READ_TIMEOUT_MILLIS = 60_000;
    /** Under Jetty's default idle timeout (30 s), so that the service never closes a connection about to be used. */
    private static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int port;
    /** The bytes of request {@code i}: one fixed request, or one per index (paths and headers varying). */
    private final java.util.function.IntFunction<byte[]> requestOf;
    private final ThreadLocal<Connection> connection = new ThreadLocal<>();
    private final ThreadPoolExecutor senders;

    private static final class Connection {
        Socket socket;
        OutputStream out;
        InputStream in;
        final byte[] buf = new byte[16384];
        long lastUsed = System.nanoTime();
    }

    OpenLoad(int port, String path) {
        this(port, fixed(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
    }

    /** @param requestOf the complete bytes (request line, headers, blank line) of request {@code i}; thread-safe */
    OpenLoad(int port, java.util.function.IntFunction<byte[]> requestOf) {
        this.port = port;
        this.requestOf = requestOf;
        this.senders = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.MINUTES, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "open-load");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sends {@code n} requests, request {@code i} at {@code due(i)} (a {@link System#nanoTime()} reading), and returns
     * once every one was answered or failed (at most {@code waitSeconds} after the last was sent).
     */
    private static java.util.function.IntFunction<byte[]> fixed(byte[] request) {
        return i -> request;
    }

    void run(int n, java.util.function.IntToLongFunction due, Answer answer, long waitSeconds)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            long at = due.applyAsLong(i);
            long d;
            while ((d = at - System.nanoTime()) > 0) {
                LockSupport.parkNanos(d);
            }
            int id = i;
            senders.execute(() -> {
                int status = send(requestOf.apply(id));
                answer.answered(id, status, System.nanoTime());
                done.countDown();
            });
        }
        if (!done.await(waitSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException(done.getCount() + " requests still unanswered after " + waitSeconds + " s");
        }
    }

    /**
     * One request on this thread's connection; -1 when it failed. A connection idle for longer than
     * {@link #MAX_IDLE_NANOS} is replaced first (Jetty closes idle connections after 30 s), and a request failing on a
     * reused connection is sent once more on a new one, as HTTP clients do: the service may have closed it meanwhile.
     */
    private int send(byte[] request) {
        Connection c = connection.get();
        long now = System.nanoTime();
        if (c != null && now - c.lastUsed > MAX_IDLE_NANOS) {
            close(c);
            c = null;
        }
        int status = c == null ? -1 : exchange(c, request);
        if (status < 0) {
            c = new Connection();
            try {
                c.socket = new Socket("127.0.0.1", port);
                c.socket.setTcpNoDelay(true);
                c.socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                c.out = c.socket.getOutputStream();
                c.in = c.socket.getInputStream();
            } catch (IOException e) {
                close(c);
                return -1;
            }
            connection.set(c);
            status = exchange(c, request);
        }
        return status;
    }

    /** Sends the request and reads the answer's status; -1 (connection closed) on failure. */
    private int exchange(Connection c, byte[] request) {
        try {
            c.out.write(request);
            int status = Loopback.readResponse(c.in, c.buf);
            c.lastUsed = System.nanoTime();
            if ((status >>> 16) != 0) {
                close(c);
            }
            return status & 0xFFFF;
        } catch (IOException e) {
            close(c);
            return -1;
        }
    }

    private void close(Connection c) {
        if (connection.get() == c) {
            connection.remove();
        }
        if (c.socket == null) {
            return; // never connected
        }
        try {
            c.socket.close();
        } catch (IOException ignored) {
            // closing a broken connection: nothing more to release
        }
    }

    /** Stops the idle connection threads (their sockets close with the process or when the service drops them). */
    @Override
    public void close() {
        senders.shutdownNow();
    }
}
