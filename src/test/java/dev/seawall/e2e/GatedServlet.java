package dev.seawall.e2e;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application whose {@code /slow/*} requests hold their thread until the test opens the gate, so the
 * tests decide when work finishes instead of sleeping. {@code /fast} answers at once; {@code /boom} throws;
 * {@code /error} answers 500; {@code /async} completes on another thread.
 */
public class GatedServlet extends HttpServlet {

    final CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger entered = new AtomicInteger();
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger maxInside = new AtomicInteger();
    /** The order in which slow requests entered the application. */
    final java.util.concurrent.ConcurrentLinkedQueue<String> order = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getRequestURI();
        if (path.startsWith("/boom")) {
            throw new IllegalStateException("application failure");
        }
        if (path.startsWith("/error")) {
            resp.sendError(500);
            return;
        }
        if (path.startsWith("/async")) {
            var async = req.startAsync();
            async.start(() -> {
                ((HttpServletResponse) async.getResponse()).setStatus(200);
                async.complete();
            });
            return;
        }
        if (path.startsWith("/slow")) {
            order.add(path);
            entered.incrementAndGet();
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    resp.sendError(500);
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                inside.decrementAndGet();
            }
        }
        resp.setContentType("text/plain");
        resp.getWriter().write("ok");
    }
}
