package dev.seawall.bench;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The dependency of the outage benchmark: a Jetty on 127.0.0.1 answering {@code 200 ok} until {@link #fail()}, then
 * failing every request until {@link #recover()}: with {@code 503} and no {@code Retry-After}, or by closing its
 * listening socket so that connections are refused. Notes the instant of every request it receives.
 *
 * <p>Thread-safe: the mode is a volatile flag; {@link #fail()} and {@link #recover()} are called by one thread.
 */
final class OutageDependency implements AutoCloseable {

    /** How the dependency fails during the outage. */
    enum Failure {
        /** Every request answered {@code 503} without {@code Retry-After}. */
        STATUS_503("503"),
        /** The listening socket closed: every connection refused. */
        REFUSED("refused");

        final String label;

        Failure(String label) {
            this.label = label;
        }

        static Failure of(String label) {
            for (Failure f : values()) {
                if (f.label.equals(label)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown failure " + label + " (503 or refused)");
        }
    }

    private static final byte[] OK = "ok\n".getBytes(StandardCharsets.US_ASCII);

    private final Failure failure;
    private final Server server;
    private final ServerConnector connector;
    private final int port;
    private final java.util.concurrent.atomic.LongAdder connections = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean failing;
    private volatile Timeline received;

    OutageDependency(Failure failure) throws Exception {
        this.failure = failure;
        server = new Server(new QueuedThreadPool(64, 8));
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addEventListener(new org.eclipse.jetty.io.Connection.Listener() {
            @Override
            public void onOpened(org.eclipse.jetty.io.Connection connection) {
                connections.increment();
            }
        });
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                Timeline t = received;
                if (t != null) {
                    t.record(System.nanoTime());
                }
                if (failing) {
                    resp.setStatus(503);
                    resp.setContentLength(0);
                    return;
                }
                resp.setContentType("text/plain");
                resp.setContentLength(OK.length);
                resp.getOutputStream().write(OK);
            }
        }), "/*");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
        connector.setPort(port); // a restart after a refused outage listens on the same port again
    }

    /** @return connections accepted so far: how often a caller opened a new one instead of reusing one */
    long connectionsOpened() {
        return connections.sum();
    }

    int port() {
        return port;
    }

    /** Where the instants of the next requests go; null to stop counting. */
    void countInto(Timeline timeline) {
        this.received = timeline;
    }

    /** Starts the outage; returns once it is in effect. */
    void fail() throws Exception {
        if (failure == Failure.REFUSED) {
            connector.stop();
        } else {
            failing = true;
        }
    }

    /** Ends the outage; returns once requests are answered {@code 200} again. */
    void recover() throws Exception {
        if (failure == Failure.REFUSED) {
            connector.start();
        } else {
            failing = false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            server.stop();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("stopping the dependency failed", e);
        }
    }
}
