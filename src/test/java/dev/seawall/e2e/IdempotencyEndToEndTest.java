package dev.seawall.e2e;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Idempotency keys on a real container (each of the suite's): a POST retried with the same {@code Idempotency-Key} runs
 * once per caller and key, and every repeat gets the first answer back byte for byte, while it runs a 409.
 */
class IdempotencyEndToEndTest {

    private static final String YAML = """
            trusted-proxies: [127.0.0.1/32]
            policies:
              - name: orders
                paths: [/orders/*]
                idempotency:
                  required: true
                  max-body: 1KB
              - name: accounts
                paths: [/user/*]
                rate-limits:
                  - by: user
                    limit: 1000/1m
                idempotency: on
              - name: slow
                paths: [/slow/*]
                timeout: 500ms
                idempotency:
                  lease: 30s
              - name: limited
                paths: [/limited/*]
                rate-limits:
                  - by: ip
                    limit: 1/1m
                idempotency: on
              - name: queued
                paths: [/queued/*]
                throttle:
                  max-concurrent: 1
                  queue: 5
                  max-wait: 30s
                idempotency: on
            """;

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        SeawallFilter filter = SeawallFilter.builder().meterRegistry(new SimpleMeterRegistry())
                .yaml("idempotency.yaml", YAML).build();
        server = TestServer.stacked(List.of(Map.entry(new CsrfCheck(), Map.of()), Map.entry(filter, Map.of())),
                new OrderServlet(), true, 200);
    }

    /**
     * In front of Seawall, as Spring Security's {@code CsrfFilter}: reads a form parameter of a request that carries
     * {@code X-Csrf-Check}, which makes the container consume a form's body before Seawall runs.
     */
    public static final class CsrfCheck implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            if (request instanceof HttpServletRequest r && r.getHeader("X-Csrf-Check") != null) {
                r.getParameter("_csrf");
            }
            chain.doFilter(request, response);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static String fresh(String prefix) {
        return prefix + UUID.randomUUID();
    }

    private static String key() {
        return "\"" + UUID.randomUUID() + "\"";
    }

    /** A client address of the documentation range, distinct per call. */
    private static String client() {
        return "198.51." + (int) (Math.random() * 250 + 1) + "." + (int) (Math.random() * 250 + 1);
    }

    private static HttpRequest.Builder post(String base, String path, String key, String client, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .header("X-Forwarded-For", client).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return b;
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(String path, String key, String client, String body) throws Exception {
        return send(post(server.uri(), path, key, client, body));
    }

    private static void assertProblem(HttpResponse<String> r, int status, String typeSuffix) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.body()).contains(typeSuffix).doesNotContain("Exception").doesNotContain("at dev.");
    }

    /** Sends until the first request's answer is kept: a repeat right after it may still find the key held (409). */
    private static HttpResponse<String> replayOf(String path, String key, String client, String body) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            last.set(send(path, key, client, body));
            assertThat(last.get().headers().firstValue("Idempotent-Replayed")).as(last.get().body()).hasValue("true");
        });
        return last.get();
    }

    private static void assertSameAnswer(HttpResponse<String> replay, HttpResponse<String> first) {
        assertThat(replay.statusCode()).isEqualTo(first.statusCode());
        assertThat(replay.body()).isEqualTo(first.body());
        for (String h : List.of("Content-Type", "Location", "X-Order-Id")) {
            assertThat(replay.headers().firstValue(h)).as(h).isEqualTo(first.headers().firstValue(h));
        }
        assertThat(replay.headers().firstValue("Content-Length"))
                .hasValue(Integer.toString(first.body().getBytes(StandardCharsets.UTF_8).length));
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(replay.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void fiftyConcurrentCopiesOfOneRequestRunTheHandlerOnce() throws Exception {
        String path = fresh("/orders/hold-") + "/hold";
        String key = key();
        String client = client();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return send(path, key, client, "pay 10");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            // the copy holding the key waits in the handler; every other copy is answered meanwhile
            await().atMost(Duration.ofSeconds(30)).until(() -> calls.stream().filter(CompletableFuture::isDone)
                    .count() == 49);
            assertThat(OrderServlet.runs(path)).isEqualTo(1);
            OrderServlet.gate(path).countDown();
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                answers.add(c.get(30, TimeUnit.SECONDS));
            }
            List<HttpResponse<String>> live = answers.stream()
                    .filter(r -> r.headers().firstValue("Idempotent-Replayed").isEmpty() && r.statusCode() == 201)
                    .toList();
            assertThat(live).hasSize(1);
            for (HttpResponse<String> r : answers) {
                if (r != live.get(0)) {
                    assertProblem(r, 409, "/idempotency-in-progress");
                    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                }
            }
            assertThat(OrderServlet.runs(path)).isEqualTo(1);
            HttpResponse<String> replay = replayOf(path, key, client, "pay 10");
            assertSameAnswer(replay, live.get(0));
            assertThat(replay.body()).contains("\"order\":1");
            assertThat(OrderServlet.runs(path)).isEqualTo(1);
        } finally {
            OrderServlet.gate(path).countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aReplayIsByteIdenticalAndAChangedBodyIs422() throws Exception {
        String path = fresh("/orders/") + "/create";
        String key = key();
        String client = client();
        HttpResponse<String> first = send(path, key, client, "two books");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.headers().firstValue("Set-Cookie")).isPresent();
        assertThat(first.headers().firstValue("Idempotency-Key-Lifetime")).hasValue("86400");
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        HttpResponse<String> replay = replayOf(path, key, client, "two books");
        assertSameAnswer(replay, first);
        assertThat(Long.parseLong(replay.headers().firstValue("Idempotency-Key-Lifetime").orElseThrow()))
                .isBetween(86_000L, 86_400L);
        assertProblem(send(path, key, client, "three books"), 422, "/idempotency-key-reused");
        // the query is part of the request too
        assertProblem(send(path + "?express=1", key, client, "two books"), 422, "/idempotency-key-reused");
        assertThat(OrderServlet.runs(path)).isEqualTo(1);
    }

    @Test
    void aRequiredKeyThatIsMissingIs400AndNamesTheHeader() throws Exception {
        String path = fresh("/orders/") + "/create";
        HttpResponse<String> r = send(path, null, client(), "x");
        assertProblem(r, 400, "/idempotency-key-missing");
        assertThat(r.body()).contains("Idempotency-Key");
        assertProblem(send(path, "not-a-string", client(), "x"), 400, "/idempotency-key-invalid");
        assertThat(OrderServlet.runs(path)).isZero();
    }

    @Test
    void twoClientsBehindTheProxyUsingOneKeyNeverSeeEachOthersAnswers() throws Exception {
        String path = fresh("/orders/") + "/create";
        String key = key();
        String a = client();
        String b = client();
        HttpResponse<String> ofA = send(path, key, a, "from a");
        HttpResponse<String> ofB = send(path, key, b, "from b");
        assertThat(ofA.body()).contains("from a");
        assertThat(ofB.body()).contains("from b").doesNotContain("from a");
        assertThat(OrderServlet.runs(path)).isEqualTo(2);
        assertSameAnswer(replayOf(path, key, a, "from a"), ofA);
        assertSameAnswer(replayOf(path, key, b, "from b"), ofB);
    }

    @Test
    void twoUsersUsingOneKeyNeverSeeEachOthersAnswers() throws Exception {
        String path = fresh("/user/") + "/create";
        String key = key();
        String client = client(); // one address: only the user tells them apart
        HttpResponse<String> alice = send(post(server.uri(), path, key, client, "same").header("Authorization",
                basic("alice", "alice-pw")));
        HttpResponse<String> bob = send(post(server.uri(), path, key, client, "same").header("Authorization",
                basic("bob", "bob-pw")));
        assertThat(alice.body()).contains("\"user\":\"alice\"");
        assertThat(bob.body()).contains("\"user\":\"bob\"");
        assertThat(OrderServlet.runs(path)).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> again = send(post(server.uri(), path, key, client, "same").header("Authorization",
                    basic("bob", "bob-pw")));
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(again.body()).isEqualTo(bob.body());
        });
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aChunkedBodyIsReadWholeAndABodyOverMaxBodyIs413() throws Exception {
        String path = fresh("/orders/") + "/create";
        String key = key();
        String client = client();
        HttpRequest.Builder chunked = HttpRequest.newBuilder(URI.create(server.uri() + path))
                .header("X-Forwarded-For", client).header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        "sent in chunks".getBytes(StandardCharsets.UTF_8))));
        HttpResponse<String> first = send(chunked);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).contains("\"body\":\"sent in chunks\"");
        assertSameAnswer(replayOf(path, key, client, "sent in chunks"), first);

        assertProblem(send(path, key(), client, "x".repeat(1025)), 413, "/idempotency-body-too-large");
        HttpRequest.Builder bigChunked = HttpRequest.newBuilder(URI.create(server.uri() + path))
                .header("X-Forwarded-For", client).header("Idempotency-Key", key())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[1500])));
        assertProblem(send(bigChunked), 413, "/idempotency-body-too-large");
        assertThat(OrderServlet.runs(path)).isEqualTo(1);
    }

    @Test
    void aHandlerThatThrowsFreesTheKeyAndTheRetryRunsAgain() throws Exception {
        String path = fresh("/orders/") + "/flaky";
        String key = key();
        String client = client();
        HttpResponse<String> failed = send(path, key, client, "x");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).doesNotContain("Idempotent-Replayed");
        // the key is freed once the failed request ended: the retry runs the handler again
        AtomicReference<HttpResponse<String>> retry = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            retry.set(send(path, key, client, "x"));
            assertThat(retry.get().statusCode()).isNotEqualTo(409);
        });
        assertThat(retry.get().statusCode()).isEqualTo(201);
        assertThat(OrderServlet.runs(path)).isEqualTo(2);
        assertSameAnswer(replayOf(path, key, client, "x"), retry.get());
        assertThat(OrderServlet.runs(path)).isEqualTo(2);
    }

    @Test
    void aTimedOutHandlerHoldsItsKeyUntilItReallyReturnedThenLeavesAMarker() throws Exception {
        String path = fresh("/slow/") + "/hold";
        String key = key();
        String client = client();
        try {
            HttpResponse<String> timedOut = send(path, key, client, "x");
            assertProblem(timedOut, 503, "/timeout");
            // the client has its answer; the handler still runs, so the key is still held
            assertThat(OrderServlet.returned(path)).isZero();
            HttpResponse<String> busy = send(path, key, client, "x");
            assertProblem(busy, 409, "/idempotency-in-progress");
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            OrderServlet.gate(path).countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> OrderServlet.returned(path) == 1);
            // the handler's own 201 came after the 503 went out: it ran, so a retry must not run it again, and the
            // answer it meant is not the one sent: repeats get 409 answer-not-kept
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertProblem(send(path, key, client, "x"), 409, "/idempotency-answer-not-kept"));
            assertThat(OrderServlet.runs(path)).isEqualTo(1);
        } finally {
            OrderServlet.gate(path).countDown();
        }
    }

    @Test
    void anAsyncHandlerStillRunningAtTheDeadlineHoldsItsKeyUntilItsLease() throws Exception {
        String path = fresh("/slow/") + "/lateasync";
        String key = key();
        String client = client();
        try {
            assertProblem(send(path, key, client, "x"), 503, "/timeout");
            // Seawall's answer completed the async cycle; the handler's own thread still runs
            assertProblem(send(path, key, client, "x"), 409, "/idempotency-in-progress");
            OrderServlet.gate(path).countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> OrderServlet.finished(path) == 1);
            // nothing reported its end (no HandlerWork): the key stays held until its lease, never freed for a retry
            // that would run beside it
            assertProblem(send(path, key, client, "x"), 409, "/idempotency-in-progress");
            assertThat(OrderServlet.runs(path)).isEqualTo(1);
        } finally {
            OrderServlet.gate(path).countDown();
        }
    }

    @Test
    void aFormWhoseBodyAFilterInFrontConsumedIsFingerprintedByItsParameters() throws Exception {
        String path = fresh("/orders/") + "/form";
        String key = key();
        String client = client();
        HttpResponse<String> first = send(form(path, key, client, "a=1&b=two"));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).contains("\"body\":\"a 1 b two\"");
        assertProblem(send(form(path, key, client, "a=2&b=two")), 422, "/idempotency-key-reused");
        AtomicReference<HttpResponse<String>> replay = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            replay.set(send(form(path, key, client, "a=1&b=two")));
            assertThat(replay.get().headers().firstValue("Idempotent-Replayed")).hasValue("true");
        });
        assertSameAnswer(replay.get(), first);
        assertThat(OrderServlet.runs(path)).isEqualTo(1);
    }

    private static HttpRequest.Builder form(String path, String key, String client, String form) {
        return HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(20))
                .header("X-Forwarded-For", client).header("Idempotency-Key", key).header("X-Csrf-Check", "1")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
    }

    @Test
    void aRateLimitedFirstRequestIsNotKept() throws Exception {
        String path = fresh("/limited/") + "/create";
        String client = client();
        assertThat(send(path, null, client, "x").statusCode()).isEqualTo(201);
        String key = key();
        HttpResponse<String> limited = send(path, key, client, "x");
        assertProblem(limited, 429, "/quota-exceeded");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> again = send(path, key, client, "x");
            // neither replayed nor held: the limit answers again
            assertProblem(again, 429, "/quota-exceeded");
            assertThat(again.headers().firstValue("Idempotent-Replayed")).isEmpty();
        });
        assertThat(OrderServlet.runs(path)).isEqualTo(1);
    }

    @Test
    void anAsyncApplicationsAnswerIsKeptWhenItsCycleCompletes() throws Exception {
        String path = fresh("/orders/") + "/async";
        String key = key();
        String client = client();
        HttpResponse<String> first = send(path, key, client, "later");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).contains("\"body\":\"later\"");
        assertSameAnswer(replayOf(path, key, client, "later"), first);
        assertThat(OrderServlet.runs(path)).isEqualTo(1);
    }

    @Test
    void aRequestThatWaitedInTheThrottleQueueRunsWithItsBodyAndKeepsItsAnswer() throws Exception {
        String prefix = fresh("/queued/");
        String hold = prefix + "/hold";
        String path = prefix + "/create";
        String key = key();
        String client = client();
        try {
            CompletableFuture<HttpResponse<String>> holder = CompletableFuture.supplyAsync(() -> {
                try {
                    return send(hold, null, client, "first");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> OrderServlet.runs(hold) == 1);
            CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(() -> {
                try {
                    return send(path, key, client, "waited");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // the queued copy holds its key while it waits: a repeat meanwhile is 409
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertProblem(send(path, key, client, "waited"), 409, "/idempotency-in-progress"));
            assertThat(OrderServlet.runs(path)).isZero();
            OrderServlet.gate(hold).countDown();
            assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
            HttpResponse<String> r = queued.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(201);
            assertThat(r.body()).contains("\"body\":\"waited\"");
            assertSameAnswer(replayOf(path, key, client, "waited"), r);
            assertThat(OrderServlet.runs(path)).isEqualTo(1);
        } finally {
            OrderServlet.gate(hold).countDown();
        }
    }

    @Test
    void aClientThatLeavesMidUploadClaimsNothing() throws Exception {
        String path = fresh("/orders/") + "/create";
        String key = key();
        String client = client();
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: " + client
                    + "\r\nIdempotency-Key: " + key + "\r\nContent-Type: text/plain\r\nContent-Length: 500\r\n\r\n"
                    + "partial").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        // whether the server noticed the abort yet or not, the key was never claimed with the partial body: the same
        // key with that body runs fresh, and a repeat gets that run's answer
        HttpResponse<String> fresh = send(path, key, client, "partial");
        assertThat(fresh.statusCode()).isEqualTo(201);
        assertThat(fresh.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertSameAnswer(replayOf(path, key, client, "partial"), fresh);
        assertThat(OrderServlet.runs(path)).isEqualTo(1);
    }

    @Test
    void theStandaloneFilterFromWebXmlRunsARequestOncePerKey() throws Exception {
        try (TestServer webapp = TestServer.webapp("webapps/idempotency")) {
            String path = fresh("/standalone-") + "/create";
            String client = client();
            assertProblem(send(post(webapp.uri(), path, null, client, "x")), 400, "/idempotency-key-missing");
            String key = key();
            HttpResponse<String> first = send(post(webapp.uri(), path, key, client, "order"));
            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(first.headers().firstValue("Idempotency-Key-Lifetime")).hasValue("3600");
            AtomicReference<HttpResponse<String>> replay = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                replay.set(send(post(webapp.uri(), path, key, client, "order")));
                assertThat(replay.get().headers().firstValue("Idempotent-Replayed")).hasValue("true");
            });
            assertSameAnswer(replay.get(), first);
            assertProblem(send(post(webapp.uri(), path, key, client, "other")), 422, "/idempotency-key-reused");
            // another caller with the same key runs on its own
            assertThat(send(post(webapp.uri(), path, key, client(), "order")).body()).contains("\"order\":2");
            assertThat(OrderServlet.runs(path)).isEqualTo(2);
            assertProblem(send(post(webapp.uri(), path, key(), client, "x".repeat(2000))), 413,
                    "/idempotency-body-too-large");
        }
    }
}
