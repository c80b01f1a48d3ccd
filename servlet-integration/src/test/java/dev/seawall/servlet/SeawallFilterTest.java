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
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The adapter through a real Jetty: admission, rejection rendering, settlement (sync, async, error). */
class SeawallFilterTest {

    private final FilterJetty jetty = new FilterJetty();

    @AfterEach
    void stop() throws Exception {
        jetty.stop();
    }

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

    @Test
    void passesRequestsWithoutAPolicyUntouched() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = jetty.get(base + "/hello");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("RateLimit")).isEmpty();
        assertThat(stage.admitted.get()).isZero();
    }

    @Test
    void admittedRequestCarriesPermitHeadersAndIsCompletedWithItsStatus() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = jetty.get(base + "/api/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(r.headers().firstValue("RateLimit")).hasValue("\"rate-limits\";r=1;t=1");
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 1);
        assertThat(stage.outcomes).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(200);
            assertThat(o.failed()).isFalse();
        });
        jetty.get(base + "/api/fail");
        await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 2);
        assertThat(stage.outcomes).extracting(Outcome::status).containsExactly(200, 502);
    }

    @Test
    void rejectionIsProblemJsonWithNoStoreAndTheApplicationIsNotCalled() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, true);
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = jetty.get(base + "/api/boom");
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
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = jetty.get(base + "/api/boom");
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
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        HttpResponse<String> r = jetty.get(base + "/api/async");
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
        String base = jetty.start(retryOnce, seawall, seawall);
        HttpResponse<String> r = jetty.get(base + "/api/x");
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
        String base = retryInside ? jetty.start(outer, retryOnce, inner) : jetty.start(retryOnce, outer, inner);
        HttpResponse<String> r = jetty.get(base + path);
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
    static final Filter RETRY_ONCE = (req, res, chain) -> {
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
        String base = jetty.start(filters);
        try {
            HttpResponse<String> r = jetty.get(base + "/api/hang-on-retry");
            assertThat(r.statusCode()).isEqualTo(503); // the retry's own timeout answered it
            await().atMost(Duration.ofSeconds(5)).until(() -> stage.settled() == 2);
            assertThat(stage.admitted.get()).isEqualTo(2);
        } finally {
            jetty.release.countDown();
        }
    }

    @Test
    void aBufferedAnswerIsSettledBeforeItsBytesLeaveTheServer() throws Exception {
        RecordingStage stage = probe(StageKind.RATE_LIMIT, false);
        dev.seawall.core.timeout.TimeoutStage timeout = new dev.seawall.core.timeout.TimeoutStage("api",
                Duration.ofSeconds(30), 503);
        Policy buffered = new Policy("api", List.of("/api/*"), Set.of(),
                ChainBuilder.create().add(stage).add(timeout).build());
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(buffered).build()));

        for (int i = 1; i <= 20; i++) {
            HttpResponse<String> r = jetty.get(base + "/api/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
            // read without waiting: a client's next request must find this one's permit (and breaker call, and
            // stale copy) settled, so the settlement happens before the buffered answer is written
            assertThat(stage.settled()).as("settled when answer %d arrived", i).isEqualTo(i);
        }
        HttpResponse<String> failed = jetty.get(base + "/api/boom");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(stage.settled()).as("a failure answered by Seawall is settled first too").isEqualTo(21);
        assertThat(List.copyOf(stage.outcomes).get(20).failure()).isNotNull();
    }

    @Test
    void requestsAreMarkedWithTheAppliedPolicyOnlyWhereTheJaxrsFeatureCanBeLoaded() throws Exception {
        SeawallFilter seawall = new SeawallFilter(Seawall.builder()
                .policy(policy("api", List.of("/api/*"), probe(StageKind.RATE_LIMIT, false))).build());
        String base = jetty.start(seawall);

        // this module's class path has no jaxrs-integration: nobody reads the mark, so no attribute is set for it
        // (JaxrsFeatureEndToEndTest covers the filter and the feature together, where the mark keeps a policy single)
        assertThat(new PolicyRunner(seawall).marksAppliedPolicy()).isFalse();
        assertThat(jetty.get(base + "/api/mark").body()).isEqualTo("null");
    }

    @Test
    void theOutermostFilterAddsItsListHeadersAndInnerOnesJoinThem() throws Exception {
        Filter foreign = (req, res, chain) -> {
            if (((HttpServletRequest) req).getRequestURI().endsWith("/foreign")) {
                ((HttpServletResponse) res).setHeader("RateLimit", "\"gateway\";r=5;t=1");
            }
            chain.doFilter(req, res);
        };
        String base = jetty.start(foreign,
                new SeawallFilter(Seawall.builder().policy(policy("outer", List.of("/api/*"),
                        probe(StageKind.RATE_LIMIT, false))).build()),
                new SeawallFilter(Seawall.builder().policy(policy("inner", List.of("/api/*"),
                        probe(StageKind.CIRCUIT_BREAKER, false))).build()));

        HttpResponse<String> stacked = jetty.get(base + "/api/x");
        assertThat(stacked.statusCode()).isEqualTo(200);
        assertThat(stacked.headers().allValues("RateLimit"))
                .containsExactly("\"rate-limits\";r=1;t=1, \"circuit-breaker\";r=1;t=1");

        // a value another component wrote before any Seawall filter stays its own field line (RFC 9110 5.3: the
        // same list as the joined value), and the inner Seawall filter joins the outer one's line
        HttpResponse<String> behindGateway = jetty.get(base + "/api/foreign");
        assertThat(String.join(", ", behindGateway.headers().allValues("RateLimit")))
                .isEqualTo("\"gateway\";r=5;t=1, \"rate-limits\";r=1;t=1, \"circuit-breaker\";r=1;t=1");
    }

    @Test
    void stackedFiltersReleaseTheOuterPermitWhenAnInnerFilterRejects() throws Exception {
        RecordingStage outer = probe(StageKind.RATE_LIMIT, false);
        RecordingStage inner = probe(StageKind.CIRCUIT_BREAKER, true);
        String base = jetty.start(
                new SeawallFilter(Seawall.builder().policy(policy("outer", List.of("/api/*"), outer)).build()),
                new SeawallFilter(Seawall.builder().policy(policy("inner", List.of("/api/*"), inner)).build()));
        HttpResponse<String> r = jetty.get(base + "/api/x");
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
        String base = jetty.start(filters.toArray(new Filter[0]));
        for (int round = 1; round <= 3; round++) {
            assertThat(jetty.get(base + "/api/x").statusCode()).isEqualTo(429);
            assertThat(jetty.get(base + "/api/y").statusCode()).isEqualTo(200);
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
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(policy("api", List.of("/api/*"), stage)).build()));
        String[] paths = {"/api/x", "/api/boom", "/api/fail", "/api/async"};
        for (int i = 0; i < 200; i++) {
            jetty.get(base + paths[i % paths.length]);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stage.settled() == 200);
        assertThat(stage.admitted.get()).isEqualTo(200);
        assertThat(stage.releases.get()).isZero();
    }
}
