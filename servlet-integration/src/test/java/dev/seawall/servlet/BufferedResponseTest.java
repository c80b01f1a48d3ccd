package dev.seawall.servlet;

import dev.seawall.core.internal.timeout.ResponseGate;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** When a buffered response streams: a flush while the body fits the buffer is held, real streaming passes through. */
class BufferedResponseTest {

    /** The container's response: records the bytes written, the flushes and whether it was committed. */
    private static final class Real {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int flushes;
        boolean streamTaken;
        String contentType;
        int status = 200;
        final ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) {
                bytes.write(b);
            }

            @Override
            public void flush() {
                flushes++;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
            }
        };
        final HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "getOutputStream" -> {
                            streamTaken = true;
                            return out;
                        }
                        case "getContentType" -> {
                            return contentType;
                        }
                        case "setContentType" -> {
                            contentType = (String) args[0];
                            return null;
                        }
                        case "getCharacterEncoding" -> {
                            return "UTF-8";
                        }
                        case "getStatus" -> {
                            return status;
                        }
                        case "setStatus" -> {
                            status = (Integer) args[0];
                            return null;
                        }
                        case "isCommitted" -> {
                            return streamTaken;
                        }
                        default -> {
                            return m.getReturnType() == boolean.class ? Boolean.FALSE
                                    : m.getReturnType() == int.class ? 0 : null;
                        }
                    }
                });

        String body() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static final ResponseOwner OWNER = new ResponseOwner() {
        @Override
        public void onReset() {
        }

        @Override
        public void beforeErrorDispatch() {
        }
    };

    private final Real real = new Real();
    private final ResponseGate gate = new ResponseGate(null);
    private final BufferedResponse response = new BufferedResponse(real.response, gate, 64, 0, OWNER);

    @Test
    void aFlushWhileTheBodyFitsIsHeldAndTheAnswerCanStillBeReplaced() throws IOException {
        response.setStatus(500);
        response.getOutputStream().write("{\"error\":true}".getBytes(StandardCharsets.UTF_8));
        response.getOutputStream().flush();
        response.flushBuffer();
        assertThat(response.streaming()).isFalse();
        assertThat(response.isCommitted()).isFalse();
        assertThat(real.streamTaken).as("nothing reached the container").isFalse();
        assertThat(gate.state()).isEqualTo(ResponseGate.RUNNING);
        assertThat(response.body()).asString(StandardCharsets.UTF_8).isEqualTo("{\"error\":true}");
    }

    @Test
    void aWriteAfterAHeldFlushStreamsAndTheHeldBytesAreFlushedFirst() throws IOException {
        ServletOutputStream out = response.getOutputStream();
        out.write("first ".getBytes(StandardCharsets.UTF_8));
        out.flush();
        assertThat(response.streaming()).isFalse();
        out.write("second".getBytes(StandardCharsets.UTF_8));
        assertThat(response.streaming()).isTrue();
        assertThat(gate.state()).isEqualTo(ResponseGate.STREAMING);
        assertThat(real.body()).isEqualTo("first second");
        assertThat(real.flushes).as("the held flush went out with the held bytes").isEqualTo(1);
        out.flush();
        assertThat(real.flushes).as("flushes pass on once streaming").isEqualTo(2);
    }

    @Test
    void theWriterStreamsOnItsFirstWriteAfterAHeldFlush() throws IOException {
        PrintWriter writer = response.getWriter();
        writer.write("first ");
        writer.flush();
        assertThat(response.streaming()).isFalse();
        writer.write("second");
        assertThat(response.streaming()).isTrue();
        assertThat(real.body()).isEqualTo("first second");
    }

    @Test
    void anEmptyWriteAfterAHeldFlushDoesNotStream() throws IOException {
        response.getOutputStream().write("body".getBytes(StandardCharsets.UTF_8));
        response.flushBuffer();
        response.getOutputStream().write(new byte[0]);
        assertThat(response.streaming()).isFalse();
    }

    @Test
    void aFlushOfAnEventStreamStreamsAtOnce() throws IOException {
        response.setContentType("Text/Event-Stream;charset=utf-8");
        response.getOutputStream().write("data: 1\n\n".getBytes(StandardCharsets.UTF_8));
        response.getOutputStream().flush();
        assertThat(response.streaming()).isTrue();
        assertThat(real.body()).isEqualTo("data: 1\n\n");
        assertThat(real.flushes).isEqualTo(1);
    }

    @Test
    void aBodyThatOutgrowsTheBufferStreamsFlushedOrNot() throws IOException {
        response.getOutputStream().write(new byte[40]);
        response.flushBuffer();
        assertThat(response.streaming()).isFalse();
        response.resetBuffer(); // forgets the held flush with the bytes it held
        response.getOutputStream().write(new byte[65]);
        assertThat(response.streaming()).isTrue();
        assertThat(real.bytes.size()).isEqualTo(65);
    }

    @Test
    void theHeldBodyIsCommittedWholeWhenTheApplicationFinishes() throws IOException {
        response.getOutputStream().write("done".getBytes(StandardCharsets.UTF_8));
        response.flushBuffer();
        response.commit();
        assertThat(real.body()).isEqualTo("done");
    }

    @Test
    void aResetForgetsAHeldFlush() throws IOException {
        response.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
        response.flushBuffer();
        response.reset();
        response.getOutputStream().write("y".getBytes(StandardCharsets.UTF_8));
        assertThat(response.streaming()).isFalse();
    }
}
