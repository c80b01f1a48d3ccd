package dev.seawall.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A downstream HTTP/1.1 server on 127.0.0.1 that answers each request with the next scripted action (then the
 * default one): a status with headers and body, a hang (the connection held until the client gives up on it), garbage
 * bytes, or a connection reset. It records every request's arrival time, headers and body, and how many hung
 * connections the client closed. One thread per connection; {@link #close()} ends them all.
 */
final class ScriptedServer implements AutoCloseable {

    /** One request as it arrived. Header names are lower case. */
    record Arrival(long nanos, String method, String path, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What the server does with one request; returns whether the connection stays open for the next. */
    @FunctionalInterface
    interface Action {
        boolean answer(Socket socket, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final Queue<Action> script = new ConcurrentLinkedQueue<>();
    private volatile Action fallback = status(200, "ok");
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger hangsClosedByClient = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    ScriptedServer() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        acceptor = new Thread(this::accept, "scripted-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** Answers the next request with {@code action}, after the actions already scripted. */
    ScriptedServer then(Action action) {
        script.add(action);
        return this;
    }

    /** Answers every request beyond the script with {@code action}. */
    ScriptedServer otherwise(Action action) {
        fallback = action;
        return this;
    }

    List<Arrival> arrivals() {
        return Collections.unmodifiableList(new ArrayList<>(arrivals));
    }

    int hits() {
        return arrivals.size();
    }

    /** @return hung connections the client closed or aborted */
    int hangsClosedByClient() {
        return hangsClosedByClient.get();
    }

    static Action status(int code, String body, String... headers) {
        return (socket, out) -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(code).append(" X\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                sb.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            sb.append("Content-Type: text/plain\r\nContent-Length: ").append(bytes.length).append("\r\n\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            return true;
        };
    }

    /** Holds the connection, reading until the client closes it. */
    Action hang() {
        return (socket, out) -> {
            InputStream in = socket.getInputStream();
            try {
                while (in.read() >= 0) {
                    // whatever comes, the server never answers
                }
                hangsClosedByClient.incrementAndGet();
            } catch (IOException e) {
                if (!closed) {
                    hangsClosedByClient.incrementAndGet();
                }
            }
            return false;
        };
    }

    static Action garbage() {
        return (socket, out) -> {
            out.write("\u0000\u0001garbage \u00ff\r\nnot: http\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return false;
        };
    }

    static Action reset() {
        return (socket, out) -> {
            socket.setSoLinger(true, 0);
            socket.close();
            return false;
        };
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "scripted-server-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            boolean open = true;
            while (open && !closed) {
                String line = line(in);
                if (line == null) {
                    return;
                }
                if (line.isEmpty()) {
                    continue;
                }
                String[] parts = line.split(" ");
                Map<String, String> headers = new LinkedHashMap<>();
                String h;
                while ((h = line(in)) != null && !h.isEmpty()) {
                    int colon = h.indexOf(':');
                    if (colon > 0) {
                        headers.merge(h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                h.substring(colon + 1).trim(), (a, b) -> a + "," + b);
                    }
                }
                String body = body(in, headers);
                arrivals.add(new Arrival(System.nanoTime(), parts[0], parts.length > 1 ? parts[1] : "", headers,
                        body));
                Action a = script.poll();
                open = (a != null ? a : fallback).answer(s, out);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String body(InputStream in, Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            return new String(in.readNBytes(Integer.parseInt(length.trim())), StandardCharsets.UTF_8);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (;;) {
                String size = line(in);
                if (size == null) {
                    break;
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    line(in);
                    break;
                }
                body.write(in.readNBytes(n));
                line(in);
            }
            return body.toString(StandardCharsets.UTF_8);
        }
        return "";
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
