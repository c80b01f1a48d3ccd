package dev.seawall.redis;

import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * A real {@code redis-server} (the binary shipped inside the embedded-redis jar) on 127.0.0.1 and a free port,
 * without persistence. It can be stopped and started again on the same port, as the fault tests need.
 * Not thread-safe; one test drives it.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private final int port;
    private final String[] settings;
    private RedisServer server;

    private EmbeddedRedis(int port, String[] settings) {
        this.port = port;
        this.settings = settings;
    }

    /**
     * Starts a server on a free port.
     *
     * @param settings extra {@code redis.conf} lines, e.g. {@code requirepass s3cret}
     */
    public static EmbeddedRedis start(String... settings) {
        EmbeddedRedis r = new EmbeddedRedis(freePort(), settings.clone());
        r.startAgain();
        return r;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server again on the same port (after {@link #stop()}). */
    public void startAgain() {
        try {
            var builder = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no");
            for (String s : settings) {
                builder.setting(s);
            }
            server = builder.build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server; its data is gone. */
    public void stop() {
        try {
            if (server != null) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** @return {@code redis://127.0.0.1:<port>} */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }
}
