package dev.seawall.core.internal.answer;

import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.fallback.StaleCache;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection.Header;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.RecordingStage;
import dev.seawall.core.time.ManualClock;
import dev.seawall.core.timeout.TimeoutStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The arbiter on a fake clock and a manual deadline timer: the test fires the deadline itself, so every race is
 * played in the order the test chooses.
 */
class AnswerArbiterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final ManualClock clock = new ManualClock();
    private final DeadlineTimer timer = DeadlineTimer.manual(clock);
    private final TimeoutStage timeout = new TimeoutStage("p", TIMEOUT, 503);
    private final RecordingStage limit = new RecordingStage(StageKind.RATE_LIMIT).header("RateLimit", "\"p\";r=9;t=60");
    private final FakeRequest request = FakeRequest.get("/catalog").user("alice");
    private final FallbackResponse staticAnswer = FallbackResponse.of(200, "application/json", "{\"items\":[]}");
    private final StaleCache cache = new StaleCache(Duration.ofMinutes(10), 100, 1024 * 1024, List.of(), clock);

    @AfterEach
    void closeTimer() {
        timer.close();
    }

    private FallbackStage.Builder fallback() {
        return FallbackStage.builder("p");
    }

    private Policy policy(FallbackStage fb, boolean withTimeout, boolean failClosed) {
        ChainBuilder chain = ChainBuilder.create().add(limit);
        if (fb != null) {
            chain.add(fb);
        }
        if (withTimeout) {
            chain.add(timeout);
        }
        return new Policy("p", List.of("/*"), Set.of(), chain.build(), failClosed, 64 * 1024);
    }

    /** One buffered request: its exchange, the arbiter, and a sink that records what reaches the wire. */
    private final class Call {
        final Policy policy;
        final Exchange exchange;
        final RecordingSink sink;
        final AnswerArbiter arbiter;

        Call(Policy policy, FakeRequest req) {
            this.policy = policy;
            this.exchange = policy.chain().admit(req, clock.nanoTime());
            this.sink = new RecordingSink(this);
            this.arbiter = new AnswerArbiter(sink, new ResponseGate(null), req, clock);
            arbiter.join(CoreAccess.answerPlan(policy), exchange);
            if (CoreAccess.answerPlan(policy).timeout() != null) {
                arbiter.arm(CoreAccess.answerPlan(policy).timeout(), timer, clock.nanoTime());
            }
        }
    }

    /**
     * Records the sink's calls as "settle 502 refused=false", "discard", "fallback cache 200", "problem 503", "commit".
     */
    private final class RecordingSink implements AnswerSink {
        final Call call;
        final List<String> events = new ArrayList<>();
        final List<Header> appHeaders = new ArrayList<>();
        int appStatus = 200;
        byte[] appBody = "live".getBytes(StandardCharsets.UTF_8);
        FallbackResponse fallbackWritten;
        Rejection problemWritten;
        boolean writtenAtDeadline;
        boolean deadlineAnswered;
        /** How many permits were settled when the first byte was written. */
        int settledAtFirstWrite = -1;

        RecordingSink(Call call) {
            this.call = call;
        }

        @Override
        public int applicationStatus() {
            return appStatus;
        }

        @Override
        public List<Header> applicationHeaders() {
            return appHeaders;
        }

        @Override
        public byte[] applicationBody() {
            return appBody;
        }

        @Override
        public void discard() {
            events.add("discard");
        }

        private void written() {
            if (settledAtFirstWrite < 0) {
                settledAtFirstWrite = limit.settled();
            }
        }

        @Override
        public void writeFallback(FallbackResponse response, boolean atDeadline) {
            written();
            fallbackWritten = response;
            writtenAtDeadline = atDeadline;
            events.add("fallback " + response.source() + " " + response.status());
        }

        @Override
        public void writeProblem(Rejection problem, boolean atDeadline) {
            written();
            problemWritten = problem;
            writtenAtDeadline = atDeadline;
            events.add("problem " + problem.status());
        }

        @Override
        public void commitApplication() {
            written();
            events.add("commit");
        }

        /** Headers a layer outside Seawall adds when the response commits (as Spring Security's wrapper does). */
        final List<Header> addedAtCommit = new ArrayList<>();

        @Override
        public void commitHeadersForCopy() {
            events.add("headers");
            appHeaders.addAll(addedAtCommit);
        }

        @Override
        public void settle(Throwable failure, int applicationStatus, boolean refusedInside) {
            events.add("settle " + applicationStatus + " refused=" + refusedInside);
            if (refusedInside) {
                call.exchange.release();
            } else {
                call.exchange.complete(new Outcome(applicationStatus, failure, 0, clock.nanoTime(),
                        call.arbiter.gate().deadlinePassed()));
            }
        }

        @Override
        public void deadlineAnswered() {
            deadlineAnswered = true;
        }
    }

    private void passDeadline() {
        clock.advance(TIMEOUT.plusMillis(1));
        timer.runDue();
    }

    @Test
    void deadlineWinsWhenItFiresBeforeTheApplicationFinishes() throws IOException {
        Call call = new Call(policy(null, true, false), request);

        passDeadline();

        assertThat(call.sink.events).containsExactly("discard", "problem 503");
        assertThat(call.sink.problemWritten.type()).isEqualTo(ProblemTypes.TIMEOUT);
        assertThat(call.sink.writtenAtDeadline).isTrue();
        assertThat(call.sink.deadlineAnswered).isTrue();
        assertThat(timeout.answeredCount()).isEqualTo(1);

        // the application returns late: nothing more is written, and a failure then is not answered again
        assertThat(call.arbiter.finish(new IllegalStateException("late"))).isEqualTo(AnswerArbiter.Finish.TIMED_OUT);
        assertThat(call.sink.events).containsExactly("discard", "problem 503");
        assertThat(call.arbiter.decided()).isTrue();
    }

    @Test
    void aShorterRequestTimeoutIsArmedAndItsAnswerNamesIt() throws IOException {
        FakeRequest req = FakeRequest.get("/x");
        Policy p = policy(null, false, false);
        Exchange exchange = p.chain().admit(req, clock.nanoTime());
        RecordingSink sink = new RecordingSink(null);
        AnswerArbiter arbiter = new AnswerArbiter(sink, new ResponseGate(null), req, clock);
        arbiter.join(CoreAccess.answerPlan(p), exchange);
        long start = clock.nanoTime();
        arbiter.arm(timeout, timer, start, 250_000_000L);
        assertThat(arbiter.deadlineNanos()).isEqualTo(start + 250_000_000L);

        clock.advance(java.time.Duration.ofMillis(249));
        timer.runDue();
        assertThat(sink.events).as("not yet").isEmpty();
        clock.advance(java.time.Duration.ofMillis(2));
        timer.runDue();

        assertThat(sink.events).containsExactly("discard", "problem 503");
        assertThat(sink.problemWritten.detail()).isEqualTo("The request did not complete within 250 ms.");
        assertThat(sink.problemWritten).isNotSameAs(timeout.timeoutAnswer());
    }

    @Test
    void applicationWinsWhenItFinishesBeforeTheDeadline() throws IOException {
        Call call = new Call(policy(null, true, false), request);
        clock.advance(TIMEOUT.minusMillis(1));

        assertThat(call.arbiter.finish(null)).isEqualTo(AnswerArbiter.Finish.ANSWERED);
        passDeadline();

        assertThat(call.sink.events).containsExactly("settle 200 refused=false", "commit");
        assertThat(call.sink.deadlineAnswered).isFalse();
        assertThat(timeout.answeredCount()).isZero();
        assertThat(limit.outcomes).singleElement().satisfies(o -> assertThat(o.timedOut()).isFalse());
    }

    @Test
    void deadlineIsAnsweredByTheFallbackWhenThePolicyHasOne() {
        Call call = new Call(policy(fallback().staticResponse(staticAnswer).build(), true, false), request);

        passDeadline();

        assertThat(call.sink.events).containsExactly("discard", "fallback fallback 200");
        assertThat(call.sink.fallbackWritten.header("Cache-Control")).isEqualTo("no-store");
        assertThat(call.sink.writtenAtDeadline).isTrue();
    }

    @Test
    void streamingApplicationKeepsItsResponseAndTheDeadlineIsOnlyCountedAsAnOverrun() throws IOException {
        Call call = new Call(policy(null, true, false), request);
        assertThat(call.arbiter.gate().stream()).isTrue();

        passDeadline();

        assertThat(call.sink.events).isEmpty();
        assertThat(timeout.overranCount()).isEqualTo(1);
        assertThat(call.arbiter.finish(null)).isEqualTo(AnswerArbiter.Finish.STREAMING);
        assertThat(call.sink.events).isEmpty();
    }

    @Test
    void serverErrorIsReplacedByTheFallbackAndTheBreakerSeesTheApplicationsStatus() throws IOException {
        Call call = new Call(policy(fallback().staticResponse(staticAnswer).build(), false, false), request);
        call.sink.appStatus = 502;

        assertThat(call.arbiter.finish(null)).isEqualTo(AnswerArbiter.Finish.ANSWERED);

        assertThat(call.sink.events).containsExactly("settle 502 refused=false", "discard", "fallback fallback 200");
        assertThat(limit.outcomes).singleElement().satisfies(o -> assertThat(o.status()).isEqualTo(502));
        assertThat(call.arbiter.applicationStatus()).isEqualTo(502);
    }

    @Test
    void serverErrorWithoutAFallbackAnswerGoesOutAsTheApplicationWroteIt() throws IOException {
        Call call = new Call(policy(fallback().staleCache(cache).build(), false, false), request);
        call.sink.appStatus = 503;

        call.arbiter.finish(null);

        assertThat(call.sink.events).containsExactly("settle 503 refused=false", "commit");
        assertThat(cache.size()).isZero();
    }

    @Test
    void exceptionIsAnsweredByTheFallback() throws IOException {
        Call call = new Call(policy(fallback().staticResponse(staticAnswer).build(), false, false), request);
        IllegalStateException boom = new IllegalStateException("boom");

        assertThat(call.arbiter.finish(boom)).isEqualTo(AnswerArbiter.Finish.ANSWERED);

        assertThat(call.sink.events).containsExactly("settle 500 refused=false", "discard", "fallback fallback 200");
        assertThat(limit.outcomes).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(500);
            assertThat(o.failure()).isSameAs(boom);
        });
    }

    @Test
    void exceptionWithoutAFallbackGetsTheSafeInternalError() throws IOException {
        Call call = new Call(policy(null, true, false), request);

        call.arbiter.finish(new IllegalStateException("secret detail"));

        assertThat(call.sink.events).containsExactly("settle 500 refused=false", "discard", "problem 500");
        assertThat(call.sink.problemWritten.type()).isEqualTo(ProblemTypes.INTERNAL_ERROR);
        assertThat(call.sink.problemWritten.detail()).doesNotContain("secret");
        assertThat(call.sink.writtenAtDeadline).isFalse();
    }

    @Test
    void failClosedPolicyNeverGetsASubstitute() throws IOException {
        FallbackResponse errorLooking = FallbackResponse.of(503, "text/plain", "down");
        Call failed = new Call(policy(fallback().staticResponse(errorLooking).failClosed(true).build(), true, true),
                request);

        failed.arbiter.finish(new IllegalStateException("boom"));

        assertThat(failed.sink.events).containsExactly("settle 500 refused=false", "discard", "problem 503");
        assertThat(failed.sink.problemWritten.type()).isEqualTo(ProblemTypes.SERVICE_UNAVAILABLE);
        assertThat(failed.sink.problemWritten.headers()).contains(new Header("Retry-After", "1"));

        Call late = new Call(failed.policy, request);
        passDeadline();
        assertThat(late.sink.events).containsExactly("discard", "problem 503");
        assertThat(late.sink.problemWritten.type()).isEqualTo(ProblemTypes.TIMEOUT);
    }

    @Test
    void staleCopyIsKeptBeforeTheAnswerCommitsAndServedWithItsAge() throws IOException {
        Policy p = policy(fallback().staleCache(cache).build(), true, false);
        Call good = new Call(p, request);
        good.sink.appHeaders.add(new Header("Content-Type", "text/plain"));
        good.arbiter.finish(null);
        assertThat(good.sink.events).containsExactly("settle 200 refused=false", "headers", "commit");
        assertThat(cache.size()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(30));
        Call failing = new Call(p, request);
        failing.sink.appStatus = 500;
        failing.arbiter.finish(null);

        assertThat(failing.sink.events).containsExactly("settle 500 refused=false", "discard", "fallback cache 200");
        FallbackResponse served = failing.sink.fallbackWritten;
        assertThat(new String(served.body(), StandardCharsets.UTF_8)).isEqualTo("live");
        assertThat(served.header("Age")).isEqualTo("30");
        assertThat(served.header("Content-Type")).isEqualTo("text/plain");
    }

    @Test
    void staleCopyOfAStreamedResponseIsKeptWhenItWasCapturedWhole() throws IOException {
        Call call = new Call(policy(fallback().staleCache(cache).build(), true, false), request);
        call.arbiter.gate().stream();

        assertThat(call.arbiter.finish(null)).isEqualTo(AnswerArbiter.Finish.STREAMING);

        assertThat(cache.size()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Cache-Control: no-store", "Cache-Control: private, max-age=60", "Set-Cookie: id=1"})
    void answersThatMustNotBeSharedAreNeverStored(String header) throws IOException {
        Call call = new Call(policy(fallback().staleCache(cache).build(), false, false), request);
        String[] nameValue = header.split(": ", 2);
        call.sink.appHeaders.add(new Header(nameValue[0], nameValue[1]));

        call.arbiter.finish(null);

        assertThat(call.sink.events).containsExactly("settle 200 refused=false", "headers", "commit");
        assertThat(cache.size()).isZero();
    }

    /** A layer outside Seawall marks the answer no-store only when it commits: the copy is judged after that. */
    @Test
    void aStaleCopyIsJudgedOnTheHeadersAsCommitted() throws IOException {
        Call call = new Call(policy(fallback().staleCache(cache).build(), false, false), request);
        call.sink.addedAtCommit.add(new Header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"));

        call.arbiter.finish(null);

        assertThat(call.sink.events).containsExactly("settle 200 refused=false", "headers", "commit");
        assertThat(cache.size()).isZero();
    }

    @Test
    void withCacheNoStoreTheCallersOwnCopyOfANoStoreAnswerIsKept() throws IOException {
        StaleCache keeping = new StaleCache(Duration.ofMinutes(10), 100, 1024 * 1024, List.of(), clock, true);
        Policy p = policy(fallback().staleCache(keeping).build(), false, false);
        Call call = new Call(p, request);
        call.sink.addedAtCommit.add(new Header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"));
        call.arbiter.finish(null);
        assertThat(keeping.size()).isEqualTo(1);

        Call failing = new Call(p, request);
        failing.sink.appStatus = 503;
        failing.arbiter.finish(null);
        assertThat(failing.sink.events).containsExactly("settle 503 refused=false", "discard", "fallback cache 200");

        Call other = new Call(p, FakeRequest.get("/catalog").user("bob"));
        other.sink.appStatus = 503;
        other.arbiter.finish(null);
        assertThat(other.sink.events).as("another caller never gets it").containsExactly("settle 503 refused=false",
                "commit");
    }

    /** Only stale-cache candidates pay for committing the headers first. */
    @Test
    void answersThatAreNoCandidateForACopyAreNotCommittedTwice() throws IOException {
        Call noCache = new Call(policy(fallback().staticResponse(staticAnswer).build(), false, false), request);
        noCache.arbiter.finish(null);
        assertThat(noCache.sink.events).containsExactly("settle 200 refused=false", "commit");

        Policy p = policy(fallback().staleCache(cache).build(), false, false);
        Call post = new Call(p, FakeRequest.get("/catalog").method("POST"));
        post.arbiter.finish(null);
        assertThat(post.sink.events).containsExactly("settle 200 refused=false", "commit");

        Call notFound = new Call(p, request);
        notFound.sink.appStatus = 404;
        notFound.arbiter.finish(null);
        assertThat(notFound.sink.events).containsExactly("settle 404 refused=false", "commit");

        Call unheld = new Call(p, request);
        unheld.sink.appBody = null;
        unheld.arbiter.finish(null);
        assertThat(unheld.sink.events).containsExactly("settle 200 refused=false", "commit");
    }

    @Test
    void onlyGetAnswersAreStored() throws IOException {
        Call post = new Call(policy(fallback().staleCache(cache).build(), false, false),
                FakeRequest.get("/catalog").method("POST"));

        post.arbiter.finish(null);

        assertThat(cache.size()).isZero();
    }

    @Test
    void permitsAreSettledBeforeAnyAnswerIsWritten() throws IOException {
        Policy withFallback = policy(fallback().staticResponse(staticAnswer).build(), true, false);
        for (int status : new int[] {200, 500}) {
            Call call = new Call(withFallback, request);
            call.sink.appStatus = status;
            int before = limit.settled();
            call.arbiter.finish(null);
            assertThat(call.sink.settledAtFirstWrite).as("status %d", status).isEqualTo(before + 1);
        }
        Call failing = new Call(withFallback, request);
        int before = limit.settled();
        failing.arbiter.finish(new IllegalStateException("boom"));
        assertThat(failing.sink.settledAtFirstWrite).isEqualTo(before + 1);
    }

    @Test
    void refusalByAnInnerFilterIsAnsweredByTheFallbackWhenItListsIt() throws IOException {
        Rejection queueFull = Rejection.builder(503, ProblemTypes.TEMPORARY_REDUCED_CAPACITY, "Service Unavailable")
                .build();
        Policy listsThrottled = policy(fallback().staticResponse(staticAnswer)
                .on(Set.of(FallbackTrigger.THROTTLED)).build(), false, false);
        Call answered = new Call(listsThrottled, request);
        answered.arbiter.refusedInside(queueFull);
        answered.arbiter.finish(null);
        assertThat(answered.sink.events).containsExactly("settle 200 refused=true", "discard", "fallback fallback 200");
        assertThat(limit.releases.get()).isEqualTo(1);

        Call asWritten = new Call(policy(fallback().staticResponse(staticAnswer).build(), false, false), request);
        asWritten.arbiter.refusedInside(queueFull);
        asWritten.arbiter.finish(null);
        assertThat(asWritten.sink.events).containsExactly("settle 200 refused=true", "commit");
    }

    @Test
    void aJoinAfterAnInnerRefusalStartsANewPass() throws IOException {
        Call call = new Call(policy(null, false, false), request);
        call.arbiter.refusedInside(Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests").build());
        Policy inner = policy(null, false, false);
        call.arbiter.join(CoreAccess.answerPlan(inner), inner.chain().admit(request, clock.nanoTime()));

        call.arbiter.finish(null);

        assertThat(call.sink.events).containsExactly("settle 200 refused=false", "commit");
    }

    @Test
    void theEarliestOfStackedDeadlinesBoundsTheRequest() {
        long start = clock.nanoTime();
        Call call = new Call(policy(null, true, false), request);
        TimeoutStage shorter = new TimeoutStage("inner", Duration.ofSeconds(1), 504);
        call.arbiter.arm(shorter, timer, clock.nanoTime());
        TimeoutStage longer = new TimeoutStage("outer", Duration.ofSeconds(5), 503);
        call.arbiter.arm(longer, timer, clock.nanoTime());

        clock.advance(Duration.ofMillis(1001));
        timer.runDue();

        assertThat(call.sink.events).containsExactly("discard", "problem 504");
        assertThat(call.arbiter.deadlineNanos()).isEqualTo(start + Duration.ofSeconds(1).toNanos());
    }

    @Test
    void permitHeadersOfEveryJoinedExchangeAreWritten() {
        Call call = new Call(policy(null, false, false), request);
        List<String> lines = new ArrayList<>();
        call.arbiter.writePermitHeaders((name, value) -> lines.add(name + ": " + value));
        assertThat(lines).containsExactly("RateLimit: \"p\";r=9;t=60");
    }

    @Test
    void planCompilesThePolicysStagesOnce() {
        FallbackStage fb = fallback().staleCache(cache).build();
        AnswerPlan plan = CoreAccess.answerPlan(policy(fb, true, false));
        assertThat(plan.fallback()).isSameAs(fb);
        assertThat(plan.timeout()).isSameAs(timeout);
        assertThat(plan.breaker()).isNull();
        assertThat(plan.buffers()).isTrue();
        assertThat(plan.captureLimit()).isEqualTo(cache.maxEntryBytes());

        AnswerPlan none = CoreAccess.answerPlan(policy(null, false, false));
        assertThat(none.buffers()).isFalse();
        assertThat(none.captureLimit()).isZero();
        assertThat(none.cacheKey(request)).isNull();
    }

    @Test
    void refusalByAStageInsideTheFallbackGetsItsAnswerButARateLimitNever() {
        Rejection open = Rejection.builder(503, ProblemTypes.SERVICE_UNAVAILABLE, "Service Unavailable").build();
        Policy p = new Policy("p", List.of("/*"), Set.of(), ChainBuilder.create()
                .add(fallback().staticResponse(staticAnswer).build())
                .add(new RecordingStage(StageKind.CIRCUIT_BREAKER).rejectWith(open)).build());
        Exchange refused = p.chain().admit(request, clock.nanoTime());
        assertThat(CoreAccess.answerPlan(p).refusalAnswer(refused, request, clock.nanoTime())).isNotNull();

        Rejection quota = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests").build();
        Policy limited = new Policy("q", List.of("/*"), Set.of(), ChainBuilder.create()
                .add(new RecordingStage(StageKind.RATE_LIMIT).rejectWith(quota))
                .add(fallback().staticResponse(staticAnswer).build()).build());
        Exchange limitedOut = limited.chain().admit(request, clock.nanoTime());
        assertThat(CoreAccess.answerPlan(limited).refusalAnswer(limitedOut, request, clock.nanoTime())).isNull();
    }

    @Test
    void unbufferedDeadlineInterruptsTheHandlerAndClearsTheInterruptWhenItReturns() {
        UnbufferedDeadline d = UnbufferedDeadline.arm(timeout, timer, clock.nanoTime(), Thread.currentThread());

        passDeadline();

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(d.deadlinePassed()).isTrue();
        assertThat(timeout.overranCount()).isEqualTo(1);
        d.handlerReturned();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
