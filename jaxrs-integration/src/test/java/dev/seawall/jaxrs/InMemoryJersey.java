package dev.seawall.jaxrs;

import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.spi.ContainerResponseWriter;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** POSTs to a Jersey application run in memory, each handed over on a thread of its own. */
final class InMemoryJersey {

    private static final ExecutorService THREADS = Executors.newCachedThreadPool();

    private static final jakarta.ws.rs.core.SecurityContext ANONYMOUS = new jakarta.ws.rs.core.SecurityContext() {
        @Override
        public java.security.Principal getUserPrincipal() {
            return null;
        }

        @Override
        public boolean isUserInRole(String role) {
            return false;
        }

        @Override
        public boolean isSecure() {
            return false;
        }

        @Override
        public String getAuthenticationScheme() {
            return null;
        }
    };

    /** A status, the headers and the body bytes as the in-memory container wrote them. */
    record Answer(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private InMemoryJersey() {
    }

    /**
     * @param properties request properties set before Jersey sees the request (as a servlet filter's attributes)
     * @return the answer, complete when it is committed
     */
    static CompletableFuture<Answer> send(ApplicationHandler app, String path, String key, InputStream body,
                                          Map<String, Object> properties, String... headers) {
        return send(app, path, key, body, properties, false, headers);
    }

    /**
     * @param clientGone the connection is closed: every write of the answer fails (the answer's status is recorded,
     *                   its body is empty)
     */
    static CompletableFuture<Answer> send(ApplicationHandler app, String path, String key, InputStream body,
                                          Map<String, Object> properties, boolean clientGone, String... headers) {
        return send(app, path, key, body, properties, clientGone, new CompletableFuture<>(), headers);
    }

    /**
     * @param suspended completed when Jersey suspends the request, with what makes the container's suspension time out
     *                  (as a servlet container's async timeout, or {@code AsyncResponse.setTimeout}, would)
     */
    static CompletableFuture<Answer> send(ApplicationHandler app, String path, String key, InputStream body,
                                          Map<String, Object> properties, boolean clientGone,
                                          CompletableFuture<Runnable> suspended, String... headers) {
        ContainerRequest request = new ContainerRequest(URI.create("http://127.0.0.1/"),
                URI.create("http://127.0.0.1" + path), "POST", ANONYMOUS, new MapPropertiesDelegate(),
                app.getConfiguration());
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        request.header("Content-Type", "text/plain");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        request.setEntityStream(body);
        properties.forEach(request::setProperty);
        Recording writer = new Recording(clientGone, suspended);
        request.setWriter(writer);
        // a synchronous method runs on the thread that hands the request over: the answer is complete at commit,
        // which may come before the method returned (a deadline's answer)
        THREADS.submit(() -> {
            try {
                app.handle(request);
            } catch (RuntimeException | Error e) {
                writer.answer.completeExceptionally(e);
            }
        });
        return writer.answer;
    }

    /** The container's writer: the answer is complete when Jersey (or Seawall) commits it. */
    private static final class Recording implements ContainerResponseWriter {
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final boolean clientGone;
        private final CompletableFuture<Runnable> suspended;
        private volatile ContainerResponse response;
        private volatile Map<String, List<String>> headers = Map.of();

        Recording(boolean clientGone, CompletableFuture<Runnable> suspended) {
            this.clientGone = clientGone;
            this.suspended = suspended;
        }

        @Override
        public java.io.OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse r) {
            response = r;
            headers = Map.copyOf(r.getStringHeaders());
            if (clientGone) {
                return new java.io.OutputStream() {
                    @Override
                    public void write(int b) throws java.io.IOException {
                        throw new java.io.IOException("Broken pipe");
                    }
                };
            }
            return out;
        }

        @Override
        public boolean suspend(long timeOut, TimeUnit timeUnit, TimeoutHandler timeoutHandler) {
            if (timeoutHandler != null) {
                suspended.complete(() -> timeoutHandler.onTimeout(this));
            }
            return true;
        }

        @Override
        public void setSuspendTimeout(long timeOut, TimeUnit timeUnit) {
        }

        @Override
        public void commit() {
            ContainerResponse r = response;
            answer.complete(new Answer(r == null ? 0 : r.getStatus(), headers, out.toByteArray()));
        }

        @Override
        public void failure(Throwable error) {
            answer.complete(new Answer(-1, Map.of(), new byte[0]));
        }

        @Override
        public boolean enableResponseBuffering() {
            return false;
        }
    }

}
