package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.idempotency.IdempotencyGuard.Outcome;
import dev.seawall.core.internal.idempotency.IdempotencyGuard.Settled;
import dev.seawall.core.problem.ProblemTypes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
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

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * When the servlet adapter settles a key: once the answer went out and the application truly ended, on the
 * application's own outcome (a fallback's substitute, a deadline's answer and a client that left never decide it), and
 * held while the application may still run.
 */
class IdempotencySettlementTest extends IdempotencyFixture {

    @Test
    void anAsyncCycleTheContainerEndsOnItsTimeoutHoldsTheKeyUntilItsLease() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        assertThat(post(base + "/pay/stalled", "\"st\"", "x").statusCode()).isEqualTo(500);
        // the application may still run (nothing tells its end): a repeat must not run beside it
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.HELD) == 1);
        assertProblem(post(base + "/pay/stalled", "\"st\"", "x"), 409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        assertThat(g.counted(Settled.KEPT) + g.counted(Settled.FREED)).isZero();
        assertThat(runs("/pay/stalled")).isEqualTo(1);
    }

    @Test
    void anAsyncApplicationStillRunningWhenTheDeadlineAnsweredHoldsItsKey() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "slow");
        String base = start(new SeawallFilter(engine));
        assertProblem(post(base + "/slow/lateasync", "\"la\"", "x"), 503, "/timeout");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.HELD) == 1);
        // the application's executor still runs: the retry is refused, never run beside it
        assertProblem(post(base + "/slow/lateasync", "\"la\"", "x"), 409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        release.countDown();
        assertThat(lateEnded.await(10, TimeUnit.SECONDS)).isTrue();
        assertProblem(post(base + "/slow/lateasync", "\"la\"", "x"), 409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        assertThat(g.counted(Settled.FREED) + g.counted(Settled.KEPT)).isZero();
        assertThat(runs("/slow/lateasync")).isEqualTo(1);
    }

    @Test
    void anAsyncApplicationsWorkThatSucceedsAfterTheDeadlineLeavesAMarkerOnceItEnded() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "slow");
        String base = start(new SeawallFilter(engine));
        assertProblem(post(base + "/slow/latework", "\"lw\"", "x"), 503, "/timeout");
        // its work still runs: held, not settled
        assertProblem(post(base + "/slow/latework", "\"lw\"", "x"), 409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        assertThat(g.counted(Settled.FREED) + g.counted(Settled.MARKED) + g.counted(Settled.HELD)).isZero();
        release.countDown();
        // its own 201 after the 503: it ran, and its answer is not the one sent
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(g.counted(Settled.MARKED))
                .as("kept %d freed %d held %d lost %d", g.counted(Settled.KEPT), g.counted(Settled.FREED),
                        g.counted(Settled.HELD), g.counted(Settled.LOST)).isEqualTo(1));
        assertProblem(post(base + "/slow/latework", "\"lw\"", "x"), 409, ProblemTypes.IDEMPOTENCY_ANSWER_NOT_KEPT);
        assertThat(runs("/slow/latework")).isEqualTo(1);
    }

    @Test
    void behindAStandaloneFilterHoldingTheKeyAnInnerTimeoutFiltersDeadlineAlsoHoldsIt() throws Exception {
        IdempotencyFilter idempotency = new IdempotencyFilter();
        String base = start(List.of(Map.entry(idempotency, Map.of()),
                Map.entry(new TimeoutFilter(), Map.of("after", "300ms"))));
        assertProblem(post(base + "/stacked/lateasync", "\"sa\"", "x"), 503, "/timeout");
        // the inner filter's deadline answer completed the cycle while the application still runs
        assertProblem(post(base + "/stacked/lateasync", "\"sa\"", "x"), 409,
                ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        release.countDown();
        assertThat(lateEnded.await(10, TimeUnit.SECONDS)).isTrue();
        assertProblem(post(base + "/stacked/lateasync", "\"sa\"", "x"), 409,
                ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        assertThat(runs("/stacked/lateasync")).isEqualTo(1);
    }

    @Test
    void behindAStandaloneFilterHoldingTheKeyTheApplicationsOwnStatusDecidesAfterAnInnerDeadline() throws Exception {
        IdempotencyFilter idempotency = new IdempotencyFilter();
        String base = start(List.of(Map.entry(idempotency, Map.of()),
                Map.entry(new TimeoutFilter(), Map.of("after", "300ms"))));
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base + "/stacked/hold", "\"sh\"", "x");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertProblem(first.get(10, TimeUnit.SECONDS), 503, "/timeout");
        release.countDown();
        // its own 201, after the 503 went out: a marker, never a second run
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertProblem(
                post(base + "/stacked/hold", "\"sh\"", "x"), 409, ProblemTypes.IDEMPOTENCY_ANSWER_NOT_KEPT));
        assertThat(runs("/stacked/hold")).isEqualTo(1);
    }

    @Test
    void anAnswerSentWhileTheApplicationsOwnWorkStillRunsIsKeptOnlyOnceThatWorkEnded() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        HttpResponse<String> first = post(base + "/pay/syncwork", "\"sw\"", "x");
        assertThat(first.statusCode()).isEqualTo(201);
        // the answer went out, but the application's work goes on: a repeat must not get a replay or run yet
        assertProblem(post(base + "/pay/syncwork", "\"sw\"", "x"), 409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        assertThat(g.counted(Settled.KEPT)).isZero();
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        HttpResponse<String> again = post(base + "/pay/syncwork", "\"sw\"", "x");
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(runs("/pay/syncwork")).isEqualTo(1);
    }

    @Test
    void aSynchronousApplicationThatSucceedsAfterTheDeadlineAnsweredLeavesAMarker() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "slow");
        String base = start(new SeawallFilter(engine));
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base + "/slow/hold", "\"sh\"", "x");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertProblem(first.get(10, TimeUnit.SECONDS), 503, "/timeout");
        assertProblem(post(base + "/slow/hold", "\"sh\"", "x"), 409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.MARKED) == 1);
        assertProblem(post(base + "/slow/hold", "\"sh\"", "x"), 409, ProblemTypes.IDEMPOTENCY_ANSWER_NOT_KEPT);
        assertThat(runs("/slow/hold")).isEqualTo(1);
    }

    @Test
    void aFallbackForTheApplicationsFailureIsNotKeptAndTheRetryRunsAgain() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "degraded");
        String base = start(new SeawallFilter(engine));
        HttpResponse<String> first = post(base + "/degraded/upstream", "\"fb\"", "x");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).contains("degraded");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.FREED) == 1);
        HttpResponse<String> retry = post(base + "/degraded/upstream", "\"fb\"", "x");
        assertThat(retry.headers().firstValue(IdempotencyGuard.REPLAYED)).isEmpty();
        assertThat(runs("/degraded/upstream")).isEqualTo(2);
        assertThat(g.counted(Settled.KEPT)).isZero();
    }

    @Test
    void aClientGoneWhileTheAnswerIsWrittenLeavesAMarkerSoTheRetryNeverRunsAgain() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new Front(), new SeawallFilter(engine));
        HttpResponse<String> gone = client.send(HttpRequest.newBuilder(URI.create(base + "/pay/gone"))
                .header("Idempotency-Key", "\"cg\"").header("X-Gone", "1")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(gone.statusCode()).isEqualTo(500);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.MARKED) == 1);
        assertProblem(post(base + "/pay/gone", "\"cg\"", "x"), 409, ProblemTypes.IDEMPOTENCY_ANSWER_NOT_KEPT);
        assertThat(runs("/pay/gone")).isEqualTo(1);
        assertThat(g.counted(Settled.FREED)).isZero();
    }

    @Test
    void aFormWhoseBodyAFilterInFrontConsumedIsFingerprintedByItsParameters() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new Front(), new SeawallFilter(engine));
        HttpResponse<String> first = postForm(base + "/pay/form", "\"fm\"", "a=1&b=%C3%A9");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("a=1,b=é");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        // another form under the same key is another request; the same form is a repeat
        assertProblem(postForm(base + "/pay/form", "\"fm\"", "a=2&b=%C3%A9"), 422,
                ProblemTypes.IDEMPOTENCY_KEY_REUSED);
        HttpResponse<String> again = postForm(base + "/pay/form", "\"fm\"", "a=1&b=%C3%A9");
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(runs("/pay/form")).isEqualTo(1);
    }

    @Test
    void aChunkedFormWhoseBodyAFilterInFrontConsumedIsFingerprintedByItsParametersToo() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new Front(), new SeawallFilter(engine));
        HttpResponse<String> first = client.send(chunkedForm(base + "/pay/form", "\"cf\"", "a=1&b=2"),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        assertThat(first.body()).isEqualTo("a=1,b=2");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        assertProblem(client.send(chunkedForm(base + "/pay/form", "\"cf\"", "a=3&b=2"),
                HttpResponse.BodyHandlers.ofString()), 422, ProblemTypes.IDEMPOTENCY_KEY_REUSED);
        assertThat(runs("/pay/form")).isEqualTo(1);
    }

    private static HttpRequest chunkedForm(String url, String key, String form) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Idempotency-Key", key).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        form.getBytes(StandardCharsets.UTF_8)))).build();
    }

    private HttpResponse<String> postForm(String url, String key, String form) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Idempotency-Key", key)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

}
