package dev.seawall.e2e;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application with effects, for the idempotency tests: every run of a path is counted (static, so that an instance
 * the container makes from a {@code web.xml} counts too; tests use paths of their own). The last path segment chooses
 * the behaviour:
 * <ul>
 *   <li>{@code create} (and anything else): reads the body, answers 201 with {@code Location}, {@code X-Order-Id},
 *       a session cookie and a JSON body naming the run, the body read and the user;</li>
 *   <li>{@code flaky}: throws on odd runs, else as {@code create};</li>
 *   <li>{@code hold}: as {@code create} once the path's {@link #gate} opens, ignoring interrupts on the way;</li>
 *   <li>{@code async}: as {@code create}, answered from another thread of an async cycle;</li>
 *   <li>{@code lateasync}: as {@code async}, once the path's {@link #gate} opens ({@link #finished} counts the
 *       ends of that thread's work);</li>
 *   <li>{@code form}: as {@code create}, the body naming the form parameters {@code a} and {@code b}.</li>
 * </ul>
 * Thread-safe.
 */
public class OrderServlet extends HttpServlet {

    private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> RETURNED = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> FINISHED = new ConcurrentHashMap<>();

    /** @return how many async works of this path (ending in {@code lateasync}) ended */
    static int finished(String path) {
        return FINISHED.computeIfAbsent(path, k -> new AtomicInteger()).get();
    }

    /** @return how many times the application ran for this path */
    static int runs(String path) {
        return RUNS.computeIfAbsent(path, k -> new AtomicInteger()).get();
    }

    /** @return how many runs of this path returned */
    static int returned(String path) {
        return RETURNED.computeIfAbsent(path, k -> new AtomicInteger()).get();
    }

    /** @return the latch that requests to {@code path} (ending in {@code hold}) wait for */
    static CountDownLatch gate(String path) {
        return GATES.computeIfAbsent(path, k -> new CountDownLatch(1));
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getRequestURI();
        int run = RUNS.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        try {
            String read = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String body = path.endsWith("/form") ? "a " + req.getParameter("a") + " b " + req.getParameter("b") : read;
            if (path.endsWith("/flaky") && run % 2 == 1) {
                throw new IllegalStateException("flaky handler failed");
            }
            if (path.endsWith("/hold")) {
                awaitUninterruptibly(gate(path));
            }
            String user = req.getUserPrincipal() == null ? "anonymous" : req.getUserPrincipal().getName();
            if (path.endsWith("/lateasync")) {
                AsyncContext async = req.startAsync();
                // taken now: once Seawall's deadline answer completed the cycle, the context hands out nothing
                HttpServletResponse late = (HttpServletResponse) async.getResponse();
                async.start(() -> {
                    try {
                        awaitUninterruptibly(gate(path));
                        answer(late, run, user, body);
                    } catch (IOException | RuntimeException e) {
                        // the deadline answered in its place: what it writes now goes nowhere
                    } finally {
                        FINISHED.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
                    }
                    try {
                        async.complete();
                    } catch (IllegalStateException completedByTheDeadline) {
                        // Seawall completed the cycle with its answer
                    }
                });
                return;
            }
            if (path.endsWith("/async")) {
                AsyncContext async = req.startAsync();
                async.start(() -> {
                    try {
                        answer((HttpServletResponse) async.getResponse(), run, user, body);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    async.complete();
                });
                return;
            }
            answer(resp, run, user, body);
        } finally {
            RETURNED.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static void answer(HttpServletResponse resp, int run, String user, String body) throws IOException {
        resp.setStatus(201);
        resp.setContentType("application/json");
        resp.setHeader("Location", "/orders/" + run);
        resp.setHeader("X-Order-Id", "order-" + run);
        resp.addCookie(new Cookie("session", "s" + run));
        resp.getOutputStream().write(("{\"order\":" + run + ",\"user\":\"" + user + "\",\"body\":\""
                + body.replaceAll("[^A-Za-z0-9 ._-]", "?") + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (latch.await(30, TimeUnit.SECONDS)) {
                        return;
                    }
                    throw new IllegalStateException("the test never opened the gate");
                } catch (InterruptedException e) {
                    interrupted = true; // a timeout interrupts; this handler keeps its key busy regardless
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
