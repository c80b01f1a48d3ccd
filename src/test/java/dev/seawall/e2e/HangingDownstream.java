package dev.seawall.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A dependency on 127.0.0.1 that accepts every connection, reads the request's head and never answers: the outbound
 * call only ends when its caller cuts it. Records each request's head so a test can read the headers it was sent.
 * Closing it closes the listening socket and every accepted connection. Thread-safe.
 */
final class HangingDownstream implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    /** Each request's head (request line and headers), in arrival order. */
    final Queue<String> heads = new ConcurrentLinkedQueue<>();
    private final Thread acceptor;

    HangingDownstream() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        acceptor = new Thread(this::acceptLoop, "hanging-downstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    int port() {
        return server.getLocalPort();
    }

    /** @return the value of {@code header} in the latest request that carried it, or null */
    String lastHeader(String header) {
        String found = null;
        String prefix = header.toLowerCase(Locale.ROOT) + ":";
        for (String head : heads) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    found = line.substring(prefix.length()).trim();
                }
            }
        }
        return found;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.add(s);
                Thread reader = new Thread(() -> readHead(s), "hanging-downstream-conn");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Reads up to the blank line ending the head; then holds the connection open, answering nothing. */
    private void readHead(Socket s) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            InputStream in = s.getInputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            int b;
            while (head.size() < 64 * 1024 && (b = in.read()) >= 0) {
                head.write(b);
                matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
                if (matched == 4) {
                    heads.add(head.toString(StandardCharsets.ISO_8859_1));
                    break;
                }
            }
        } catch (IOException closed) {
            // the caller cut the call: nothing more to read
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
