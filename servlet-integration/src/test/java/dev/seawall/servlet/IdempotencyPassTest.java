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
 * Idempotency keys through a real Jetty: what the servlet adapter reads, writes and copies, and how it settles a key on
 * every path (kept, freed when the chain refused, the application threw or handed its answer to the container).
 */
class IdempotencyPassTest extends IdempotencyFixture {

    @Test
    void aFirstRunIsKeptAndRepeatsGetItBackByteForByteWithoutItsCookie() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        HttpResponse<String> first = post(base + "/pay/ok", "\"k1\"", "x");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).isEqualTo("{\"run\":1,\"body\":\"x\"}");
        assertThat(first.headers().firstValue("Set-Cookie")).isPresent();
        assertThat(first.headers().firstValue(IdempotencyGuard.LIFETIME)).hasValue("86400");
        assertThat(first.headers().firstValue(IdempotencyGuard.REPLAYED)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);

        HttpResponse<String> again = post(base + "/pay/ok", "\"k1\"", "x");
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("X-Order")).hasValue("1");
        assertThat(again.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
        assertThat(again.headers().firstValue("Content-Length")).hasValue(Integer.toString(first.body().length()));
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
        assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(runs("/pay/ok")).isEqualTo(1);

        assertProblem(post(base + "/pay/ok", "\"k1\"", "y"), 422, ProblemTypes.IDEMPOTENCY_KEY_REUSED);
        // another key, or none, runs
        assertThat(post(base + "/pay/ok", "\"k2\"", "x").body()).isEqualTo("{\"run\":2,\"body\":\"x\"}");
        assertThat(post(base + "/pay/ok", null, "x").body()).isEqualTo("{\"run\":3,\"body\":\"x\"}");
        assertThat(g.counted(Outcome.FIRST)).isEqualTo(2);
        assertThat(g.counted(Outcome.REPLAYED)).isEqualTo(1);
    }

    @Test
    void aRequestTheChainRefusesNeverRanAndFreesItsKey() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "limited");
        String base = start(new SeawallFilter(engine));
        assertThat(post(base + "/limited/x", null, "a").statusCode()).isEqualTo(201);
        assertThat(post(base + "/limited/x", "\"r\"", "a").statusCode()).isEqualTo(429);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.FREED) == 1);
        // not held, not kept: the same key is refused by the limit again, not answered 409 or replayed
        HttpResponse<String> again = post(base + "/limited/x", "\"r\"", "a");
        assertThat(again.statusCode()).isEqualTo(429);
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.FREED) == 2);
        assertThat(g.counted(Settled.KEPT)).isZero();
        assertThat(runs("/limited/x")).isEqualTo(1);
    }

    @Test
    void anExceptionOrAnAnswerHandedToTheContainerFreesTheKeySoThatARetryRunsAgain() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        HttpResponse<String> boom = post(base + "/pay/boom", "\"b\"", "x");
        // the container's own error answer (no policy of this file buffers): the answer is unknown to Seawall
        assertThat(boom.statusCode()).isEqualTo(500);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.FREED) == 1);
        assertThat(post(base + "/pay/boom", "\"b\"", "x").statusCode()).isEqualTo(500);
        assertThat(runs("/pay/boom")).isEqualTo(2);

        assertThat(post(base + "/pay/senderror", "\"e\"", "x").statusCode()).isEqualTo(400);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.FREED) == 3);
        assertThat(post(base + "/pay/senderror", "\"e\"", "x").statusCode()).isEqualTo(400);
        assertThat(runs("/pay/senderror")).isEqualTo(2);
        assertThat(g.counted(Settled.KEPT)).isZero();
    }

    @Test
    void aRedirectIsKeptAndAnAnswerLargerThanMaxResponseOnlyMarksItsKey() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        HttpResponse<String> redirect = post(base + "/pay/redirect", "\"d\"", "x");
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/orders/1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        HttpResponse<String> again = post(base + "/pay/redirect", "\"d\"", "x");
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location")).isEqualTo(redirect.headers().firstValue("Location"));
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");

        HttpResponse<String> big = post(base + "/pay/big", "\"g\"", "x");
        assertThat(big.statusCode()).isEqualTo(200);
        assertThat(big.body()).hasSize(100);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.MARKED) == 1);
        assertProblem(post(base + "/pay/big", "\"g\"", "x"), 409, ProblemTypes.IDEMPOTENCY_ANSWER_NOT_KEPT);
        assertThat(runs("/pay/big")).isEqualTo(1);
        assertThat(runs("/pay/redirect")).isEqualTo(1);
    }

    @Test
    void formParametersAndTheReaderSeeTheBodyReadBeforeTheApplication() throws Exception {
        String base = start(new SeawallFilter(engine()));
        HttpRequest form = HttpRequest.newBuilder(URI.create(base + "/pay/form?a=1"))
                .header("Idempotency-Key", "\"f\"")
                .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString("b=%C3%A9t%C3%A9&a=2")).build();
        HttpResponse<String> r = client.send(form, HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        assertThat(r.statusCode()).isEqualTo(200);
        // the query's a comes first; the body's é arrived in UTF-8, and the servlet writes ISO-8859-1
        assertThat(r.body()).isEqualTo("a=1,b=été");

        HttpRequest reader = HttpRequest.newBuilder(URI.create(base + "/pay/reader"))
                .header("Idempotency-Key", "\"rd\"").header("Content-Type", "text/plain; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString("déjà vu", StandardCharsets.UTF_8)).build();
        HttpResponse<String> read = client.send(reader, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(read.body()).isEqualTo("read:déjà vu");
    }

    @Test
    void bodiesOverMaxBodyAre413WhetherDeclaredOrChunkedAndAChunkedBodyIsReadWhole() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        assertProblem(post(base + "/pay/ok", "\"l\"", "x".repeat(65)), 413, ProblemTypes.IDEMPOTENCY_BODY_TOO_LARGE);
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(base + "/pay/ok")).header("Idempotency-Key", "\"c\"")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[200]))).build();
        assertProblem(client.send(chunked, HttpResponse.BodyHandlers.ofString()), 413,
                ProblemTypes.IDEMPOTENCY_BODY_TOO_LARGE);
        HttpRequest small = HttpRequest.newBuilder(URI.create(base + "/pay/ok")).header("Idempotency-Key", "\"c2\"")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        "chunky".getBytes(StandardCharsets.UTF_8)))).build();
        HttpResponse<String> ok = client.send(small, HttpResponse.BodyHandlers.ofString());
        assertThat(ok.body()).isEqualTo("{\"run\":1,\"body\":\"chunky\"}");
        assertThat(g.counted(Outcome.TOO_LARGE)).isEqualTo(2);
        assertThat(runs("/pay/ok")).isEqualTo(1);
        // exactly max-body runs
        assertThat(post(base + "/pay/big", "\"m\"", "x".repeat(64)).statusCode()).isEqualTo(200);
    }

    @Test
    void hostileKeysAre400ProblemsAndNeverReachTheApplication() throws Exception {
        String base = start(new SeawallFilter(engine()));
        for (String key : List.of("", "\"\"", "\"" + "a".repeat(300) + "\"", "abc", "\"a\";p=1", "\"unterminated",
                "\"a\" \"b\"", ":Ynl0ZXM=:", "\"a\\x\"")) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/pay/ok"))
                    .POST(HttpRequest.BodyPublishers.ofString("x"));
            b.header("Idempotency-Key", key.isEmpty() ? " " : key);
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertProblem(r, 400, ProblemTypes.IDEMPOTENCY_KEY_INVALID);
            assertThat(r.body()).as(key).contains("Idempotency-Key");
        }
        HttpResponse<String> two = client.send(HttpRequest.newBuilder(URI.create(base + "/pay/ok"))
                .header("Idempotency-Key", "\"a\"").header("Idempotency-Key", "\"b\"")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertProblem(two, 400, ProblemTypes.IDEMPOTENCY_KEY_INVALID);
        // raw bytes a client library would refuse to send
        String raw = rawPost(base, "Idempotency-Key: \"\u00ff\u0001\u007f\"");
        assertThat(raw).startsWith("HTTP/1.1 400");
        assertThat(runs("/pay/ok")).isZero();
    }

    private static String rawPost(String base, String headerLine) throws IOException {
        URI uri = URI.create(base);
        try (Socket s = new Socket("127.0.0.1", uri.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /pay/ok HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headerLine
                    + "\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void anAsyncApplicationsAnswerIsKeptWhenItsCycleCompletes() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        HttpResponse<String> first = post(base + "/pay/async", "\"as\"", "q");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.body()).isEqualTo("later 1 q");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        HttpResponse<String> again = post(base + "/pay/async", "\"as\"", "q");
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.body()).isEqualTo("later 1 q");
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
        assertThat(runs("/pay/async")).isEqualTo(1);
    }

    @Test
    void theAnswerKeptIsTheOneTheClientGotEvenWhenSeawallWroteIt() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "guarded");
        String base = start(new SeawallFilter(engine));
        // under a buffering policy the exception is answered by Seawall's safe error, and this policy keeps 5xx
        HttpResponse<String> first = post(base + "/guarded/boom", "\"sf\"", "x");
        assertProblem(first, 500, "/");
        assertThat(first.body()).doesNotContain("secret internal detail");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        HttpResponse<String> again = post(base + "/guarded/boom", "\"sf\"", "x");
        assertThat(again.statusCode()).isEqualTo(500);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
        assertThat(runs("/guarded/boom")).isEqualTo(1);
        // a buffered answer of the application is kept as it went out
        HttpResponse<String> ok = post(base + "/guarded/ok", "\"gk\"", "y");
        assertThat(ok.statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 2);
        assertThat(post(base + "/guarded/ok", "\"gk\"", "y").body()).isEqualTo(ok.body());
    }

    @Test
    void aRepeatWhileTheFirstRunsGets409AndTheAnswerOnceItEnded() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "pay");
        String base = start(new SeawallFilter(engine));
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base + "/pay/hold", "\"h\"", "x");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> busy = post(base + "/pay/hold", "\"h\"", "x");
        assertProblem(busy, 409, ProblemTypes.IDEMPOTENCY_IN_PROGRESS);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        assertThat(post(base + "/pay/hold", "\"h\"", "x").body()).isEqualTo(first.get().body());
        assertThat(runs("/pay/hold")).isEqualTo(1);
    }

    @Test
    void aRequestThatWaitedInTheThrottleQueueRunsWithItsBodyAndKeepsItsAnswer() throws Exception {
        Seawall engine = engine();
        IdempotencyGuard g = guard(engine, "queued");
        String base = start(new SeawallFilter(engine));
        CompletableFuture<HttpResponse<String>> holder = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base + "/queued/hold", null, "x");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base + "/queued/ok", "\"q\"", "waited");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Outcome.FIRST) == 1);
        assertThat(queued).isNotDone();
        release.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        HttpResponse<String> r = queued.get(10, TimeUnit.SECONDS);
        assertThat(r.body()).isEqualTo("{\"run\":1,\"body\":\"waited\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.counted(Settled.KEPT) == 1);
        HttpResponse<String> again = post(base + "/queued/ok", "\"q\"", "waited");
        assertThat(again.body()).isEqualTo(r.body());
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
        assertThat(runs("/queued/ok")).isEqualTo(1);
    }

    @Test
    void stackedFiltersHoldTheKeyOnceInTheOuterOne() throws Exception {
        Seawall outer = engine();
        Seawall inner = engine();
        String base = start(new SeawallFilter(outer), new SeawallFilter(inner));
        HttpResponse<String> first = post(base + "/pay/ok", "\"s\"", "x");
        assertThat(first.statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> guard(outer, "pay").counted(Settled.KEPT) == 1);
        HttpResponse<String> again = post(base + "/pay/ok", "\"s\"", "x");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
        assertThat(guard(inner, "pay").counted(Outcome.FIRST)).isZero();
        assertThat(runs("/pay/ok")).isEqualTo(1);
    }

    // ---- the standalone filter ----

    private static FilterConfig params(Map<String, String> params) {
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "idem";
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
    }

    @Test
    void theStandaloneFilterForwardsItsInitParamsAndNamesTheOneItRefuses() throws ServletException {
        IdempotencyFilter f = new IdempotencyFilter();
        f.init(params(Map.of("header", "X-Request-Key", "methods", "post, put", "required", "true", "expire", "2h",
                "scope", "user", "max-body", "2KB", "max-response", "0", "lease", "30s", "keep", "2xx, 404",
                "on-failure", "deny")));
        assertThat(f.config().header()).isEqualTo("X-Request-Key");
        assertThat(f.config().methods()).containsExactlyInAnyOrder("POST", "PUT");
        assertThat(f.config().required()).isTrue();
        assertThat(f.config().expire()).isEqualTo(Duration.ofHours(2));
        assertThat(f.config().maxBody()).isEqualTo(2048);
        assertThat(f.config().maxResponse()).isZero();
        assertThat(f.config().keeps(404)).isTrue();
        assertThat(f.config().keeps(400)).isFalse();
        f.destroy();

        Map<String, String> bad = Map.of("max-body", "lots", "scope", "tenant", "methods", "GET",
                "keep", "7xx", "on-failure", "maybe", "required", "yes", "expire", "40d", "bogus", "1");
        bad.forEach((k, v) -> assertThatThrownBy(() -> new IdempotencyFilter().init(params(Map.of(k, v))))
                .as(k).isInstanceOf(ServletException.class)
                .hasMessageStartingWith(k.equals("bogus") ? "idem: unknown init-param bogus" : "idem: init-param " + k));
        assertThatThrownBy(() -> new IdempotencyFilter().init(params(Map.of("lease", "2h", "expire", "1h"))))
                .hasMessageStartingWith("idem: init-param lease");
    }

    @Test
    void theStandaloneFilterTakesAPolicysBlockFromAYamlFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("seawall.yaml");
        java.nio.file.Files.writeString(file, """
                policies:
                  - name: payments
                    paths: [/pay/*]
                    rate-limits:
                      - by: api-key
                        limit: 100/1m
                    idempotency:
                      max-body: 2KB
                  - name: plain
                    paths: [/plain/*]
                    timeout: 1s
                """);
        IdempotencyFilter f = new IdempotencyFilter();
        f.init(params(Map.of("config", file.toString(), "policy", "payments")));
        assertThat(f.config().maxBody()).isEqualTo(2048);
        f.destroy();
        assertThatThrownBy(() -> new IdempotencyFilter().init(params(Map.of("config", file.toString(), "policy",
                "plain")))).isInstanceOf(ServletException.class).hasMessageContaining("has no policy \"plain\" with"
                + " idempotency");
        assertThatThrownBy(() -> new IdempotencyFilter().init(params(Map.of("config", file.toString(), "policy",
                "payments", "max-body", "1KB")))).isInstanceOf(ServletException.class)
                .hasMessage("idem: init-param max-body conflicts with config; set it in seawall.yaml");
    }

    @Test
    void theStandaloneFilterRunsARequestOncePerKeyAndRequiresItWhenAsked() throws Exception {
        IdempotencyFilter f = new IdempotencyFilter();
        String base = start(Map.of("required", "true", "max-body", "64", "max-response", "48"), f);
        assertProblem(post(base + "/anything/ok", null, "x"), 400, ProblemTypes.IDEMPOTENCY_KEY_MISSING);
        HttpResponse<String> first = post(base + "/anything/ok", "\"w\"", "x");
        assertThat(first.statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> again = post(base + "/anything/ok", "\"w\"", "x");
            assertThat(again.headers().firstValue(IdempotencyGuard.REPLAYED)).hasValue("true");
            assertThat(again.body()).isEqualTo(first.body());
        });
        // GET is not protected: it passes
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create(base + "/anything/ok")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(201);
        assertThat(runs("/anything/ok")).isEqualTo(2);
    }
}
