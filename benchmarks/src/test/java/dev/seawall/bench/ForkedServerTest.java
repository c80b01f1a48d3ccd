package dev.seawall.bench;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The harness never waits forever on a server JVM that stops answering. */
class ForkedServerTest {

    /** A child JVM that prints its arguments, one per line, and then never says anything again. */
    public static final class Silent {
        public static void main(String[] args) throws InterruptedException {
            for (String a : args) {
                System.out.println(a);
            }
            System.out.flush();
            new CountDownLatch(1).await();
        }
    }

    private static Process silent(String... lines) throws Exception {
        String javaBinary = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBinary, "-cp", System.getProperty("java.class.path"),
                Silent.class.getName()));
        cmd.addAll(List.of(lines));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void aChildThatGivesNoAnswerIsStoppedAndTheReadEnds() throws Exception {
        Process child = silent();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.US_ASCII))) {
            String answer = ForkedServer.within(child, 300, TimeUnit.MILLISECONDS, in::readLine);
            assertThat(answer).as("its output ended").isNull();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("stopped").isTrue();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aChildThatAnswersInTimeKeepsRunning() throws Exception {
        Process child = silent("@42");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.US_ASCII))) {
            assertThat(ForkedServer.within(child, 60, TimeUnit.SECONDS, in::readLine)).isEqualTo("@42");
            assertThat(child.isAlive()).isTrue();
        } finally {
            child.destroyForcibly();
        }
    }
}
