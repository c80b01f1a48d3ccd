package dev.seawall.core.outbound;

import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.ClientTimeoutConfig;
import dev.seawall.core.config.HedgeConfig;
import dev.seawall.core.config.RetryBudgetConfig;
import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.internal.outbound.ClientCore;
import dev.seawall.core.outbound.OutboundFixture.Response;
import dev.seawall.core.timeout.Deadline;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The asynchronous driver under a fake clock: every wait is a timer the test fires by advancing the clock. */
class AsyncCallTest {

    private final OutboundFixture f = new OutboundFixture();
    private final OutboundFixture.Scripted transport = f.new Scripted();

    @BeforeEach
    void clearDiscarded() {
        OutboundFixture.DISCARDED.clear();
    }

    private static ClientConfig.Builder client() {
        return ClientConfig.builder("dep").host("api.example.com");
    }

    private static RetryConfig.Builder retry() {
        return RetryConfig.builder();
    }

    private CompletableFuture<Response> execute(OutboundClient c, OutboundRequest r) {
        return c.execute(r, transport, OutboundFixture.READER);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Test
    void aFailureThenASuccessIsOneRetryAfterTheJitteredBackoff() throws Exception {
        OutboundClient c = f.client(client().build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(503);
        assertThat(transport.sent).hasSize(1);
        f.advanceMillis(49);
        assertThat(transport.sent).as("full jitter at 0.5 of 100ms: 50ms").hasSize(1);
        f.advanceMillis(1);
        assertThat(transport.sent).hasSize(2);
        assertThat(transport.last().context().number()).isEqualTo(2);
        transport.answer(200);
        assertThat(result.get().status()).isEqualTo(200);
        assertThat(OutboundFixture.DISCARDED).containsExactly(Response.of(503));
        ClientStatus s = c.status();
        assertThat(s.calls().get("success")).isEqualTo(1);
        assertThat(s.attempts()).isEqualTo(1);
        assertThat(s.retries()).isEqualTo(1);
    }

    @Test
    void noJitterDoublesTheBackoffUpToMaxAndStopsAtMaxAttempts() throws Exception {
        OutboundClient c = f.client(client().retry(retry().maxAttempts(5).jitter(Jitter.NONE)
                .base(Duration.ofMillis(100)).max(Duration.ofMillis(300)).build()).build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        long[] expected = {100, 200, 300, 300};
        for (long wait : expected) {
            long before = f.clock.nanoTime();
            transport.answer(502);
            int n = transport.sent.size();
            f.advanceMillis(wait - 1);
            assertThat(transport.sent).hasSize(n);
            f.advanceMillis(1);
            assertThat(transport.sent).hasSize(n + 1);
            assertThat(ms(transport.last().atNanos() - before)).isEqualTo(wait);
        }
        transport.answer(502);
        assertThat(result.get().status()).as("the last answer is returned as it came").isEqualTo(502);
        assertThat(transport.sent).hasSize(5);
        assertThat(c.status().declined().get("attempts")).isEqualTo(1);
    }

    @Test
    void equalAndDecorrelatedJitterFollowTheirFormulas() throws Exception {
        f.random = 0.25;
        OutboundClient equal = f.client(client().retry(retry().jitter(Jitter.EQUAL).build()).build());
        execute(equal, OutboundFixture.get("api.example.com"));
        long t0 = f.clock.nanoTime();
        transport.answer(503);
        f.advanceMillis(62);
        assertThat(transport.sent).hasSize(1);
        f.advanceMillis(1); // 50 + 0.25 * 50 = 62.5ms
        assertThat(transport.sent).hasSize(2);
        assertThat(ms(transport.last().atNanos() - t0)).isEqualTo(63);

        OutboundFixture.Scripted t2 = f.new Scripted();
        OutboundClient dec = f.client(ClientConfig.builder("dec").retry(retry().maxAttempts(3)
                .jitter(Jitter.DECORRELATED).build()).build());
        dec.execute(OutboundFixture.get("x"), t2, OutboundFixture.READER);
        t0 = f.clock.nanoTime();
        t2.answer(503);
        // first retry: base + 0.25 * (3 * base - base) = 150ms
        f.advanceMillis(150);
        assertThat(t2.sent).hasSize(2);
        assertThat(ms(t2.last().atNanos() - t0)).isEqualTo(150);
        t0 = f.clock.nanoTime();
        t2.answer(503);
        // second: base + 0.25 * (3 * 150 - 100) = 187.5ms
        f.advanceMillis(187);
        assertThat(t2.sent).hasSize(2);
        f.advanceMillis(1);
        assertThat(t2.sent).hasSize(3);
    }

    @Test
    void retryAfterIsHonouredNeverSooner() throws Exception {
        OutboundClient c = f.client(client().build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(503, "2");
        f.advance(Duration.ofMillis(1999));
        assertThat(transport.sent).hasSize(1);
        f.advanceMillis(1);
        assertThat(transport.sent).hasSize(2);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(f.wallStart.plusSeconds(3).atOffset(ZoneOffset.UTC));
        transport.answer(429, date);
        f.advance(Duration.ofMillis(2999));
        assertThat(transport.sent).hasSize(2);
        f.advanceMillis(1);
        assertThat(transport.sent).hasSize(3);
        transport.answer(200);
        assertThat(result.get().status()).isEqualTo(200);
    }

    @Test
    void aRetryAfterLongerThanAllowedOrThanTheDeadlineIsReturnedAtOnce() throws Exception {
        OutboundClient c = f.client(client().retry(retry().maxRetryAfter(Duration.ofSeconds(5)).build())
                .timeout(ClientTimeoutConfig.builder().total(Duration.ofSeconds(3)).build()).build());
        CompletableFuture<Response> tooLong = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(503, "6");
        assertThat(tooLong).isCompletedWithValue(new Response(503, "6"));
        CompletableFuture<Response> pastDeadline = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(429, "4");
        assertThat(pastDeadline).isCompletedWithValue(new Response(429, "4"));
        CompletableFuture<Response> huge = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(503, "99999999999999999999");
        assertThat(huge).isCompleted();
        assertThat(transport.sent).hasSize(3);
        assertThat(c.status().declined().get("retry-after")).isEqualTo(2);
        assertThat(c.status().declined().get("deadline")).isEqualTo(1);
    }

    @Test
    void unreadableOrPastRetryAfterFallsBackToTheBackoff() throws Exception {
        for (String hostile : List.of("-5", "1.5", "soon", "", "Wed, 21 Oct 2015 07:28:00 GMT", "+3", "0x10")) {
            OutboundFixture.Scripted t = f.new Scripted();
            OutboundClient c = f.client(ClientConfig.builder("c" + Math.abs(hostile.hashCode() % 1000))
                    .retry(retry().jitter(Jitter.NONE).build()).build());
            CompletableFuture<Response> r = c.execute(OutboundFixture.get("h"), t, OutboundFixture.READER);
            t.answer(503, hostile);
            f.advanceMillis(99);
            assertThat(t.sent).as(hostile).hasSize(1);
            f.advanceMillis(1);
            assertThat(t.sent).as(hostile).hasSize(2);
            t.answer(200);
            assertThat(r.get().status()).isEqualTo(200);
        }
    }

    @Test
    void aPostIsRetriedOnlyWithAnIdempotencyKeyAndAnUnreplayableBodyNever() throws Exception {
        OutboundClient c = f.client(client().build());
        CompletableFuture<Response> post = execute(c, OutboundFixture.post("api.example.com", false));
        transport.answer(503);
        assertThat(post).isCompletedWithValue(Response.of(503));
        CompletableFuture<Response> keyed = execute(c, OutboundFixture.post("api.example.com", true));
        transport.answer(503);
        f.advanceMillis(50);
        assertThat(transport.sent).hasSize(3);
        transport.answer(201);
        assertThat(keyed.get().status()).isEqualTo(201);
        CompletableFuture<Response> streamed = execute(c,
                new OutboundRequest("PUT", "api.example.com", 443, "/x", false, false));
        transport.answer(503);
        assertThat(streamed).isCompletedWithValue(Response.of(503));
        assertThat(c.status().declined()).containsEntry("method", 1L).containsEntry("body", 1L);
    }

    @Test
    void theBudgetHoldsRetriesToItsShareDuringAnOutage() {
        OutboundClient c = f.client(client().retry(retry().maxAttempts(3).jitter(Jitter.NONE).build())
                .budget(RetryBudgetConfig.builder().percent(10).minPerSecond(1).build()).build());
        int seconds = 20;
        int perSecond = 50;
        for (int s = 0; s < seconds; s++) {
            for (int i = 0; i < perSecond; i++) {
                execute(c, OutboundFixture.get("api.example.com"));
            }
            // every attempt fails at once; retries fire from the timer, within the same second
            for (int k = 0; k < 3; k++) {
                for (OutboundFixture.Sent sent : transport.sent) {
                    sent.future().complete(Response.of(503));
                }
                f.advanceMillis(k < 2 ? 200 : 600);
            }
        }
        int calls = seconds * perSecond;
        // the share of each second's first attempts, plus the floor (1/s over a 10s window) at most twice
        assertThat(transport.sent.size()).as("attempts for %d calls", calls)
                .isLessThanOrEqualTo(calls + calls / 10 + 20)
                .isGreaterThanOrEqualTo(calls + calls / 10);
        assertThat(c.status().declined().get("budget")).isGreaterThan(0);
    }

    @Test
    void theBreakerOpensPerHostAndProbesAfterOpenFor() throws Exception {
        OutboundClient c = f.client(client().host("other.example.com")
                .retry(retry().maxAttempts(1).build())
                .circuitBreaker(CircuitBreakerConfig.builder().minimumCalls(2).windowCalls(2).failureRate(50)
                        .openFor(Duration.ofSeconds(10)).halfOpenCalls(1).build()).build());
        for (int i = 0; i < 2; i++) {
            execute(c, OutboundFixture.get("api.example.com"));
            transport.answer(500);
        }
        int sent = transport.sent.size();
        CompletableFuture<Response> refused = execute(c, OutboundFixture.get("api.example.com"));
        assertThat(transport.sent).as("nothing sent while open").hasSize(sent);
        assertThatThrownBy(refused::get).hasCauseInstanceOf(OutboundException.class)
                .cause().satisfies(e -> assertThat(((OutboundException) e).reason())
                        .isEqualTo(OutboundException.Reason.CIRCUIT_OPEN));
        CompletableFuture<Response> otherHost = execute(c, OutboundFixture.get("other.example.com"));
        transport.answer(200);
        assertThat(otherHost.get().status()).isEqualTo(200);
        assertThat(c.breakers()).containsKeys("api.example.com:443", "other.example.com:443");
        f.advance(Duration.ofMillis(10_001));
        CompletableFuture<Response> probe = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(200);
        assertThat(probe.get().status()).isEqualTo(200);
        assertThat(c.status().breakers()).containsEntry("api.example.com:443", "CLOSED");
        assertThat(c.status().calls().get("circuit-open")).isEqualTo(1);
    }

    @Test
    void aHedgeIsSentAfterTheDelayAndTheFirstAnswerWinsTheLoserCancelled() throws Exception {
        OutboundClient c = f.client(client().hedge(new HedgeConfig(Duration.ofMillis(50))).build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        f.advanceMillis(49);
        assertThat(transport.sent).hasSize(1);
        f.advanceMillis(1);
        assertThat(transport.sent).hasSize(2);
        assertThat(transport.last().context().hedged()).isTrue();
        transport.answer(200);
        assertThat(result.get().status()).isEqualTo(200);
        assertThat(transport.sent.get(0).future()).isCancelled();
        assertThat(c.status().hedges()).isEqualTo(1);

        CompletableFuture<Response> post = execute(c, OutboundFixture.post("api.example.com", false));
        f.advanceMillis(100);
        assertThat(transport.sent).as("a POST is never hedged").hasSize(3);
        transport.answer(200);
        assertThat(post.get().status()).isEqualTo(200);
    }

    @Test
    void anAttemptThatHangsIsCutAtItsTimeoutAndRetried() throws Exception {
        OutboundClient c = f.client(client().timeout(ClientTimeoutConfig.builder().attempt(Duration.ofMillis(200))
                .total(Duration.ofSeconds(1)).build()).build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        assertThat(ms(transport.last().context().timeoutNanos())).isEqualTo(200);
        f.advanceMillis(200);
        assertThat(transport.sent.get(0).future()).isCancelled();
        f.advanceMillis(50);
        assertThat(transport.sent).hasSize(2);
        assertThat(ms(transport.last().context().timeoutNanos())).isEqualTo(200);
        transport.answer(200);
        assertThat(result.get().status()).isEqualTo(200);
    }

    @Test
    void aCallThatRunsOutOfTimeWithNoAnswerFailsAtTheTotal() {
        OutboundClient c = f.client(client().retry(retry().maxAttempts(1).build())
                .timeout(ClientTimeoutConfig.builder().total(Duration.ofMillis(300)).build()).build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        f.advanceMillis(299);
        assertThat(result).isNotDone();
        f.advanceMillis(1);
        assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(OutboundException.class)
                .satisfies(e -> assertThat(((OutboundException) e).reason())
                        .isEqualTo(OutboundException.Reason.TIMED_OUT));
        assertThat(transport.sent.get(0).future()).isCancelled();
        assertThat(c.status().inFlight()).isZero();
    }

    @Test
    void theInboundDeadlineBoundsTheCallAndFailsItFastWhenGone() throws Exception {
        OutboundClient c = f.client(client().timeout(ClientTimeoutConfig.builder().share(50)
                .deadlineHeader("X-Deadline-Ms").build()).build());
        try (Deadline.Scope ignored = Deadline.after(Duration.ofSeconds(1), f.clock).bind()) {
            execute(c, OutboundFixture.get("api.example.com"));
        }
        AttemptContext ctx = transport.last().context();
        assertThat(ms(ctx.timeoutNanos())).isEqualTo(495); // (1000 - 10 margin) * 50%
        assertThat(ctx.deadlineHeader()).isEqualTo("X-Deadline-Ms");
        assertThat(ctx.remainingMillis()).isEqualTo(495);
        transport.answer(200);

        Deadline gone = Deadline.after(Duration.ofMillis(5), f.clock);
        CompletableFuture<Response> late;
        try (Deadline.Scope ignored = gone.bind()) {
            late = execute(c, OutboundFixture.get("api.example.com"));
        }
        assertThat(transport.sent).as("no network I/O without time left").hasSize(1);
        assertThatThrownBy(late::get).cause().isInstanceOf(OutboundException.class)
                .satisfies(e -> assertThat(((OutboundException) e).reason())
                        .isEqualTo(OutboundException.Reason.DEADLINE_EXCEEDED));
        assertThat(Deadline.current()).isNull();
    }

    @Test
    void theBulkheadRefusesBeyondMaxConcurrentAndFreesItsSlot() throws Exception {
        OutboundClient c = f.client(client().maxConcurrent(1).build());
        CompletableFuture<Response> first = execute(c, OutboundFixture.get("api.example.com"));
        CompletableFuture<Response> second = execute(c, OutboundFixture.get("api.example.com"));
        assertThatThrownBy(second::get).cause().isInstanceOf(OutboundException.class)
                .satisfies(e -> assertThat(((OutboundException) e).reason())
                        .isEqualTo(OutboundException.Reason.BULKHEAD_FULL));
        transport.answer(200);
        assertThat(first.get().status()).isEqualTo(200);
        CompletableFuture<Response> third = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(200);
        assertThat(third.get().status()).isEqualTo(200);
        assertThat(c.status().calls().get("bulkhead-full")).isEqualTo(1);
    }

    @Test
    void cancellingTheResultCancelsTheAttemptAndFreesTheSlot() {
        OutboundClient c = f.client(client().maxConcurrent(1).build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        result.cancel(true);
        assertThat(transport.last().future()).isCancelled();
        assertThat(c.status().inFlight()).isZero();
        f.advance(Duration.ofSeconds(5));
        assertThat(transport.sent).hasSize(1);
    }

    @Test
    void exceptionsAreClassifiedConnectErrorsRetriedOthersReturned() throws Exception {
        OutboundClient c = f.client(client().build());
        CompletableFuture<Response> connect = execute(c, OutboundFixture.get("api.example.com"));
        transport.fail(new ConnectException("refused"));
        f.advanceMillis(50);
        assertThat(transport.sent).hasSize(2);
        transport.answer(200);
        assertThat(connect.get().status()).isEqualTo(200);

        CompletableFuture<Response> other = execute(c, OutboundFixture.get("api.example.com"));
        transport.fail(new IOException("stream reset"));
        assertThatThrownBy(other::get).cause().isInstanceOf(IOException.class).hasMessage("stream reset");

        CompletableFuture<Response> thrown = c.execute(OutboundFixture.get("api.example.com"), attempt -> {
            throw new IllegalStateException("transport bug");
        }, OutboundFixture.READER);
        assertThatThrownBy(thrown::get).cause().isInstanceOf(IllegalStateException.class);
        assertThat(c.status().inFlight()).isZero();
    }

    @Test
    void aRetryRefusedByANowOpenBreakerReturnsTheLastAnswer() throws Exception {
        OutboundClient c = f.client(client().retry(retry().maxAttempts(3).build())
                .circuitBreaker(CircuitBreakerConfig.builder().minimumCalls(1).windowCalls(1).failureRate(100)
                        .build()).build());
        CompletableFuture<Response> result = execute(c, OutboundFixture.get("api.example.com"));
        transport.answer(503); // opens the breaker (failure-statuses 500-599)
        f.advanceMillis(50);
        assertThat(transport.sent).hasSize(1);
        assertThat(result.get().status()).isEqualTo(503);
        assertThat(c.status().declined().get("circuit-open")).isEqualTo(1);
    }

    @Test
    void aDecoratedAsyncCallIsRetriedOnItsClassifiedFailures() throws Exception {
        OutboundClient c = f.client(ClientConfig.builder("cache").build());
        int[] calls = {0};
        CompletableFuture<String> v = c.callAsync(() -> {
            calls[0]++;
            return calls[0] == 1 ? CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException())
                    : CompletableFuture.completedFuture("hit");
        });
        f.advanceMillis(50);
        assertThat(v.get()).isEqualTo("hit");
        assertThat(calls[0]).isEqualTo(2);
        CompletableFuture<String> ignored = c.callAsync(() -> CompletableFuture.failedFuture(
                new IllegalArgumentException("not found")), e -> FailureClassifier.Failure.IGNORED);
        assertThatThrownBy(ignored::get).cause().isInstanceOf(IllegalArgumentException.class);
        assertThat(ClientCore.Outcome.values()).hasSize(6);
    }
}
