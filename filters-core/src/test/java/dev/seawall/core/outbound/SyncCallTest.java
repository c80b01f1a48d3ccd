package dev.seawall.core.outbound;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.ClientTimeoutConfig;
import dev.seawall.core.config.HedgeConfig;
import dev.seawall.core.config.RetryBudgetConfig;
import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.timeout.Deadline;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The synchronous decorator under a fake clock: its pauses advance the clock instead of sleeping. */
class SyncCallTest {

    private final OutboundFixture f = new OutboundFixture();

    private OutboundClient client(RetryConfig retry) {
        return f.client(ClientConfig.builder("db").retry(retry).build());
    }

    @Test
    void retriesConnectErrorsWithTheJitteredPausesAndReturnsTheValue() throws Exception {
        OutboundClient c = client(RetryConfig.builder().maxAttempts(3).jitter(Jitter.NONE).build());
        AtomicInteger calls = new AtomicInteger();
        String v = c.call(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new ConnectException("refused");
            }
            return "row";
        });
        assertThat(v).isEqualTo("row");
        assertThat(f.pauses).containsExactly(TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(c.status().retries()).isEqualTo(2);
        assertThat(c.status().calls().get("success")).isEqualTo(1);
    }

    @Test
    void theLastExceptionIsThrownAsItCameWhenNotRetried() {
        OutboundClient c = client(RetryConfig.builder().maxAttempts(2).build());
        IllegalStateException domain = new IllegalStateException("constraint violated");
        assertThatThrownBy(() -> c.call(() -> {
            throw domain;
        })).isSameAs(domain);
        assertThat(f.pauses).isEmpty();
        SocketTimeoutException slow = new SocketTimeoutException("read timed out");
        assertThatThrownBy(() -> c.call(() -> {
            throw slow;
        })).isSameAs(slow);
        assertThat(f.pauses).hasSize(1);
        assertThat(c.status().declined().get("attempts")).isEqualTo(1);
    }

    @Test
    void aSpentBudgetReturnsTheFailureInsteadOfRetrying() {
        OutboundClient c = f.client(ClientConfig.builder("db").retry(RetryConfig.builder().maxAttempts(5).build())
                .budget(RetryBudgetConfig.builder().percent(0).minPerSecond(0).build()).build());
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> c.call(() -> {
            calls.incrementAndGet();
            throw new ConnectException("refused");
        })).isInstanceOf(ConnectException.class);
        assertThat(calls).hasValue(1);
        assertThat(c.status().declined().get("budget")).isEqualTo(1);
    }

    @Test
    void noTimeLeftMeansTheWorkNeverRuns() {
        OutboundClient c = client(RetryConfig.DEFAULTS);
        AtomicInteger calls = new AtomicInteger();
        try (Deadline.Scope ignored = Deadline.after(Duration.ofMillis(10), f.clock).bind()) {
            assertThatThrownBy(() -> c.call(calls::incrementAndGet)).isInstanceOf(OutboundException.class)
                    .satisfies(e -> assertThat(((OutboundException) e).reason())
                            .isEqualTo(OutboundException.Reason.DEADLINE_EXCEEDED));
        }
        assertThat(calls).hasValue(0);
    }

    @Test
    void theWorkRunsUnderTheAttemptsOwnDeadlineSoNestedCallsCascade() throws Exception {
        OutboundClient c = f.client(ClientConfig.builder("db").timeout(ClientTimeoutConfig.builder()
                .attempt(Duration.ofMillis(300)).build()).build());
        AtomicReference<Duration> seen = new AtomicReference<>();
        try (Deadline.Scope ignored = Deadline.after(Duration.ofSeconds(2), f.clock).bind()) {
            c.call(() -> {
                seen.set(Deadline.current().remaining());
                return null;
            });
            assertThat(Deadline.current().remaining()).isEqualTo(Duration.ofSeconds(2));
        }
        assertThat(seen.get()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void anAttemptPastItsTimeIsInterruptedCountedAsATimeoutAndRetried() throws Exception {
        OutboundClient c = f.client(ClientConfig.builder("db").retry(RetryConfig.builder().maxAttempts(2).build())
                .timeout(ClientTimeoutConfig.builder().attempt(Duration.ofMillis(200)).build()).build());
        CountDownLatch blocked = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> result = pool.submit(() -> c.call(() -> {
                if (calls.incrementAndGet() == 1) {
                    blocked.countDown();
                    new CountDownLatch(1).await(); // hangs until interrupted
                }
                return "second";
            }));
            assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
            await().untilAsserted(() -> {
                f.clock.advanceNanos(0);
                assertThat(f.timer.pending()).isPositive();
            });
            f.advanceMillis(200);
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("second");
            assertThat(calls).hasValue(2);
            assertThat(pool.submit(() -> Thread.currentThread().isInterrupted()).get())
                    .as("the pooled thread keeps no interrupt of Seawall's").isFalse();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBlockingHttpCallReadsStatusesAndRetryAfterLikeTheAsynchronousOne() throws Exception {
        OutboundClient c = f.client(ClientConfig.builder("api").host("api.example.com")
                .retry(RetryConfig.builder().maxAttempts(3).jitter(Jitter.NONE).build()).build());
        java.util.Deque<OutboundFixture.Response> script = new java.util.ArrayDeque<>(java.util.List.of(
                new OutboundFixture.Response(503, "2"), OutboundFixture.Response.of(502),
                OutboundFixture.Response.of(200)));
        java.util.List<AttemptContext> attempts = new java.util.ArrayList<>();
        OutboundFixture.DISCARDED.clear();
        OutboundFixture.Response r = c.executeBlocking(OutboundFixture.get("api.example.com"), attempt -> {
            attempts.add(attempt);
            return script.pop();
        }, OutboundFixture.READER, FailureClassifier.DEFAULT);
        assertThat(r.status()).isEqualTo(200);
        assertThat(f.pauses).containsExactly(TimeUnit.SECONDS.toNanos(2), TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(attempts).extracting(AttemptContext::number).containsExactly(1, 2, 3);
        assertThat(OutboundFixture.DISCARDED).containsExactly(new OutboundFixture.Response(503, "2"),
                OutboundFixture.Response.of(502));

        OutboundFixture.Response post = c.executeBlocking(OutboundFixture.post("api.example.com", false),
                attempt -> OutboundFixture.Response.of(503), OutboundFixture.READER, FailureClassifier.DEFAULT);
        assertThat(post.status()).as("a POST without a key is returned as it came").isEqualTo(503);
        assertThat(c.status().declined().get("method")).isEqualTo(1);
    }

    @Test
    void aSynchronousCallWithAHedgeRunsWithoutIt() throws Exception {
        OutboundClient c = f.client(ClientConfig.builder("db").hedge(new HedgeConfig(Duration.ofMillis(10))).build());
        assertThat(c.<String>call(() -> "ok")).isEqualTo("ok");
        assertThat(c.status().hedges()).isZero();
    }
}
