package dev.seawall.client;

import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.ClientTimeoutConfig;
import dev.seawall.core.config.HedgeConfig;
import dev.seawall.core.config.RetryBudgetConfig;
import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.outbound.FailureClassifier;
import dev.seawall.core.outbound.Jitter;
import dev.seawall.core.outbound.OutboundClients;
import dev.seawall.core.outbound.OutboundException;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.Deadline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What both HTTP adapters must do against a real downstream on 127.0.0.1 scripted to fail. Each subclass plugs in
 * one adapter; every decision under test is the engine's, so both must behave alike.
 */
abstract class OutboundAdapterContract {

    static final String NAME = "downstream";
    static final String DEADLINE_HEADER = "X-Deadline-Ms";

    /** What the caller got: a status and body, or the exception it saw. */
    record Outcome(int status, String body, Throwable error) {
        OutboundException outbound() {
            for (Throwable t = error; t != null; t = t.getCause()) {
                if (t instanceof OutboundException o) {
                    return o;
                }
            }
            return null;
        }
    }

    ScriptedServer server;
    private TestEngine engine;

    /** Makes the adapter under test, protecting with these clients (bound to one name when it is not null). */
    abstract void protect(Supplier<OutboundClients> clients, String clientName);

    /** Sends a request the way a caller does; headers come in name, value pairs. */
    abstract Outcome call(String method, URI uri, String body, String... headers) throws Exception;

    /** Sends a GET asynchronously; the future fails as the caller would see it. */
    abstract CompletableFuture<Integer> callAsync(URI uri);

    /** The exception type the adapter's caller sees for a downstream that fails at the transport. */
    abstract Class<? extends Throwable> transportFailure();

    abstract void closeAdapter();

    @BeforeEach
    void startServer() throws Exception {
        server = new ScriptedServer();
    }

    @AfterEach
    void stop() throws Exception {
        closeAdapter();
        server.close();
        if (engine != null) {
            engine.close();
        }
    }

    ClientConfig.Builder client() {
        return ClientConfig.builder(NAME).host("127.0.0.1:" + server.port()).retry(retry().build());
    }

    static RetryConfig.Builder retry() {
        return RetryConfig.builder().jitter(Jitter.NONE).base(Duration.ofMillis(5)).max(Duration.ofMillis(20));
    }

    void use(ClientConfig.Builder config) {
        use(config, null);
    }

    void use(ClientConfig.Builder config, String clientName) {
        engine = new TestEngine(config.build());
        protect(engine.supplier(), clientName);
    }

    Outcome get() throws Exception {
        return call("GET", server.uri("/r"), null);
    }

