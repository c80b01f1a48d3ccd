package dev.seawall.core.internal.answer;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.event.FallbackServed;
import dev.seawall.core.event.RecordingListener;
import dev.seawall.core.event.TimeoutAnswered;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackStage;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.internal.timeout.ResponseGate;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import dev.seawall.core.timeout.TimeoutStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Timeouts answered and fallbacks served reach the engine's listeners, once each, after the answer is decided. */
class AnswerEventsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final ManualClock clock = new ManualClock();
    private final DeadlineTimer timer = DeadlineTimer.manual(clock);
    private final RecordingListener events = new RecordingListener();
    private final FakeRequest request = FakeRequest.get("/catalog");
    private Seawall engine;

    @AfterEach
    void close() {
        timer.close();
        if (engine != null) {
            engine.close();
        }
    }

    /** A policy with a timeout (and a static fallback when asked), served by an engine with {@link #events}. */
    private Policy policy(boolean withFallback) {
        ChainBuilder chain = ChainBuilder.create();
        if (withFallback) {
            chain.add(FallbackStage.builder("p")
                    .staticResponse(FallbackResponse.of(200, "application/json", "{\"items\":[]}")).build());
        }
        chain.add(new TimeoutStage("p", TIMEOUT, 503));
        Policy p = new Policy("p", List.of("/*"), Set.of(), chain.build(), false, 64 * 1024);
        engine = Seawall.builder().clock(clock).policy(p).listener(events).build();
        return p;
    }

    private AnswerArbiter start(Policy p, Sink sink) {
        Exchange exchange = p.chain().admit(request, clock.nanoTime());
        sink.exchange = exchange;
        AnswerArbiter arbiter = new AnswerArbiter(sink, new ResponseGate(null), request, clock);
        arbiter.join(CoreAccess.answerPlan(p), exchange);
        arbiter.arm(CoreAccess.answerPlan(p).timeout(), timer, clock.nanoTime());
        return arbiter;
    }

    @Test
    void aTimeoutAnsweredByTheFallbackReportsBothOnce() throws IOException {
        Sink sink = new Sink();
        AnswerArbiter arbiter = start(policy(true), sink);
        clock.advance(TIMEOUT.plusMillis(1));
        timer.runDue();
        assertThat(arbiter.finish(null)).isEqualTo(AnswerArbiter.Finish.TIMED_OUT);

        assertThat(events.events).containsExactly(new TimeoutAnswered("p", TIMEOUT, true),
                new FallbackServed("p", FallbackTrigger.TIMEOUT, "fallback", 200));
    }

    @Test
    void aTimeoutAnsweredWithTheProblemReportsNoFallback() throws IOException {
        Sink sink = new Sink();
        AnswerArbiter arbiter = start(policy(false), sink);
        clock.advance(TIMEOUT.plusMillis(1));
        timer.runDue();
        arbiter.finish(null);

        assertThat(events.events).containsExactly(new TimeoutAnswered("p", TIMEOUT, false));
    }

    @Test
    void aServerErrorReplacedByTheFallbackIsReported() throws IOException {
        Sink sink = new Sink();
        sink.status = 502;
        AnswerArbiter arbiter = start(policy(true), sink);
        assertThat(arbiter.finish(null)).isEqualTo(AnswerArbiter.Finish.ANSWERED);

        assertThat(events.events).containsExactly(new FallbackServed("p", FallbackTrigger.ERROR, "fallback", 200));
    }

    @Test
    void theApplicationsOwnAnswerReportsNothing() throws IOException {
        AnswerArbiter arbiter = start(policy(true), new Sink());
        arbiter.finish(null);
        assertThat(events.events).isEmpty();
    }

    /** A response that only settles the exchange. */
    private final class Sink implements AnswerSink {
        Exchange exchange;
        int status = 200;

        @Override
        public int applicationStatus() {
            return status;
        }

        @Override
        public List<Rejection.Header> applicationHeaders() {
            return List.of();
        }

        @Override
        public byte[] applicationBody() {
            return new byte[0];
        }

        @Override
        public void discard() {
        }

        @Override
        public void writeFallback(FallbackResponse response, boolean atDeadline) {
        }

        @Override
        public void writeProblem(Rejection problem, boolean atDeadline) {
        }

        @Override
        public void commitApplication() {
        }

        @Override
        public void commitHeadersForCopy() {
        }

        @Override
        public void settle(Throwable failure, int applicationStatus, boolean refusedInside) {
            exchange.complete(new Outcome(applicationStatus, failure, 0, clock.nanoTime(), false));
        }

        @Override
        public void deadlineAnswered() {
        }
    }
}
