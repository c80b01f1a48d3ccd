package dev.seawall.core.outbound;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.ClientTimeoutConfig;
import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.time.ManualClock;
import org.junit.jupiter.api.Test;

import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** What a caller sees when an attempt runs out of time, and how java.net.http's time-outs are sorted. */
class AttemptTimeoutFailureTest {

    @Test
    void javaNetHttpTimeoutsAreTimeoutsAndItsConnectTimeoutsConnectErrors() {
        assertThat(FailureClassifier.DEFAULT.classify(new HttpTimeoutException("request timed out")))
                .isEqualTo(FailureClassifier.Failure.TIMEOUT);
        assertThat(FailureClassifier.DEFAULT.classify(new HttpConnectTimeoutException("connect timed out")))
                .isEqualTo(FailureClassifier.Failure.CONNECT_ERROR);
    }

    @Test
    void anAttemptCancelledAtItsTimeEndsTheCallWithTimedOutNotACancellation() {
        ManualClock clock = new ManualClock();
        DeadlineTimer timer = DeadlineTimer.manual(clock);
        ClientRuntime runtime = new ClientRuntime(clock, timer, Clock.systemUTC(), () -> 0.5, nanos -> { });
        OutboundClient client = CoreAccess.clients(List.of(ClientConfig.builder("c")
                .retry(RetryConfig.builder().maxAttempts(1).build())
                .timeout(ClientTimeoutConfig.builder().attempt(Duration.ofMillis(100)).total(Duration.ofSeconds(1))
                        .build()).build()), runtime, null).named("c");

        CompletableFuture<String> call = client.callAsync(CompletableFuture::new); // never answers
        clock.advance(Duration.ofMillis(100));
        timer.runDue();

        assertThat(call).isCompletedExceptionally();
        Throwable error = catchThrowable(call::get);
        assertThat(error).isInstanceOf(ExecutionException.class);
        assertThat(error.getCause()).isInstanceOf(OutboundException.class);
        assertThat(((OutboundException) error.getCause()).reason()).isEqualTo(OutboundException.Reason.TIMED_OUT);
    }
}