    @Test
    void a503ThenA200IsRetriedOnceAndTheCallerGetsThe200() throws Exception {
        server.then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "fine"));
        use(client());

        Outcome o = get();

        assertThat(o.error()).isNull();
        assertThat(o.status()).isEqualTo(200);
        assertThat(o.body()).isEqualTo("fine");
        assertThat(server.hits()).isEqualTo(2);
    }

    @Test
    void aPostIsNeverRetriedWithoutAnIdempotencyKeyAndIsWithOne() throws Exception {
        server.otherwise(ScriptedServer.status(503, "down"));
        use(client());

        Outcome plain = call("POST", server.uri("/pay"), "amount=5");
        assertThat(plain.status()).isEqualTo(503);
        assertThat(server.hits()).isEqualTo(1);

        Outcome keyed = call("POST", server.uri("/pay"), "amount=5", "Idempotency-Key", "k-1");
        assertThat(keyed.status()).isEqualTo(503);
        List<ScriptedServer.Arrival> all = server.arrivals();
        assertThat(all).hasSize(1 + RetryConfig.DEFAULT_MAX_ATTEMPTS);
        // every attempt carried the whole body and the key once
        assertThat(all).extracting(ScriptedServer.Arrival::body).containsOnly("amount=5");
        assertThat(all.subList(1, all.size())).extracting(a -> a.header("Idempotency-Key")).containsOnly("k-1");
    }

    @Test
    void retryAfterIsWaitedForBeforeTheSecondAttempt() throws Exception {
        server.then(ScriptedServer.status(503, "later", "Retry-After", "1"))
                .otherwise(ScriptedServer.status(200, "fine"));
        use(client());

        Outcome o = get();

        assertThat(o.status()).isEqualTo(200);
        List<ScriptedServer.Arrival> a = server.arrivals();
        assertThat(a).hasSize(2);
        assertThat(a.get(1).nanos() - a.get(0).nanos()).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void retryAfterAboveMaxRetryAfterReturnsThe503AtOnce() throws Exception {
        server.otherwise(ScriptedServer.status(503, "much later", "Retry-After", "120"));
        use(client().retry(retry().maxRetryAfter(Duration.ofSeconds(2)).build()));

        Outcome o = get();

        assertThat(o.error()).isNull();
        assertThat(o.status()).isEqualTo(503);
        assertThat(server.hits()).isEqualTo(1);
    }

    @Test
    void hostileRetryAfterValuesNeverThrow() throws Exception {
        use(client());
        // a date in the past means now; negative and malformed values fall back to the backoff: all retried
        for (String value : List.of("Wed, 21 Oct 2015 07:28:00 GMT", "-5", "soon", "1.5", "\u00ff\u00fe")) {
            int before = server.hits();
            server.then(ScriptedServer.status(503, "x", "Retry-After", value))
                    .then(ScriptedServer.status(200, "fine"));
            Outcome o = get();
            assertThat(o.error()).as(value).isNull();
            assertThat(o.status()).as(value).isEqualTo(200);
            assertThat(server.hits() - before).as(value).isEqualTo(2);
        }
        // a huge one fits no max-retry-after: the 503 is returned at once
        int before = server.hits();
        server.then(ScriptedServer.status(503, "x", "Retry-After", "99999999999999999999999"));
        Outcome huge = get();
        assertThat(huge.error()).isNull();
        assertThat(huge.status()).isEqualTo(503);
        assertThat(server.hits() - before).isEqualTo(1);
    }

    @Test
    void theBudgetHoldsRetriesToItsShareInATotalOutage() throws Exception {
        server.otherwise(ScriptedServer.status(503, "down"));
        RetryBudgetConfig budget = RetryBudgetConfig.builder().percent(10).minPerSecond(1)
                .window(Duration.ofSeconds(1)).build();
        use(client().retry(retry().base(Duration.ofMillis(1)).max(Duration.ofMillis(1)).build()).budget(budget));

        int calls = 40;
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            assertThat(get().status()).isEqualTo(503);
        }
        long windows = 1 + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        // without a budget 3 attempts each would be 120; the budget allows 10% plus the floor per window
        assertThat(server.hits()).isGreaterThan(calls)
                .isLessThanOrEqualTo((int) (calls * 1.1 + budget.minPerSecond() * windows));
    }

    @Test
    void theHostBreakerOpensFailsFastAndProbesAfterOpenFor() throws Exception {
        server.otherwise(ScriptedServer.status(500, "broken"));
        use(client().circuitBreaker(CircuitBreakerConfig.builder().failureRate(50).minimumCalls(4).windowCalls(4)
                .openFor(Duration.ofMillis(300)).halfOpenCalls(1).build()));

        for (int i = 0; i < 4; i++) {
            assertThat(get().status()).isEqualTo(500);
        }
        Outcome refused = get();
        assertThat(refused.error()).isNotNull();
        assertThat(refused.outbound()).isNotNull();
        assertThat(refused.outbound().reason()).isEqualTo(OutboundException.Reason.CIRCUIT_OPEN);
        assertThat(server.hits()).isEqualTo(4);

        server.otherwise(ScriptedServer.status(200, "back"));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> get().status() == 200);
        assertThat(server.hits()).isEqualTo(5); // the one probe, after open-for
        assertThat(get().status()).isEqualTo(200);
    }

    @Test
    void aHedgeAnswersWhenTheFirstAttemptHangsAndTheFirstConnectionIsClosed() throws Exception {
        server.then(server.hang()).otherwise(ScriptedServer.status(200, "hedge"));
        use(client().retry(retry().maxAttempts(2).build()).hedge(new HedgeConfig(Duration.ofMillis(150)))
                .timeout(ClientTimeoutConfig.builder().attempt(Duration.ofSeconds(2)).total(Duration.ofSeconds(4))
                        .build()));

        Outcome o = get();

        assertThat(o.error()).isNull();
        assertThat(o.status()).isEqualTo(200);
        assertThat(o.body()).isEqualTo("hedge");
        assertThat(server.hits()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hangsClosedByClient() == 1);
    }

    @Test
    void theDeadlineHeaderReachesTheServer() throws Exception {
        use(client().timeout(ClientTimeoutConfig.builder().total(Duration.ofSeconds(2))
                .deadlineHeader(DEADLINE_HEADER).build()));

        assertThat(get().status()).isEqualTo(200);

        String value = server.arrivals().get(0).header(DEADLINE_HEADER);
        assertThat(value).isNotNull().doesNotContain(",");
        assertThat(Long.parseLong(value)).isBetween(1L, 2000L);
    }

    @Test
    void theInboundDeadlineCutsTheCallAndItsTimeLeftReachesTheServer() throws Exception {
        server.otherwise(server.hang());
        use(client().timeout(ClientTimeoutConfig.builder().deadlineHeader(DEADLINE_HEADER).build()));

        Outcome o;
        try (Deadline.Scope ignored = Deadline.after(Duration.ofMillis(600), NanoClock.system()).bind()) {
            o = get();
        }

        // cut at the time left: by the engine (OutboundException) or, at the same instant, by the transport's own
        // time-out, which the adapter set to the attempt's time
        assertThat(o.error()).isInstanceOf(transportFailure());
        assertThat(FailureClassifier.DEFAULT.classify(o.error())).isEqualTo(FailureClassifier.Failure.TIMEOUT);
        assertThat(Long.parseLong(server.arrivals().get(0).header(DEADLINE_HEADER))).isBetween(1L, 600L);
        await().atMost(Duration.ofSeconds(3)).until(() -> server.hangsClosedByClient() == server.hits());
    }

    @Test
    void theAttemptTimeoutCutsAHangingServerAndTheRetryAnswers() throws Exception {
        server.then(server.hang()).otherwise(ScriptedServer.status(200, "second"));
        use(client().timeout(ClientTimeoutConfig.builder().attempt(Duration.ofMillis(300))
                .total(Duration.ofSeconds(5)).build()));

        Outcome o = get();

        assertThat(o.error()).isNull();
        assertThat(o.body()).isEqualTo("second");
        assertThat(server.hits()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(3)).until(() -> server.hangsClosedByClient() == 1);
    }

    @Test
    void garbageResetsAndHangsEndWithinTotalAsTheCallerExpects() throws Exception {
        Duration total = Duration.ofMillis(500);
        use(client().timeout(ClientTimeoutConfig.builder().attempt(Duration.ofMillis(200)).total(total).build()));
        for (ScriptedServer.Action action : List.of(ScriptedServer.garbage(), ScriptedServer.reset(),
                server.hang())) {
            server.otherwise(action);
            long start = System.nanoTime();
            Outcome o = get();
            long took = System.nanoTime() - start;
            assertThat(o.error()).isInstanceOf(transportFailure());
            assertThat(took).isLessThan(total.toNanos() + TimeUnit.SECONDS.toNanos(2));
        }
    }

    @Test
    void anAsynchronousCallToAHangingServerEndsAtTotalAndLeavesNoThreadBehind() throws Exception {
        server.otherwise(server.hang());
        use(client().timeout(ClientTimeoutConfig.builder().total(Duration.ofMillis(300)).build()));

        CompletableFuture<Integer> f = callAsync(server.uri("/async"));

        await().atMost(Duration.ofSeconds(3)).until(f::isDone);
        assertThat(f).isCompletedExceptionally();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Threads.stuck()).isEmpty());
    }

    @Test
    void aRequestToAnotherHostPassesUntouched() throws Exception {
        server.otherwise(ScriptedServer.status(503, "down"));
        use(ClientConfig.builder(NAME).host("127.0.0.1:1").retry(retry().build())
                .timeout(ClientTimeoutConfig.builder().total(Duration.ofSeconds(2)).deadlineHeader(DEADLINE_HEADER)
                        .build()));

        Outcome o = get();

        assertThat(o.status()).isEqualTo(503);
        assertThat(server.hits()).isEqualTo(1);
        assertThat(server.arrivals().get(0).header(DEADLINE_HEADER)).isNull();
    }

    @Test
    void aNamedClientProtectsEveryRequest() throws Exception {
        server.then(ScriptedServer.status(503, "down")).otherwise(ScriptedServer.status(200, "fine"));
        use(ClientConfig.builder(NAME).retry(retry().build()), NAME);

        assertThat(get().status()).isEqualTo(200);
        assertThat(server.hits()).isEqualTo(2);
    }
}
