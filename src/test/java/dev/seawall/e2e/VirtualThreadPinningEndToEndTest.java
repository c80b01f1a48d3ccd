package dev.seawall.e2e;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.throttle.ThrottleStage;
import dev.seawall.e2e.container.Deployment;
import dev.seawall.e2e.container.RequestThreads;
import dev.seawall.e2e.container.VirtualThreadProbes;
import dev.seawall.servlet.SeawallFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On virtual threads, nothing of Seawall's request path pins a carrier thread while it waits. A JFR stream records
 * every {@code jdk.VirtualThreadPinned} event (threshold 0, with its stack) while a workload runs twice on the
 * container: requests waiting in a throttle queue (asynchronously, holding no thread), requests waiting for a
 * throttle slot on their own thread (the blocking path, behind a servlet that is not async-supported), timeouts
 * answered by Seawall's deadline thread while the handlers go on, and a rate limit. The first round warms up (first
 * use loads and links classes, and contended class loading pins on the JDK); in the second, no event may have its
 * culprit, the innermost frame that is not the JDK's, in Seawall ({@code dev.seawall.*} outside this suite). While
 * requests wait, the threads in use stay bounded: as many run a request as the throttle admits, and no virtual thread
 * keeps a carrier. A control proves the stream sees pinning: a static initializer that blocks on a request thread.
 * <p>
 * Runs in the {@code virtual-threads} profile's executions only (tag {@code virtual-threads}, excluded elsewhere).
 */
@Tag("virtual-threads")
class VirtualThreadPinningEndToEndTest {

    private static final Logger LOG = LoggerFactory.getLogger(VirtualThreadPinningEndToEndTest.class);

