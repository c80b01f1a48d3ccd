package dev.seawall.core.breaker;

import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.config.StatusRange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.testing.CapturedStderr;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BreakerBuilderTest {

    private final ManualClock clock = new ManualClock();

    @Test
    void aTimeWindowThatIsNotWholeSecondsIsRefusedNotRounded() {
        // resilience4j counts a time window in seconds: 1500ms used to become 1s without a word
        assertThatThrownBy(() -> new Breaker("b", 50, 20, null, Duration.ofMillis(1500), Duration.ofSeconds(30), 5,
                clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window: \"1500ms\" is not a whole number of seconds (a time window counts whole seconds,"
                        + " like 60s)");
        assertThatThrownBy(() -> new Breaker("b", 50, 20, null, Duration.ofMillis(500), Duration.ofSeconds(30), 5,
                clock))
                .hasMessage("window: a time window must be at least 1s");
        Breaker ok = new Breaker("b", 50, 20, null, Duration.ofSeconds(2), Duration.ofSeconds(30), 5, clock);
        assertThat(ok.circuitBreaker().getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(2);
    }

    @Test
    void theBuilderHasTheConfigurationsDefaultsAndRules() {
        Breaker b = Breaker.builder("reports-db").clock(clock).build();
        var c = b.circuitBreaker().getCircuitBreakerConfig();
        assertThat(c.getFailureRateThreshold()).isEqualTo(50f);
        assertThat(c.getMinimumNumberOfCalls()).isEqualTo(20);
        assertThat(c.getSlidingWindowSize()).isEqualTo(100);
        assertThat(c.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(5);
        assertThat(b.name()).isEqualTo("reports-db");

        Breaker timed = Breaker.builder("t").failureRate(25).minimumCalls(4).windowTime(Duration.ofSeconds(60))
                .openFor(Duration.ofSeconds(10)).halfOpenCalls(2).clock(clock).build();
        assertThat(timed.circuitBreaker().getCircuitBreakerConfig().getSlidingWindowType())
                .isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.TIME_BASED);
        assertThat(timed.circuitBreaker().getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(60);

        assertThatThrownBy(() -> Breaker.builder("x").failureRate(101))
                .isInstanceOf(InvalidSettingException.class).hasMessage("failure-rate: 101 is outside 1-100");
        assertThatThrownBy(() -> Breaker.builder("x").windowTime(Duration.ofMillis(1500)))
                .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("window: \"1500ms\"");
        assertThatThrownBy(() -> Breaker.builder("x").windowCalls(0)).hasMessage("window: 0 is outside 1-1000000");
        assertThatThrownBy(() -> Breaker.builder("x").openFor(Duration.ZERO))
                .hasMessage("open-for: \"0s\" must be longer than zero");
    }

    @Test
    void theStageBuilderCountsWhatItIsToldAndShadows() {
        Breaker b = Breaker.builder("pay").minimumCalls(1).windowCalls(1).clock(clock).build();
        BreakerStage s = BreakerStage.builder("pay", b).failureStatuses(new StatusRange(429, 429)).shadow(true)
                .build();
        assertThat(s.shadow()).isTrue();
        var a = s.admit(FakeRequest.get("/"), clock.nanoTime());
        a.permit().complete(new Outcome(429, null, clock.nanoTime(), clock.nanoTime(), false));
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(s.admit(FakeRequest.get("/"), clock.nanoTime()).admitted()).as("shadow never refuses").isTrue();
        assertThatThrownBy(() -> BreakerStage.builder("pay", b).slowCall(Duration.ofDays(400)))
                .hasMessage("slow-call: \"400d\" is too long (at most 365d)");
    }

    @Test
    void theOpeningIsLoggedWithTheConfigurationsDurationSyntax() {
        Breaker b = new Breaker("logged", 50, 1, 1, null, Duration.ofSeconds(10), 1, clock);
        BreakerStage s = new BreakerStage("logged", b, st -> st >= 500, null, false);
        String log;
        try (CapturedStderr err = new CapturedStderr()) {
            s.admit(FakeRequest.get("/"), clock.nanoTime()).permit()
                    .complete(new Outcome(500, null, clock.nanoTime(), clock.nanoTime(), false));
            log = err.text();
        }
        assertThat(log).contains("circuit breaker logged opened (CLOSED -> OPEN) for 10s").doesNotContain("PT10S");
    }
}
