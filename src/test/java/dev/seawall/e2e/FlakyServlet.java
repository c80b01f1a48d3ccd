package dev.seawall.e2e;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application that misbehaves on request, for the timeout and fallback tests. Every failure carries
 * {@link #SECRET} in its message or body, so a test can prove it never reaches a client.
 * <ul>
 *   <li>{@code /stubborn/*}: ignores interrupts (like a blocking read with no timeout) until {@link #release}
 *       opens; counts the interrupts it swallowed;</li>
 *   <li>{@code /polite/*}: sleeps interruptibly; counts how often it was freed by an interrupt;</li>
 *   <li>{@code /data/*}: answers {@code data <n> for <caller>} with a fresh n each call, or, while
 *       {@link #failing} is set, throws an exception naming the secret;</li>
 *   <li>{@code /error/*}: 500 with the secret in the body; {@code /senderror/*}: {@code sendError(503, secret)};</li>
 *   <li>{@code /private/*}: like {@code /data} but {@code Cache-Control: private}; {@code /cookie/*} sets a cookie;</li>
 *   <li>{@code /stream/*}: writes and flushes half a body (held: it fits the buffer), then fails when
 *       {@link #failing} is set (answered by the fallback or the safe error, nothing of the half body sent), else
 *       writes the rest (from which write on the response streams).</li>
 * </ul>
 */
public class FlakyServlet extends HttpServlet {

    static final String SECRET = "s3cr3t-db-password-XYZZY";

    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger swallowedInterrupts = new AtomicInteger();
    final AtomicInteger freed = new AtomicInteger();
    final AtomicInteger returned = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicBoolean failing = new AtomicBoolean();
    /** Whether the thread came back from the handler with its interrupt flag set (it must not). */
    final AtomicInteger leakedInterruptFlags = new AtomicInteger();

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getRequestURI();
        int n = calls.incrementAndGet();
        try {
            if (path.startsWith("/stubborn")) {
                while (true) {
                    try {
                        if (release.await(60, TimeUnit.SECONDS)) {
                            break;
                        }
                    } catch (InterruptedException e) {
                        swallowedInterrupts.incrementAndGet();
                    }
                }
                resp.setHeader("X-Late", SECRET);
                resp.getWriter().write("late answer " + SECRET);
                return;
            }
            if (path.startsWith("/polite")) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    freed.incrementAndGet();
                    Thread.currentThread().interrupt(); // as well-behaved code does; Seawall clears it
                    throw new IllegalStateException("interrupted while calling " + SECRET);
                }
                return;
            }
            if (path.startsWith("/error")) {
                resp.setStatus(500);
                resp.getWriter().write("database said: " + SECRET);
                return;
            }
            if (path.startsWith("/senderror")) {
                resp.sendError(503, SECRET);
                return;
            }
            if (path.startsWith("/stream")) {
                resp.setContentType("text/plain");
                resp.getOutputStream().write("first half ".getBytes(StandardCharsets.UTF_8));
                resp.flushBuffer();
                if (failing.get()) {
                    throw new IllegalStateException("stream broke: " + SECRET);
                }
                resp.getOutputStream().write("second half".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (failing.get()) {
                throw new IllegalStateException("connection to " + SECRET + " refused");
            }
            String caller = req.getRemoteUser() != null ? req.getRemoteUser()
                    : req.getHeader("X-API-Key") != null ? req.getHeader("X-API-Key") : "anonymous";
            resp.setContentType("text/plain;charset=utf-8");
            if (path.startsWith("/private")) {
                resp.setHeader("Cache-Control", "private");
            }
            if (path.startsWith("/cookie")) {
                resp.addCookie(new jakarta.servlet.http.Cookie("session", "abc"));
            }
            if (path.startsWith("/public")) {
                resp.setHeader("Cache-Control", "public, max-age=60");
            }
            resp.setHeader("ETag", "\"v" + n + "\"");
            if (req.getAttribute("dev.seawall.deadline") instanceof java.time.Instant) {
                resp.setHeader("X-Deadline", "set");
            }
            resp.getWriter().write("data " + n + " for " + caller);
        } finally {
            returned.incrementAndGet();
        }
    }
}
