package dev.seawall.redis;

import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * One {@code redis-server} process on 127.0.0.1 (the binary inside the embedded-redis jar), started from a
 * {@code redis.conf} written into its own temporary directory, which also holds its log and whatever it writes
 * (cluster and sentinel state). Serves as a data node, a cluster node or, with {@code --sentinel}, a sentinel.
 * Not thread-safe; one test drives it.
 */
public final class RedisProcess implements AutoCloseable {

    private static File binary;

    private final int port;
    private final Path dir;
    private final Process process;

    private RedisProcess(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /**
     * Starts a server and waits until it answers {@code PING}.
     *
     * @param port     its port (see {@link #freePort(boolean)})
     * @param sentinel run as a sentinel
     * @param settings {@code redis.conf} lines besides port, bind and persistence
     */
    public static RedisProcess start(int port, boolean sentinel, List<String> settings) {
        try {
            Path dir = Files.createTempDirectory("seawall-redis-" + port + "-");
            StringBuilder conf = new StringBuilder("port " + port + "\nbind 127.0.0.1\ndir " + dir + "\n");
            if (!sentinel) {
                conf.append("save \"\"\nappendonly no\n");
            }
            for (String s : settings) {
                conf.append(s).append('\n');
            }
            Path file = dir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
            Files.writeString(file, conf.toString());
            ProcessBuilder pb = sentinel
                    ? new ProcessBuilder(binary().getAbsolutePath(), file.toString(), "--sentinel")
                    : new ProcessBuilder(binary().getAbsolutePath(), file.toString());
            pb.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile());
            RedisProcess p = new RedisProcess(port, dir, pb.start());
            await("redis-server on port " + port).atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(20)).until(p::answers);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized File binary() throws IOException {
        if (binary == null) {
            binary = ExecutableProvider.newJarResourceProvider().get();
        }
        return binary;
    }

    /**
     * @param clusterBus also keep port + 10000 free (a cluster node's bus port in this Redis version)
     * @return a port free now on 127.0.0.1
     */
    public static int freePort(boolean clusterBus) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!clusterBus) {
                return port;
            }
            if (port + 10_000 <= 65_535) {
                try (ServerSocket bus = new ServerSocket(port + 10_000)) {
                    return port;
                } catch (IOException busy) {
                    // try another
                }
            }
        }
        throw new IllegalStateException("no free port pair found");
    }

    /** @return whether the server answers {@code PING} now */
    public boolean answers() {
        if (!process.isAlive()) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7];
            int n = in.read(reply);
            return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** Kills the process at once (SIGKILL): what a crashed machine looks like to clients and sentinels. */
    public void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    /** Stops the process and removes its directory. Idempotent. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            waitForExit();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