    private static final int MAX_CONCURRENT = 4;
    private static final int QUEUED = 200;
    private static final int BLOCKING = 40;
    private static final int HANGS = 3;
    /** How long a timed-out handler goes on, ignoring interrupts; the answer comes at the 300 ms deadline. */
    private static final long HANG_MILLIS = 2_000;
    private static final String YAML = """
            policies:
              - name: queued
                paths: [/slow/*]
                throttle: {max-concurrent: %1$d, queue: 200, max-wait: 60s}
              - name: blocking
                paths: [/blocking/*]
                throttle: {max-concurrent: %1$d, queue: 100, max-wait: 60s}
              - name: deadline
                paths: [/hang/*]
                timeout: 300ms
              - name: limited
                paths: [/limited/*]
                rate-limits:
                  - {by: api-key, limit: 2/1m, on-missing: reject}
            """.formatted(MAX_CONCURRENT);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Application app = new Application();
    private SeawallFilter filter;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        assertThat(TestServer.container().requestThreads()).as("-D" + RequestThreads.PROPERTY
                + " (this test belongs to the virtual-threads profile's executions)").isEqualTo(RequestThreads.VIRTUAL);
        filter = SeawallFilter.builder().yaml("pinning.yaml", YAML).build();
        server = TestServer.start(Deployment.builder().maxThreads(64)
                .filter(app.inChain, Map.of())
                // in front of Seawall: Jetty tells a filter the chain is not async-supported only once it has met
                // a filter or servlet that is not (Tomcat and Undertow tell it from the start)
                .filter(new Deployment.FilterSpec("not-async", NotAsync.class, new NotAsync(), Map.of(), false,
                        List.of("/blocking/*"), Set.of(DispatcherType.REQUEST)))
                .filter(filter, Map.of())
                .servlet("blocking", new Workload(app), false, 1, "/blocking/*")
                .servlet("app", new Workload(app), true, 1, "/*")
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void nothingOfSeawallPinsACarrierWhileRequestsQueueWaitTimeOutOrAreLimited() throws Exception {
        int idle = server.busyThreads(); // on Jetty the acceptor and the selector run as pool jobs
        try (PinnedEvents pinned = new PinnedEvents()) {
            round(1, idle);
            report("warm-up round (not judged)", drainWhenIdle(pinned));
            round(2, idle);
            List<RecordedEvent> judged = drainWhenIdle(pinned);
            report("judged round", judged);
            assertThat(judged.stream().filter(VirtualThreadPinningEndToEndTest::seawallIsTheCulprit)
                    .map(VirtualThreadPinningEndToEndTest::describe).collect(Collectors.toList()))
                    .as("pinned virtual threads whose culprit is Seawall's code").isEmpty();
        }
        assertThat(app.dispatches.get()).as("dispatches of the application").isGreaterThan(2 * QUEUED);
        assertThat(app.platformDispatches.get()).as("dispatches of the application on a platform thread").isZero();
    }

    @Test
    void aStaticInitializerThatBlocksOnARequestThreadPinsItsCarrierAndTheStreamSeesIt() throws Exception {
        try (PinnedEvents pinned = new PinnedEvents()) {
            pinned.drain();
            assertThat(get("/clinit", null).statusCode()).isEqualTo(200);
            List<RecordedEvent> events = drainWhenIdle(pinned);
            report("control", events);
            assertThat(events).as("pinned events of a request that waits in a static initializer")
                    .anySatisfy(e -> assertThat(culprit(e)).startsWith(SlowInit.class.getName() + ".<clinit>"));
        }
        assertThat(app.platformDispatches.get()).as("dispatches of the application on a platform thread").isZero();
    }

    private void round(int round, int idle) throws Exception {
        // a throttle queue: the waiting requests hold no thread, as many run as the throttle admits
        ThrottleStage queued = throttle("queued");
        app.open(false);
        List<CompletableFuture<HttpResponse<String>>> slow = sendAll("/slow/", QUEUED);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> queued.inFlight() == MAX_CONCURRENT && queued.queued() == QUEUED - MAX_CONCURRENT);
        assertThat(app.inside.get()).as("requests inside the application").isEqualTo(MAX_CONCURRENT);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.busyThreads())
                .as("threads running a request while %d wait in the queue", QUEUED - MAX_CONCURRENT)
                .isLessThanOrEqualTo(idle + MAX_CONCURRENT));
        noCarrierHeld("while " + (QUEUED - MAX_CONCURRENT) + " requests wait in the queue");
        app.open(true);
        assertAllOk(slow);
        assertThat(app.maxInside.get()).isEqualTo(MAX_CONCURRENT);
        await().atMost(Duration.ofSeconds(10)).until(() -> queued.inFlight() == 0 && queued.queued() == 0);

        // the blocking path: a request whose chain is not async-supported waits on its own thread
        ThrottleStage blocking = throttle("blocking");
        app.open(false);
        List<CompletableFuture<HttpResponse<String>>> blocked = sendAll("/blocking/", BLOCKING);
        await().atMost(Duration.ofSeconds(30)).until(() -> blocking.inFlight() == MAX_CONCURRENT
                && blocking.queued() == BLOCKING - MAX_CONCURRENT);
        assertThat(server.busyThreads()).as("threads running a request: here each waits on its own")
                .isGreaterThanOrEqualTo(idle + BLOCKING);
        noCarrierHeld("while " + (BLOCKING - MAX_CONCURRENT) + " requests wait for a slot on their own threads");
        app.open(true);
        assertAllOk(blocked);
        assertThat(app.maxInside.get()).isEqualTo(MAX_CONCURRENT);
        await().atMost(Duration.ofSeconds(10)).until(() -> blocking.inFlight() == 0 && blocking.queued() == 0);

        // timeouts: Seawall's deadline thread answers while the handlers go on
        app.hangsDone.set(0);
        long sent = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> hangs = sendAll("/hang/", HANGS);
        for (CompletableFuture<HttpResponse<String>> h : hangs) {
            assertThat(h.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("time to the last timeout answer")
                .isLessThan(Duration.ofMillis(HANG_MILLIS - 500));
        await().atMost(Duration.ofSeconds(10)).until(() -> app.hangsDone.get() == HANGS);

        // a rate limit: a key of its own each round
        List<Integer> limited = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            limited.add(get("/limited/" + i, "round-" + round).statusCode());
        }
        assertThat(limited).as("statuses of four requests against 2/1m").containsExactly(200, 200, 429, 429);
    }

    /** The events of a round, once every dispatch of it has left the filter chain (Seawall's settling included). */
    private List<RecordedEvent> drainWhenIdle(PinnedEvents pinned) throws InterruptedException {
        await().atMost(Duration.ofSeconds(30)).until(() -> app.inChain.inside() == 0);
        return pinned.drain();
    }

    /**
     * While requests wait, no virtual thread keeps a carrier: a waiting virtual thread unmounts, one that waits
     * pinned stays mounted (and a pinned {@code Object.wait} makes the scheduler add carriers). Read from the
     * scheduler's MXBean, which JDK 24 brought; before, only the other bounds are checked.
     */
    private static void noCarrierHeld(String when) {
        Optional<VirtualThreadProbes.Scheduler> before = VirtualThreadProbes.scheduler();
        if (before.isEmpty()) {
            LOG.warn("no VirtualThreadSchedulerMXBean on Java {}: carriers not counted {}", Runtime.version(), when);
            return;
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                VirtualThreadProbes.scheduler().orElseThrow().mounted())
                .as("virtual threads mounted on a carrier " + when).isZero());
        LOG.info("scheduler {}: {}", when, VirtualThreadProbes.scheduler().orElseThrow());
    }

    private ThrottleStage throttle(String policy) {
        return (ThrottleStage) filter.engine().policy(policy).chain().stage(StageKind.THROTTLE);
    }

    private List<CompletableFuture<HttpResponse<String>>> sendAll(String prefix, int n) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(server.uri() + prefix + i))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return all;
    }

    private HttpResponse<String> get(String path, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(30));
        if (apiKey != null) {
            b.header("X-API-Key", apiKey);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertAllOk(List<CompletableFuture<HttpResponse<String>>> all) throws Exception {
        for (CompletableFuture<HttpResponse<String>> r : all) {
            assertThat(r.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    /** Seawall's own code, not this suite's. */
    private static boolean seawallIsTheCulprit(RecordedEvent e) {
        String culprit = culprit(e);
        return culprit.startsWith("dev.seawall.") && !culprit.startsWith("dev.seawall.e2e.");
    }

    /**
     * The innermost frame that is not the JDK's, as {@code class.method:line}: the code that made the call that
     * blocked while pinned (the JDK frames above it are the blocking call itself).
     */
    private static String culprit(RecordedEvent e) {
        if (e.getStackTrace() == null) {
            return "(no stack trace)";
        }
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            String type = f.getMethod().getType().getName();
            if (!type.startsWith("java.") && !type.startsWith("javax.") && !type.startsWith("jdk.")
                    && !type.startsWith("sun.") && !type.startsWith("com.sun.")) {
                return type + "." + f.getMethod().getName() + ":" + f.getLineNumber();
            }
        }
        return "(JDK frames only)";
    }

    private static String reason(RecordedEvent e) {
        return (e.hasField("pinnedReason") ? e.getString("pinnedReason") : "?") + " / "
                + (e.hasField("blockingOperation") ? e.getString("blockingOperation") : "?");
    }

    private static String describe(RecordedEvent e) {
        StringBuilder sb = new StringBuilder();
        sb.append(reason(e)).append(", at ").append(e.getStartTime()).append(" for ")
                .append(e.getDuration().toNanos()).append(" ns, culprit ")
                .append(culprit(e)).append(", thread ")
                .append(e.getThread() == null ? "?" : e.getThread().getJavaName());
        if (e.getStackTrace() != null) {
            e.getStackTrace().getFrames().stream().limit(24).forEach(f -> sb.append("\n        at ")
                    .append(f.getMethod().getType().getName()).append('.').append(f.getMethod().getName())
                    .append(':').append(f.getLineNumber()));
        }
        return sb.toString();
    }

    private static void report(String what, List<RecordedEvent> events) {
        Map<String, Long> byCulprit = new TreeMap<>();
        events.forEach(e -> byCulprit.merge(culprit(e) + " (" + reason(e) + ")", 1L, Long::sum));
        LOG.info("{} on {}: {} jdk.VirtualThreadPinned event(s), by culprit {}", what,
                TestServer.container(), events.size(), byCulprit);
        events.stream().filter(VirtualThreadPinningEndToEndTest::seawallIsTheCulprit)
                .forEach(e -> LOG.info("{}: Seawall is the culprit: {}", what, describe(e)));
    }

    /**
     * The {@code jdk.VirtualThreadPinned} events of this JVM, every one (threshold 0) with its stack, from a JFR
     * stream. Not thread-safe: one test reads it.
     */
    private static final class PinnedEvents implements AutoCloseable {
        private final RecordingStream stream = new RecordingStream();
        private final Queue<RecordedEvent> events = new ConcurrentLinkedQueue<>();
        private volatile CountDownLatch markerSeen = new CountDownLatch(1);

        PinnedEvents() {
            stream.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            stream.enable(Marker.class);
            // the events are kept: by default the stream refills one event object for the next event
            stream.setReuse(false);
            stream.onEvent("jdk.VirtualThreadPinned", events::add);
            stream.onEvent(Marker.NAME, e -> markerSeen.countDown());
            stream.startAsync();
        }

        /**
         * @return the events recorded since the last call: the stream delivers events in time order, so once a
         *     marker committed now comes through, every event committed before it has
         */
        List<RecordedEvent> drain() throws InterruptedException {
            CountDownLatch seen = new CountDownLatch(1);
            markerSeen = seen;
            new Marker().commit();
            assertThat(seen.await(30, TimeUnit.SECONDS)).as("the JFR stream delivered its marker").isTrue();
            List<RecordedEvent> drained = new ArrayList<>();
            for (RecordedEvent e; (e = events.poll()) != null; ) {
                drained.add(e);
            }
            drained.sort(Comparator.comparing(RecordedEvent::getStartTime));
            return drained;
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    /** Committed to find where the stream has got to. */
    @Name(Marker.NAME)
    static final class Marker extends Event {
        static final String NAME = "dev.seawall.e2e.Marker";
    }

    /** Blocks in its static initializer, which runs under a VM frame: a virtual thread that waits there pins. */
    static final class SlowInit {
        static {
            try {
                Thread.sleep(100); // the blocking call under test, not a wait for a result
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static void touch() {
        }
    }

    /** The application's side of the workload, shared by its two servlets. Thread-safe. */
    static final class Application {
        final InChain inChain = new InChain();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxInside = new AtomicInteger();
        final AtomicInteger hangsDone = new AtomicInteger();
        final AtomicInteger dispatches = new AtomicInteger();
        final AtomicInteger platformDispatches = new AtomicInteger();
        private volatile CountDownLatch gate = new CountDownLatch(1);

        /** Opens the gate the slow requests wait at, or sets a new closed one (and forgets the highest count). */
        void open(boolean open) {
            if (open) {
                gate.countDown();
            } else {
                gate = new CountDownLatch(1);
                maxInside.set(0);
            }
        }
    }

    /** The outermost filter: counts the dispatches inside the filter chain now. Thread-safe. */
    static final class InChain implements Filter {
        private final AtomicInteger inside = new AtomicInteger();

        int inside() {
            return inside.get();
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            inside.incrementAndGet();
            try {
                chain.doFilter(request, response);
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    /** Passes requests on; it is not async-supported, so neither is the chain of a request it sees. Stateless. */
    static final class NotAsync implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            chain.doFilter(request, response);
        }
    }

    /**
     * {@code /slow/*} and {@code /blocking/*} wait at the gate, {@code /hang/*} goes on for {@link #HANG_MILLIS}
     * ignoring interrupts, {@code /clinit} touches {@link SlowInit}, the rest answers at once. Thread-safe.
     */
    static final class Workload extends HttpServlet {
        private final transient Application app;

        Workload(Application app) {
            this.app = app;
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            app.dispatches.incrementAndGet();
            if (!VirtualThreadProbes.isVirtual(Thread.currentThread())) {
                app.platformDispatches.incrementAndGet();
            }
            String path = req.getRequestURI();
            if (path.startsWith("/slow/") || path.startsWith("/blocking/")) {
                app.maxInside.accumulateAndGet(app.inside.incrementAndGet(), Math::max);
                try {
                    if (!app.gate.await(60, TimeUnit.SECONDS)) {
                        resp.sendError(500);
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    app.inside.decrementAndGet();
                }
            } else if (path.startsWith("/hang/")) {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANG_MILLIS);
                for (long left; (left = end - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(left);
                    Thread.interrupted(); // ignores interrupts, like code stuck in a library call
                }
                app.hangsDone.incrementAndGet();
            } else if (path.equals("/clinit")) {
                SlowInit.touch();
            }
            resp.setContentType("text/plain");
            resp.getWriter().write("ok");
        }
    }
}
