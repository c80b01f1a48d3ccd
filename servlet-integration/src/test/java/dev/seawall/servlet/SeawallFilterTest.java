package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.testing.RecordingStage;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The adapter through a real Jetty: admission, rejection rendering, settlement (sync, async, error). */
class SeawallFilterTest {

    private Server server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final Rejection TOO_MANY = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests")
            .detail("slow down").extension("policy", "p")
            .header("Retry-After", "7").header("RateLimit", "\"inner\";r=0;t=7").build();

    /** A recording stage whose permits write {@code RateLimit: "<kind>";r=1;t=1}, or that always rejects. */
    static RecordingStage probe(StageKind kind, boolean reject) {
        RecordingStage s = new RecordingStage(kind).header("RateLimit", "\"" + kind.configName() + "\";r=1;t=1");
        return reject ? s.rejectWith(TOO_MANY) : s;
    }

    static Policy policy(String name, List<String> paths, Stage stage) {
        return new Policy(name, paths, Set.of(), ChainBuilder.create().add(stage).build());
    }

    /** Lets a handler hanging in a test go; one per test (JUnit makes an instance per test). */
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    /** Whether {@link #start} maps an error page (for 502) to the application's {@code /errors}. */
    private boolean errorPage;

    private String start(Filter... filters) throws Exception {
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

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void passesRequestsWithoutAPolicyUntouched() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        String base = start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = get(base + "/hello");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("RateLimit")).isEmpty();
        assertThat(stage.admitted.get()).isZero();
    }

    @Test
    void admittedRequestCarriesPermitHeadersAndIsCompletedWithItsStatus() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        String base = start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = get(base + "/api/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(r.headers().firstValue("RateLimit")).hasValue("\"rate-limits\";r=1;t=1");
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 1);
        assertThat(stage.outcomes).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(200);
            assertThat(o.failed()).isFalse();
        });
        get(base + "/api/fail");
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 2);
        assertThat(stage.outcomes).extracting(Outcome::status).containsExactly(200, 502);
    }

    @Test
    void rejectionIsProblemJsonWithNoStoreAndTheApplicationIsNotCalled() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, true);
        String base = start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = get(base + "/api/boom");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(r.body()).contains("\"status\":429").contains("quota-exceeded").doesNotContain("secret");
    }

    @Test
    void applicationExceptionIsRecordedAsA500FailureWithoutLeakingIt() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        String base = start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = get(base + "/api/boom");
        assertThat(r.statusCode()).isEqualTo(500);
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 1);
        assertThat(stage.outcomes).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(500);
            assertThat(o.failure()).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void asyncRequestIsSettledWhenItCompletesNotWhenDoFilterReturns() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        String base = start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = get(base + "/api/async");
        assertThat(r.body()).isEqualTo("later");
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 1);
        assertThat(stage.outcomes).singleElement().satisfies(o -> assertThat(o.status()).isEqualTo(200));
    }

    @Test
    void aFilterMappedTwiceAdmitsOnceButAnOuterRetryIsAdmittedAsTheNewCallItIs() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        SeawallFilter seawall = new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build());
        Filter retryOnce = (req, res, chain) -> {
            chain.doFilter(req, res);
            chain.doFilter(req, res);
        };
        String base = start(retryOnce, seawall, seawall);
        HttpResponse<String> r = get(base + "/api/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("okok");
        // two calls through the chain, each admitted once although the filter sits in it twice
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 2);
        assertThat(stage.admitted.get()).isEqualTo(2);
        assertThat(stage.outcomes).hasSize(2);
    }

    /**
     * An outer filter that runs the chain a second time gets a second, complete admission from a buffering policy:
     * its own buffered response and deadline. The first pass's response context is over and must not be joined (its
     * deadline was spent, so a hanging retry was never answered; it was found as a request attribute then) — neither
     * by a single filter nor by a buffering filter stacked behind a non-buffering one.
     */
    @Test
    void anOuterRetryThroughABufferingPolicyGetsItsOwnDeadline() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        assertRetryIsAnsweredByItsOwnTimeout(stage, new SeawallFilter(Seawall.builder().policy(buffered(stage)).build()));
    }

    @Test
    void anOuterRetryThroughABufferingFilterStackedBehindAnotherGetsItsOwnDeadline() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        SeawallFilter outer = new SeawallFilter(Seawall.builder()
                .policy(policy("limits", List.of("/api/*"), probe(StageKind.RATE_LIMIT, false))).build());
        SeawallFilter inner = new SeawallFilter(Seawall.builder().policy(buffered(stage)).build());
        assertRetryIsAnsweredByItsOwnTimeout(stage, outer, inner);
    }

    /**
     * An outer Seawall filter learns of an inner filter's refusal in the pass it made; a filter outside both that
     * retries (here on the inner filter's 503) must not have its second pass, which the inner filter admits, settled as refused: the outer
     * filter's permit is completed with the outcome, not given back.
     */
    @Test
    void aRetryAfterAnInnerRefusalIsSettledAsTheAdmittedCallItIs() throws Exception {
        RecordingStage outerStage = probe(StageKind.RATE_LIMIT, false);
        assertRetryAfterAnInnerRefusalIsCompleted(outerStage, policy("outer", List.of("/api/*"), outerStage), "/api/x",
                "ok", false);
    }

    /**
     * The same through a buffering outer filter with a fallback for an inner throttle's refusal, whose retry goes
     * asynchronous: its buffered answer is finished when the async cycle completes, and must not take the first pass's
     * refusal for this one's (it would replace the live answer with the fallback).
     */
    @Test
    void anAsyncRetryAfterAnInnerRefusalIsAnsweredLive() throws Exception {
        RecordingStage outerStage = probe(StageKind.RATE_LIMIT, false);
        assertRetryAfterAnInnerRefusalIsCompleted(outerStage, fallbackOnThrottled(outerStage), "/api/async", "later",
                false);
    }

    /**
     * The retrying filter between a buffering outer filter and the refusing inner one: the outer filter makes one pass,
     * inside which the first attempt was refused and the retry admitted; its answer is the retry's, and its permit is
     * completed once.
     */
    @Test
    void aRetryBetweenABufferingFilterAndARefusingOneIsAnsweredLive() throws Exception {
        RecordingStage outerStage = probe(StageKind.RATE_LIMIT, false);
        assertRetryAfterAnInnerRefusalIsCompleted(outerStage, fallbackOnThrottled(outerStage), "/api/x", "ok", true);
    }

    /** A stage that answers a request matching {@code test} as {@code when} does, and others as {@code otherwise}. */
    private static Stage choosing(StageKind kind, String name,
                                  java.util.function.Predicate<dev.seawall.core.http.RequestView> test, Stage when,
                                  Stage otherwise) {
        return new Stage() {
            @Override
            public StageKind kind() {
                return kind;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public dev.seawall.core.chain.Admission admit(dev.seawall.core.http.RequestView request, long nowNanos) {
                return (test.test(request) ? when : otherwise).admit(request, nowNanos);
            }
        };
    }

    private static Policy fallbackOnThrottled(RecordingStage stage) {
        dev.seawall.core.fallback.FallbackStage fallback = dev.seawall.core.fallback.FallbackStage.builder("api")
                .staticResponse(dev.seawall.core.fallback.FallbackResponse.of(200, "text/plain", "fallback"))
                .on(Set.of(dev.seawall.core.fallback.FallbackTrigger.THROTTLED)).build();
        return new Policy("api", List.of("/api/*"), Set.of(), ChainBuilder.create().add(fallback).add(stage).build());
    }

    /** @param retryInside whether the retrying filter sits between the outer Seawall filter and the inner one */
    private void assertRetryAfterAnInnerRefusalIsCompleted(RecordingStage outerStage, Policy outerPolicy, String path,
                                                           String body, boolean retryInside) throws Exception {
        RecordingStage refusing = new RecordingStage(StageKind.THROTTLE).rejectWith(Rejection.builder(503,
                ProblemTypes.TEMPORARY_REDUCED_CAPACITY, "Service Unavailable").header("Retry-After", "1").build());
        RecordingStage admitting = probe(StageKind.THROTTLE, false);
        Stage firstPassRefused = choosing(StageKind.THROTTLE, "inner",
                request -> Integer.valueOf(1).equals(request.attribute("test.pass")), refusing, admitting);
        // like a real retrying filter, it holds the first attempt's body back so that it can still try again
        Filter retryOnce = (req, res, chain) -> {
            req.setAttribute("test.pass", 1);
            HttpServletResponse held = new jakarta.servlet.http.HttpServletResponseWrapper((HttpServletResponse) res) {
                @Override
                public jakarta.servlet.ServletOutputStream getOutputStream() {
                    return ClosedOutput.INSTANCE;
                }

                @Override
                public void setContentLength(int len) {
                }

                @Override
                public void setContentLengthLong(long len) {
                }
            };
            chain.doFilter(req, held);
            // the first answer (the inner refusal, or the outer fallback for it) was held back: try again
            if (!res.isCommitted()) {
                res.reset();
                req.setAttribute("test.pass", 2);
                chain.doFilter(req, res);
            }
        };
        Filter outer = new SeawallFilter(Seawall.builder().policy(outerPolicy).build());
        Filter inner = new SeawallFilter(Seawall.builder().policy(policy("inner", List.of("/api/*"), firstPassRefused))
                .build());
        String base = retryInside ? start(outer, retryOnce, inner) : start(retryOnce, outer, inner);
        HttpResponse<String> r = get(base + path);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
        int passes = retryInside ? 1 : 2;
        await().atMost(Duration.ofSeconds(5)).until(() -> outerStage.settled() == passes);
        assertThat(outerStage.releases.get()).as("a refused pass of the outer filter gives its permit back")
                .isEqualTo(passes - 1);
        assertThat(outerStage.outcomes).as("the admitted retry is completed").hasSize(1);
        assertThat(outerStage.outcomes.peek().status()).isEqualTo(200);
    }

    private static Policy buffered(RecordingStage stage) {
        dev.seawall.core.timeout.TimeoutStage timeout = new dev.seawall.core.timeout.TimeoutStage("api",
                Duration.ofMillis(300), 503);
        return new Policy("api", List.of("/api/*"), Set.of(), ChainBuilder.create().add(stage).add(timeout).build());
    }

    /** Runs the chain again when the first pass left the response uncommitted; the pass is the attribute test.pass. */
    private static final Filter RETRY_ONCE = (req, res, chain) -> {
        req.setAttribute("test.pass", 1);
        chain.doFilter(req, res);
        if (!res.isCommitted()) {
            res.reset();
            req.setAttribute("test.pass", 2);
            chain.doFilter(req, res);
        }
    };

    private void assertRetryIsAnsweredByItsOwnTimeout(RecordingStage stage, Filter... seawall) throws Exception {
        Filter[] filters = new Filter[seawall.length + 1];
        filters[0] = RETRY_ONCE;
        System.arraycopy(seawall, 0, filters, 1, seawall.length);
        String base = start(filters);
        try {
            HttpResponse<String> r = get(base + "/api/hang-on-retry");
            assertThat(r.statusCode()).isEqualTo(503); // the retry's own timeout answered it
            await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 2);
            assertThat(stage.admitted.get()).isEqualTo(2);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aBufferedAnswerIsSettledBeforeItsBytesLeaveTheServer() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        dev.seawall.core.timeout.TimeoutStage timeout = new dev.seawall.core.timeout.TimeoutStage("api",
                Duration.ofSeconds(30), 503);
        Policy buffered = new Policy("api", List.of("/api/*"), Set.of(),
                ChainBuilder.create().add(stage).add(timeout).build());
        String base = start(new SeawallFilter(Seawall.builder().policy(buffered).build()));

        for (int i = 1; i <= 20; i++) {
            HttpResponse<String> r = get(base + "/api/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
            // read without waiting: a client's next request must find this one's permit (and breaker call, and
            // stale copy) settled, so the settlement happens before the buffered answer is written
            assertThat(stage.settled()).as("settled when answer %d arrived", i).isEqualTo(i);
        }
        HttpResponse<String> failed = get(base + "/api/boom");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(stage.settled()).as("a failure answered by Seawall is settled first too").isEqualTo(21);
        assertThat(List.copyOf(stage.outcomes).get(20).failure()).isNotNull();
    }

    /**
     * What the application sees of {@code dev.seawall.deadline}: the time left (ms) before and after it replaced the
     * attribute, whether the attribute names list it, and whether the container's own request (under the request Seawall
     * handed on) carries it or the buffered response's context.
     */
    private static String describeDeadline(HttpServletRequest req) {
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
    private static String msLeft(Object deadline) {
        return deadline instanceof java.time.Instant i
                ? String.valueOf(Duration.between(java.time.Instant.now(), i).toMillis()) : String.valueOf(deadline);
    }

    private static Policy withTimeout(String name, Duration after) {
        dev.seawall.core.timeout.TimeoutStage timeout = new dev.seawall.core.timeout.TimeoutStage(name, after, 503);
        return new Policy(name, List.of("/api/*"), Set.of(),
                ChainBuilder.create().add(probe(StageKind.RATE_LIMIT, false)).add(timeout).build());
    }

    /**
     * Under a buffering policy the deadline is answered by the request handed on, made only when asked for, and
     * neither it nor the buffered response's context is set on the container's request (the first attribute set there
     * builds the container's attribute map: it showed in profiles of a trivial endpoint). To the application it is
     * still an ordinary attribute: an {@code Instant}, listed, replaceable and removable.
     */
    @Test
    void theDeadlineIsAnAttributeOfTheRequestHandedOnAndNothingIsSetOnTheContainersRequest() throws Exception {
        String base = start(new SeawallFilter(Seawall.builder().policy(withTimeout("api", Duration.ofSeconds(30)))
                .build()));

        String[] seen = get(base + "/api/deadline").body().split(" ", 2);
        assertThat(Long.parseLong(seen[0])).as("ms left of a 30 s timeout").isBetween(20_000L, 30_000L);
        assertThat(seen[1]).isEqualTo("listed=true onContainer=false replaced=mine removed=null"
                + " listedAfterRemoval=false");
        // an application that goes async and dispatches again still sees it: the dispatch carries the same request
        String[] redispatched = get(base + "/api/redispatched-deadline").body().split(" ", 2);
        assertThat(Long.parseLong(redispatched[0])).isBetween(20_000L, 30_000L);
        assertThat(redispatched[1]).startsWith("listed=true onContainer=false");
    }

    /**
     * An application that goes async and dispatches (as Spring MVC does for its async results) ends its response
     * after the dispatch, where no Seawall filter runs: what it wrote through the writer of the buffered response must
     * reach the client, also what it wrote before it dispatched. (It was lost in the writer's encoder.)
     */
    @Test
    void whatAnAsyncDispatchWritesThroughTheWriterOfABufferedResponseReachesTheClient() throws Exception {
        String base = start(new SeawallFilter(Seawall.builder().policy(withTimeout("api", Duration.ofSeconds(30)))
                .build()));

        HttpResponse<String> r = get(base + "/api/redispatched-writer");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("before dispatch, after it 42!?" + System.lineSeparator());
    }

    /**
     * An error page is dispatched by the container with its own request, not the one Seawall handed on: the deadline is
     * copied there before the container answers the application's {@code sendError}.
     */
    @Test
    void anErrorPageSeesTheDeadline() throws Exception {
        errorPage = true;
        String base = start(new SeawallFilter(Seawall.builder().policy(withTimeout("api", Duration.ofSeconds(30)))
                .build()));

        HttpResponse<String> r = get(base + "/api/fail");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).startsWith("error page, deadline in ");
        assertThat(Long.parseLong(r.body().substring("error page, deadline in ".length())))
                .isBetween(20_000L, 30_000L);
    }

    /**
     * Stacked filters share one buffered response and its deadline: the earliest of their timeouts bounds the request,
     * whichever filter has it, and is the deadline the application sees.
     */
    @Test
    void stackedTimeoutsShowTheApplicationTheEarliestDeadline() throws Exception {
        for (Duration[] outerInner : List.of(new Duration[] {Duration.ofSeconds(30), Duration.ofSeconds(10)},
                new Duration[] {Duration.ofSeconds(10), Duration.ofSeconds(30)})) {
            String which = "outer " + outerInner[0] + ", inner " + outerInner[1];
            String base = start(new SeawallFilter(Seawall.builder().policy(withTimeout("outer", outerInner[0])).build()),
                    new SeawallFilter(Seawall.builder().policy(withTimeout("inner", outerInner[1])).build()));
            String[] seen = get(base + "/api/deadline").body().split(" ", 2);
            assertThat(Long.parseLong(seen[0])).as("ms left, %s", which).isBetween(1_000L, 10_000L);
            assertThat(seen[1]).as(which).startsWith("listed=true onContainer=false");
            server.stop();
        }
    }

    /**
     * An application's own value of the deadline attribute holds until a Seawall filter announces the deadline again:
     * here the inner filter on the second pass of a filter retrying between the two, as when the filters set the
     * attribute themselves.
     */
    @Test
    void aDeadlineTheApplicationReplacedIsAnnouncedAgainOnARetriedPass() throws Exception {
        String base = start(new SeawallFilter(Seawall.builder().policy(withTimeout("outer", Duration.ofSeconds(30)))
                .build()), RETRY_ONCE, new SeawallFilter(Seawall.builder()
                .policy(withTimeout("inner", Duration.ofSeconds(10))).build()));

        assertThat(get(base + "/api/replace-deadline-then-retry").body()).isEqualTo("true");
    }

    /**
     * The earliest deadline also answers: an inner filter's shorter timeout under an outer one's longer timeout. (The
     * outer one was armed first and the inner one was ignored, so this request hung for the outer minute.)
     */
    @Test
    void anInnerFiltersShorterTimeoutAnswersUnderAnOuterLongerOne() throws Exception {
        SeawallFilter outer = new SeawallFilter(Seawall.builder().policy(withTimeout("outer", Duration.ofMinutes(1)))
                .build());
        SeawallFilter inner = new SeawallFilter(Seawall.builder().policy(withTimeout("inner", Duration.ofMillis(300)))
                .build());
        String base = start(outer, inner);
        try {
            // the client gives up after 10 s: only the inner timeout can answer in time
            assertThat(get(base + "/api/hang").statusCode()).isEqualTo(503);
        } finally {
            release.countDown();
        }
    }

    @Test
    void requestsAreMarkedWithTheAppliedPolicyOnlyWhereTheJaxrsFeatureCanBeLoaded() throws Exception {
        SeawallFilter seawall = new SeawallFilter(Seawall.builder()
                .policy(policy("api", List.of("/api/*"), probe(StageKind.RATE_LIMIT, false))).build());
        String base = start(seawall);

        // this module's class path has no jaxrs-integration: nobody reads the mark, so no attribute is set for it
        // (JaxrsFeatureEndToEndTest covers the filter and the feature together, where the mark keeps a policy single)
        assertThat(new PolicyRunner(seawall).marksAppliedPolicy()).isFalse();
        assertThat(get(base + "/api/mark").body()).isEqualTo("null");
    }

    @Test
    void theOutermostFilterAddsItsListHeadersAndInnerOnesJoinThem() throws Exception {
        Filter foreign = (req, res, chain) -> {
            if (((HttpServletRequest) req).getRequestURI().endsWith("/foreign")) {
                ((HttpServletResponse) res).setHeader("RateLimit", "\"gateway\";r=5;t=1");
            }
            chain.doFilter(req, res);
        };
        String base = start(foreign,
                new SeawallFilter(Seawall.builder().policy(policy("outer", List.of("/api/*"),
                        probe(StageKind.RATE_LIMIT, false))).build()),
                new SeawallFilter(Seawall.builder().policy(policy("inner", List.of("/api/*"),
                        probe(StageKind.CIRCUIT_BREAKER, false))).build()));

        HttpResponse<String> stacked = get(base + "/api/x");
        assertThat(stacked.statusCode()).isEqualTo(200);
        assertThat(stacked.headers().allValues("RateLimit"))
                .containsExactly("\"rate-limits\";r=1;t=1, \"circuit-breaker\";r=1;t=1");

        // a value another component wrote before any Seawall filter stays its own field line (RFC 9110 5.3: the
        // same list as the joined value), and the inner Seawall filter joins the outer one's line
        HttpResponse<String> behindGateway = get(base + "/api/foreign");
        assertThat(String.join(", ", behindGateway.headers().allValues("RateLimit")))
                .isEqualTo("\"gateway\";r=5;t=1, \"rate-limits\";r=1;t=1, \"circuit-breaker\";r=1;t=1");
    }

    @Test
    void stackedFiltersReleaseTheOuterPermitWhenAnInnerFilterRejects() throws Exception {
        RecordingStage outer = probe(StageKind.RATE_LIMIT, false);
        RecordingStage inner = probe(StageKind.CIRCUIT_BREAKER, true);
        String base = start(
                new SeawallFilter(Seawall.builder().policy(policy("outer", List.of("/api/*"), outer)).build()),
                new SeawallFilter(Seawall.builder().policy(policy("inner", List.of("/api/*"), inner)).build()));
        HttpResponse<String> r = get(base + "/api/x");
        assertThat(r.statusCode()).isEqualTo(429);
        // both filters' list members reach the client, in chain order, as one Structured Field list
        assertThat(r.headers().allValues("RateLimit")).containsExactly("\"rate-limits\";r=1;t=1, \"inner\";r=0;t=7");
        await().atMost(Duration.ofSeconds(5)).until(() -> outer.settled() == 1);
        assertThat(outer.releases.get()).isEqualTo(1);
        assertThat(outer.outcomes).isEmpty();
    }

    /**
     * More stacked filters than the thread state first has room for (it grows while the innermost enters): every outer
     * filter still learns of the innermost one's refusal, and the next request on the same threads is admitted and
     * completed by all of them.
     */
    @Test
    void fiveStackedFiltersAllReleaseWhenTheInnermostRejects() throws Exception {
        List<RecordingStage> outers = new java.util.ArrayList<>();
        List<Filter> filters = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            RecordingStage s = probe(StageKind.RATE_LIMIT, false);
            outers.add(s);
            filters.add(new SeawallFilter(Seawall.builder().policy(policy("outer" + i, List.of("/api/*"), s)).build()));
        }
        Stage refusingOnX = choosing(StageKind.CIRCUIT_BREAKER, "innermost", request -> request.path().endsWith("/x"),
                probe(StageKind.CIRCUIT_BREAKER, true), probe(StageKind.CIRCUIT_BREAKER, false));
        filters.add(new SeawallFilter(Seawall.builder().policy(policy("innermost", List.of("/api/*"), refusingOnX))
                .build()));
        String base = start(filters.toArray(new Filter[0]));
        for (int round = 1; round <= 3; round++) {
            assertThat(get(base + "/api/x").statusCode()).isEqualTo(429);
            assertThat(get(base + "/api/y").statusCode()).isEqualTo(200);
            int settled = 2 * round;
            for (RecordingStage s : outers) {
                await().atMost(Duration.ofSeconds(5)).until(() -> s.settled() == settled);
                assertThat(s.releases.get()).as("refused requests").isEqualTo(round);
                assertThat(s.outcomes).as("admitted requests").hasSize(round);
            }
        }
    }

    @Test
    void everyPermitIsSettledAfterManyMixedRequests() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        String base = start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        String[] paths = {"/api/x", "/api/boom", "/api/fail", "/api/async"};
        for (int i = 0; i < 200; i++) {
            get(base + paths[i % paths.length]);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stage.settled() == 200);
        assertThat(stage.admitted.get()).isEqualTo(200);
        assertThat(stage.releases.get()).isZero();
    }
}
