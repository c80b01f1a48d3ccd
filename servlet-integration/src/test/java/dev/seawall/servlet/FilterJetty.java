package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.policy.Policy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;

import static org.awaitility.Awaitility.await;

/**
 * A real Jetty on 127.0.0.1 with the given filters in front of one application servlet whose paths act out what the
 * adapter tests need: throwing, hanging until {@link #release}, going async, dispatching again, reporting the
 * deadline it sees. One per test; not thread-safe.
 */
final class FilterJetty {

    Server server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Lets a handler hanging in a test go; one per test (JUnit makes an instance per test). */
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    /** Whether {@link #start} maps an error page (for 502) to the application's {@code /errors}. */
    boolean errorPage;

    String start(Filter... filters) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        for (Filter f : filters) {
            FilterHolder holder = new FilterHolder(f);
            holder.setAsyncSupported(true);
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        ServletHolder app = new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String p = req.getRequestURI();
                if (p.endsWith("/boom")) {
                    throw new IllegalStateException("secret internal detail");
                }
                if (p.endsWith("/hang-on-retry") && !Integer.valueOf(2).equals(req.getAttribute("test.pass"))) {
                    resp.setStatus(502); // no body: nothing is committed, so the retry filter may try again
                    return;
                }
                if (p.endsWith("/hang-on-retry") || p.endsWith("/hang")) {
                    try {
                        release.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // the deadline interrupts the handler
                    }
                    return;
                }
                if (req.getDispatcherType() == DispatcherType.ERROR) {
                    Object d = req.getAttribute(dev.seawall.core.timeout.TimeoutStage.DEADLINE_ATTRIBUTE);
                    resp.getWriter().write("error page, deadline in " + msLeft(d));
                    return;
                }
                if (p.endsWith("/replace-deadline-then-retry")) {
                    String name = dev.seawall.core.timeout.TimeoutStage.DEADLINE_ATTRIBUTE;
                    if (Integer.valueOf(1).equals(req.getAttribute("test.pass"))) {
                        req.setAttribute(name, "mine");
                        resp.setStatus(502); // nothing committed: the retry filter tries again
                        return;
                    }
                    resp.getWriter().write(String.valueOf(req.getAttribute(name) instanceof java.time.Instant));
                    return;
                }
                if (p.endsWith("/redispatched-writer")) {
                    if (req.getDispatcherType() == DispatcherType.REQUEST) {
                        resp.setContentType("text/plain");
                        resp.getWriter().print("before dispatch, ");
                        req.startAsync().dispatch();
                    } else {
                        java.io.PrintWriter w = resp.getWriter();
                        w.print("after it");
                        w.printf(" %d", 42);
                        w.append('!');
                        w.write('?');
                        w.println();
                    }
                    return;
                }
                if (p.endsWith("/redispatched-deadline") && req.getDispatcherType() == DispatcherType.REQUEST) {
                    req.startAsync().dispatch();
                    return;
                }
                if (p.endsWith("/deadline") || p.endsWith("/redispatched-deadline")) {
                    resp.getWriter().write(describeDeadline(req));
                    return;
                }
                if (p.endsWith("/mark")) {
                    resp.getWriter().write(String.valueOf(req.getAttribute(Policy.APPLIED_ATTRIBUTE)));
                    return;
                }
                if (p.endsWith("/fail")) {
                    resp.sendError(502);
                    return;
                }
                if (p.endsWith("/async")) {
                    AsyncContext async = req.startAsync();
                    async.start(() -> {
                        try {
                            async.getResponse().getWriter().write("later");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        async.complete();
                    });
                    return;
                }
                resp.setContentType("text/plain");
                resp.getWriter().write("ok");
            }
        });
        app.setAsyncSupported(true);
        context.addServlet(app, "/*");
        if (errorPage) {
            org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler errors =
                    new org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler();
            errors.addErrorPage(502, "/errors");
            context.setErrorHandler(errors);
        }
        server.setHandler(context);
        server.start();
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * What the application sees of {@code dev.seawall.deadline}: the time left (ms) before and after it replaced the
     * attribute, whether the attribute names list it, and whether the container's own request (under the request Seawall
     * handed on) carries it or the buffered response's context.
     */
    static String describeDeadline(HttpServletRequest req) {
        String name = dev.seawall.core.timeout.TimeoutStage.DEADLINE_ATTRIBUTE;
        Object d = req.getAttribute(name);
        String left = msLeft(d);
        boolean listed = java.util.Collections.list(req.getAttributeNames()).contains(name);
        jakarta.servlet.ServletRequest container = req;
        while (container instanceof jakarta.servlet.ServletRequestWrapper w) {
            container = w.getRequest();
        }
        boolean onContainer = container.getAttribute(name) != null
                || container.getAttribute(ResponseContext.ATTRIBUTE) != null;
        req.setAttribute(name, "mine");
        Object replaced = req.getAttribute(name);
        req.removeAttribute(name);
        Object removed = req.getAttribute(name);
        boolean listedAfterRemoval = java.util.Collections.list(req.getAttributeNames()).contains(name);
        return left + " listed=" + listed + " onContainer=" + onContainer + " replaced=" + replaced
                + " removed=" + removed + " listedAfterRemoval=" + listedAfterRemoval;
    }

    /** @return the ms left until a deadline attribute's {@code Instant}, or what the attribute is instead */
    static String msLeft(Object deadline) {
        return deadline instanceof java.time.Instant i
                ? String.valueOf(Duration.between(java.time.Instant.now(), i).toMillis()) : String.valueOf(deadline);
    }
}
