package dev.seawall.e2e;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An application that misbehaves on request ({@code ?do=}): {@code throw}, {@code hang} (1.5 s, ignoring
 * interrupts), {@code half} (half a body, flushed, then an exception: a flush while the body fits the buffer is held,
 * so under a buffering policy the exception gets the safe answer, not half a body), {@code flush} (flushes early, then
 * writes again after 50 ms: the response streams from that write on), {@code slow} (300 ms), anything else answers 200
 * at once. Thread-safe.
 */
public class FaultyServlet extends HttpServlet {

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String what = req.getParameter("do");
        resp.setContentType("text/plain");
        OutputStream out = resp.getOutputStream();
        switch (what == null ? "" : what) {
            case "throw" -> throw new IllegalStateException("secret: db password is hunter2");
            case "hang" -> park(1_500);
            case "slow" -> park(300);
            case "half" -> {
                resp.setContentLength(1000);
                out.write("x".repeat(500).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                throw new IllegalStateException("failed half-way");
            }
            case "flush" -> {
                out.write("early ".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                park(50);
            }
            default -> {
            }
        }
        out.write("ok".getBytes(StandardCharsets.US_ASCII));
    }

    /** Waits without honouring interrupts, like code stuck in a library call. */
    private static void park(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            Thread.interrupted(); // swallow: this handler ignores interrupts
        }
    }
}
