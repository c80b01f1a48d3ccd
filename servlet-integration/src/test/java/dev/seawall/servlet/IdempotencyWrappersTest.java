package dev.seawall.servlet;

import dev.seawall.core.http.Rejection;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The request that serves a body read before the application ran, and the response that copies the answer. */
class IdempotencyWrappersTest {

    // ---- fakes ----

    private static HttpServletRequest request(String method, String contentType, String encoding, String query) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        return (HttpServletRequest) Proxy.newProxyInstance(getLoader(), new Class<?>[] {HttpServletRequest.class},
                (p, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getContentType" -> contentType;
                    case "getCharacterEncoding" -> encoding;
                    case "getQueryString" -> query;
                    case "getServletContext" -> null;
                    case "getParameter" -> "from-the-container";
                    case "getParameterMap" -> Map.of("container", new String[] {"yes"});
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "getInputStream" -> throw new IllegalStateException("the container's stream is spent");
                    default -> null;
                });
    }

    private static ClassLoader getLoader() {
        return IdempotencyWrappersTest.class.getClassLoader();
    }

    /** The container's response: records bytes, chars, headers, status; may refuse a reset once committed. */
    private static final class Real {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final StringBuilder chars = new StringBuilder();
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        int status = 200;
        boolean committed;
        String sentError;
        String contentType;
        /** The client left: writes to the stream fail. */
        boolean gone;
        final ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (gone) {
                    throw new IOException("Broken pipe");
                }
                bytes.write(b);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
            }
        };
        final PrintWriter writer = new PrintWriter(new java.io.Writer() {
            @Override
            public void write(char[] c, int off, int n) {
                chars.append(c, off, n);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        final HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(getLoader(),
                new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "getOutputStream" -> {
                            return out;
                        }
                        case "getWriter" -> {
                            return writer;
                        }
                        case "getCharacterEncoding" -> {
                            return "UTF-8";
                        }
                        case "getContentType" -> {
                            return contentType;
                        }
                        case "setContentType" -> {
                            contentType = (String) args[0];
                            return null;
                        }
                        case "getStatus" -> {
                            return status;
                        }
                        case "setStatus" -> {
                            status = (Integer) args[0];
                            return null;
                        }
                        case "setHeader" -> {
                            headers.put((String) args[0], new ArrayList<>(List.of((String) args[1])));
                            return null;
                        }
                        case "addHeader" -> {
                            headers.computeIfAbsent((String) args[0], k -> new ArrayList<>()).add((String) args[1]);
                            return null;
                        }
                        case "getHeaderNames" -> {
                            return new ArrayList<>(headers.keySet());
                        }
                        case "getHeaders" -> {
                            return headers.getOrDefault((String) args[0], List.of());
                        }
                        case "reset" -> {
                            if (committed) {
                                throw new IllegalStateException("committed");
                            }
                            headers.clear();
                            bytes.reset();
                            status = 200;
                            return null;
                        }
                        case "resetBuffer" -> {
                            bytes.reset();
                            return null;
                        }
                        case "sendError" -> {
                            sentError = String.valueOf(args[0]);
                            committed = true;
                            return null;
                        }
                        case "sendRedirect" -> {
                            status = 302;
                            headers.put("Location", List.of((String) args[0]));
                            committed = true;
                            return null;
                        }
                        case "isCommitted" -> {
                            return committed;
                        }
                        default -> {
                            return null;
                        }
                    }
                });
    }

    private static final List<Rejection.Header> LIFETIME = List.of(
            new Rejection.Header("Idempotency-Key-Lifetime", "86400"));

    private static String text(byte[] b, int n) {
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    // ---- ReplayedRequest ----

    @Test
    void servesTheBodyReadBeforeAsAStreamWithItsLengthEvenForAChunkedRequest() throws IOException {
        byte[] body = "{\"amount\":42}extra".getBytes(StandardCharsets.UTF_8);
        ReplayedRequest r = new ReplayedRequest(request("POST", "application/json", null, null), body, 13, null,
                false);
        assertThat(r.getContentLength()).isEqualTo(13);
        assertThat(r.getContentLengthLong()).isEqualTo(13);
        InputStream in = r.getInputStream();
        assertThat(r.getInputStream()).isSameAs(in);
        assertThat(in.available()).isEqualTo(13);
        assertThat(in.read()).isEqualTo('{');
        byte[] rest = in.readAllBytes();
        assertThat(new String(rest, StandardCharsets.UTF_8)).isEqualTo("\"amount\":42}");
        assertThat(in.read()).isEqualTo(-1);
        assertThat(r.getInputStream().isFinished()).isTrue();
        assertThatThrownBy(r::getReader).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void servesTheBodyAsAReaderInTheRequestsEncodingElseIso88591() throws IOException {
        byte[] utf8 = "café €".getBytes(StandardCharsets.UTF_8);
        ReplayedRequest r = new ReplayedRequest(request("POST", "text/plain", "UTF-8", null), utf8, utf8.length, null,
                false);
        assertThat(r.getReader().readLine()).isEqualTo("café €");
        assertThatThrownBy(r::getInputStream).isInstanceOf(IllegalStateException.class);

        byte[] latin = {'c', 'a', 'f', (byte) 0xe9};
        ReplayedRequest l = new ReplayedRequest(request("POST", "text/plain", null, null), latin, 4, null, false);
        assertThat(l.getReader().readLine()).isEqualTo("café");

        ReplayedRequest bad = new ReplayedRequest(request("POST", "text/plain", "no-such-charset", null), latin, 4,
                null, false);
        assertThatThrownBy(bad::getReader).isInstanceOf(java.io.UnsupportedEncodingException.class);
    }

    @Test
    void formParametersComeFromTheQueryThenTheBodyReadBefore() {
        byte[] body = "b=2&a=x+y&e=%C3%A9&flag&a=3&bad=%zz".getBytes(StandardCharsets.ISO_8859_1);
        ReplayedRequest r = new ReplayedRequest(request("POST", "application/x-www-form-urlencoded; charset=UTF-8",
                "UTF-8", "a=1&q=%E2%82%AC"), body, body.length, null, false);
        assertThat(r.getParameter("a")).isEqualTo("1");
        assertThat(r.getParameterValues("a")).containsExactly("1", "x y", "3");
        assertThat(r.getParameter("b")).isEqualTo("2");
        assertThat(r.getParameter("e")).isEqualTo("é");
        assertThat(r.getParameter("q")).isEqualTo("€");
        assertThat(r.getParameter("flag")).isEmpty();
        assertThat(r.getParameter("bad")).isEqualTo("%zz");
        assertThat(r.getParameter("missing")).isNull();
        assertThat(r.getParameterValues("missing")).isNull();
        assertThat(Collections.list(r.getParameterNames())).containsExactly("a", "q", "b", "e", "flag", "bad");
        assertThat(r.getParameterMap()).containsKeys("a", "q", "b", "e", "flag", "bad");
        assertThatThrownBy(() -> r.getParameterMap().put("x", new String[0]))
                .isInstanceOf(UnsupportedOperationException.class);
        // the body can still be read as such
        assertThat(r.getContentLength()).isEqualTo(body.length);
    }

    @Test
    void otherRequestsKeepTheContainersParameters() {
        byte[] body = "a=1".getBytes(StandardCharsets.ISO_8859_1);
        ReplayedRequest json = new ReplayedRequest(request("POST", "application/json", null, "a=2"), body, 3, null,
                false);
        assertThat(json.getParameter("a")).isEqualTo("from-the-container");
        assertThat(json.getParameterMap()).containsKey("container");
        // the specification parses form bodies of POST only
        ReplayedRequest patch = new ReplayedRequest(request("PATCH", "application/x-www-form-urlencoded", null, null),
                body, 3, null, false);
        assertThat(patch.getParameter("a")).isEqualTo("from-the-container");
        // a type that only begins like the form type is another type
        ReplayedRequest other = new ReplayedRequest(request("POST", "application/x-www-form-urlencodedx", null, null),
                body, 3, null, false);
        assertThat(other.getParameter("a")).isEqualTo("from-the-container");
    }

    @Test
    void aReadListenerHearsAtOnceThatEverythingIsThere() throws IOException {
        byte[] body = "abc".getBytes(StandardCharsets.UTF_8);
        ReplayedRequest r = new ReplayedRequest(request("POST", "text/plain", null, null), body, 3, null, false);
        List<String> heard = new ArrayList<>();
        jakarta.servlet.ServletInputStream in = r.getInputStream();
        in.setReadListener(new jakarta.servlet.ReadListener() {
            @Override
            public void onDataAvailable() throws IOException {
                heard.add("data:" + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }

            @Override
            public void onAllDataRead() {
                heard.add("all");
            }

            @Override
            public void onError(Throwable t) {
                heard.add("error");
            }
        });
        assertThat(heard).containsExactly("data:abc", "all");
        assertThat(in.isReady()).isTrue();
    }

    @Test
    void theBodyReaderStopsOneBytePastTheLimit() throws IOException {
        byte[] big = new byte[1000];
        assertThat(IdempotencyPass.read(new ByteArrayInputStream(big), 100)).hasSize(101);
        assertThat(IdempotencyPass.read(new ByteArrayInputStream(big, 0, 100), 100)).hasSize(100);
        assertThat(IdempotencyPass.read(new ByteArrayInputStream(new byte[0]), 100)).isEmpty();
        // a chunked body arrives in pieces
        InputStream trickle = new InputStream() {
            int left = 50;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                b[off] = 'x';
                left--;
                return 1;
            }
        };
        assertThat(IdempotencyPass.read(trickle, 100)).hasSize(50);
    }

    @Test
    void theBodyBufferGrowsWithTheBytesThatArriveNeverWithTheDeclaredLength() throws IOException {
        // a client that declares max-body and sends five bytes: the buffer offered to the stream stays at its first size
        int[] largest = new int[1];
        InputStream five = new InputStream() {
            int left = 5;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                largest[0] = Math.max(largest[0], b.length);
                if (left <= 0) {
                    return -1;
                }
                b[off] = 'x';
                left--;
                return 1;
            }
        };
        assertThat(IdempotencyPass.read(five, 64 * 1024 * 1024)).hasSize(5);
        assertThat(largest[0]).isEqualTo(IdempotencyPass.FIRST_READ);
        // it doubles as bytes arrive, up to max-body + 1
        int[] sizes = new int[1];
        InputStream big = new ByteArrayInputStream(new byte[100_000]) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                sizes[0] = Math.max(sizes[0], b.length);
                return super.read(b, off, len);
            }
        };
        assertThat(IdempotencyPass.read(big, 50_000)).hasSize(50_001);
        assertThat(sizes[0]).isEqualTo(50_001);
    }

    // ---- TeeResponse ----

    @Test
    void copiesStatusHeadersAndStreamedBodyAsTheyPassThrough() throws IOException {
        Real real = new Real();
        TeeResponse tee = new TeeResponse(real.response, LIFETIME, 100);
        assertThat(real.headers).containsKey("Idempotency-Key-Lifetime");
        tee.setStatus(201);
        tee.setContentType("application/json");
        tee.addHeader("X-Order", "1");
        tee.addHeader("X-Order", "2");
        tee.getOutputStream().write("{\"id\":".getBytes(StandardCharsets.UTF_8));
        tee.getOutputStream().write('7');
        tee.getOutputStream().write("}".getBytes(StandardCharsets.UTF_8), 0, 1);
        assertThat(real.bytes.toString(StandardCharsets.UTF_8)).isEqualTo("{\"id\":7}");
        TeeResponse.Answer a = tee.answer();
        assertThat(a.status()).isEqualTo(201);
        assertThat(text(a.body(), a.length())).isEqualTo("{\"id\":7}");
        assertThat(a.headers()).contains(new Rejection.Header("X-Order", "1"), new Rejection.Header("X-Order", "2"),
                new Rejection.Header("Content-Type", "application/json"));
        assertThat(tee.handedOff()).isFalse();
    }

    @Test
    void copiesTheWritersCharactersEncodedInTheResponsesEncoding() throws IOException {
        Real real = new Real();
        TeeResponse tee = new TeeResponse(real.response, LIFETIME, 100);
        PrintWriter w = tee.getWriter();
        assertThat(tee.getWriter()).isSameAs(w);
        w.print("prix: ");
        w.printf("%d€", 5);
        w.println();
        w.write('!');
        assertThat(real.chars.toString()).isEqualTo("prix: 5€" + System.lineSeparator() + "!");
        TeeResponse.Answer a = tee.answer();
        assertThat(text(a.body(), a.length())).isEqualTo("prix: 5€" + System.lineSeparator() + "!");
        assertThat(a.length()).isEqualTo(("prix: 5€" + System.lineSeparator() + "!")
                .getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void aBodyLargerThanTheLimitIsSentWholeButNotCopied() throws IOException {
        Real real = new Real();
        TeeResponse tee = new TeeResponse(real.response, LIFETIME, 10);
        tee.getOutputStream().write("0123456789".getBytes(StandardCharsets.UTF_8));
        assertThat(tee.answer().body()).hasSize(10);
        tee.getOutputStream().write('X');
        assertThat(real.bytes.size()).isEqualTo(11);
        assertThat(tee.answer().body()).isNull();
        tee.getOutputStream().write('Y');
        assertThat(tee.answer().body()).isNull();

        Real chars = new Real();
        TeeResponse w = new TeeResponse(chars.response, LIFETIME, 4);
        // four characters but five bytes in UTF-8: too large once encoded
        w.getWriter().print("abcé");
        assertThat(w.answer().body()).isNull();
        Real zero = new Real();
        TeeResponse none = new TeeResponse(zero.response, LIFETIME, 0);
        assertThat(none.answer().body()).isEmpty();
        none.getOutputStream().write('a');
        assertThat(none.answer().body()).isNull();
    }

    @Test
    void aResetStartsTheCopyAgainAndKeepsTheClaimsHeaders() throws IOException {
        Real real = new Real();
        TeeResponse tee = new TeeResponse(real.response, LIFETIME, 5);
        tee.getOutputStream().write("too long for the copy".getBytes(StandardCharsets.UTF_8));
        assertThat(tee.answer().body()).isNull();
        tee.reset();
        assertThat(real.headers).containsKey("Idempotency-Key-Lifetime");
        tee.getOutputStream().write("ok".getBytes(StandardCharsets.UTF_8));
        assertThat(text(tee.answer().body(), tee.answer().length())).isEqualTo("ok");
        tee.resetBuffer();
        assertThat(tee.answer().length()).isZero();
        real.committed = true;
        tee.getOutputStream().write("z".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(tee::reset).isInstanceOf(IllegalStateException.class);
        assertThat(text(tee.answer().body(), tee.answer().length())).isEqualTo("z");
    }

    @Test
    void sendErrorHandsTheAnswerToTheContainerAndARedirectIsKeptWithoutBody() throws IOException {
        Real real = new Real();
        TeeResponse tee = new TeeResponse(real.response, LIFETIME, 100);
        tee.sendError(400);
        assertThat(real.sentError).isEqualTo("400");
        assertThat(tee.handedOff()).isTrue();
        Real other = new Real();
        TeeResponse msg = new TeeResponse(other.response, LIFETIME, 100);
        msg.sendError(404, "no");
        assertThat(msg.handedOff()).isTrue();

        Real r = new Real();
        TeeResponse redirect = new TeeResponse(r.response, LIFETIME, 100);
        redirect.getOutputStream().write("dropped by the redirect".getBytes(StandardCharsets.UTF_8));
        redirect.sendRedirect("/orders/7");
        redirect.getOutputStream().write("ignored after it".getBytes(StandardCharsets.UTF_8));
        TeeResponse.Answer a = redirect.answer();
        assertThat(redirect.handedOff()).isFalse();
        assertThat(a.status()).isEqualTo(302);
        assertThat(a.length()).isZero();
        assertThat(a.headers()).contains(new Rejection.Header("Location", "/orders/7"));
    }

    @Test
    void aFailedWriteMarksTheAnswerBrokenEvenWhenTheApplicationSwallowsIt() throws IOException {
        Real real = new Real();
        TeeResponse tee = new TeeResponse(real.response, LIFETIME, 100);
        tee.getOutputStream().write("first half, ".getBytes(StandardCharsets.UTF_8));
        assertThat(tee.broken()).isFalse();
        real.gone = true;
        IOException[] seen = new IOException[1];
        try {
            tee.getOutputStream().write("second half".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            seen[0] = e;
        }
        assertThat(seen[0]).isNotNull();
        assertThat(tee.broken()).isTrue();
        assertThat(tee.handedOff()).isFalse();
        // the application's exception that carries the failed write is the client's departure, not its own failure
        assertThat(tee.brokeWith(new IllegalStateException("wrapped", seen[0]))).isTrue();
        assertThat(tee.brokeWith(new IllegalStateException("its own"))).isFalse();
        assertThat(text(tee.answer().body(), tee.answer().length())).isEqualTo("first half, ");
    }

    @Test
    void aTimerThreadsAnswerAndTheApplicationsWritesShareOneConsistentCopy() throws Exception {
        Real real = new Real();
        TeeResponse tee = new TeeResponse(real.response, LIFETIME, 1_000_000);
        CountDownLatch go = new CountDownLatch(1);
        Runnable writer = () -> {
            try {
                go.await();
                for (int i = 0; i < 2000; i++) {
                    // the container's stream is not thread-safe; the gate orders real writers, this test the copy
                    synchronized (real) {
                        tee.getOutputStream().write(new byte[] {'a', 'b'});
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Thread t1 = new Thread(writer);
        Thread t2 = new Thread(writer);
        t1.start();
        t2.start();
        go.countDown();
        t1.join();
        t2.join();
        TeeResponse.Answer a = tee.answer();
        assertThat(a.length()).isEqualTo(8000);
        assertThat(text(a.body(), a.length())).isEqualTo("ab".repeat(4000));
    }
}
