package dev.seawall.core.timeout;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimeoutStageTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ManualClock clock = new ManualClock();

    private TimeoutStage stage(Duration after, int status) {
        TimeoutStage stage = new TimeoutStage("orders", after, status);
        SeawallMeters.bind(meters, stage);
        return stage;
    }

    @Test
    void rejectsZeroNegativeAndMissingDurations() {
        assertThatThrownBy(() -> stage(Duration.ZERO, 503)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> stage(Duration.ofMillis(-1), 503)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> stage(Duration.ofNanos(-1), 504)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> stage(null, 503)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 400, 408, 429, 500, 502, 505, 0, -503})
    void rejectsStatusesOtherThan503And504(int status) {
        assertThatThrownBy(() -> stage(Duration.ofSeconds(1), status)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsNullPolicy() {
        assertThatThrownBy(() -> new TimeoutStage(null, Duration.ofSeconds(1), 503))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void acceptsTheSmallestPositiveDuration() {
        TimeoutStage s = stage(Duration.ofNanos(1), 503);
        assertThat(s.afterNanos()).isEqualTo(1);
        assertThat(s.timeoutAnswer().header("Retry-After")).isEqualTo("1");
    }

    @Test
    void timeoutAnswerIs503TimeoutProblem() {
        TimeoutStage s = stage(Duration.ofMillis(1500), 503);
        Rejection r = s.timeoutAnswer();
        assertThat(s.status()).isEqualTo(503);
        assertThat(s.afterNanos()).isEqualTo(Duration.ofMillis(1500).toNanos());
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.type()).endsWith("/timeout").isEqualTo(ProblemTypes.TIMEOUT);
        assertThat(r.title()).isEqualTo("Service Unavailable");
        assertThat(r.extensions()).containsEntry("policy", "orders");
        assertThat(r.header("Retry-After")).isEqualTo("2");
        assertThat(s.timeoutAnswer()).as("shared").isSameAs(r);
    }

    @Test
    void gatewayTimeoutAnswerIs504() {
        Rejection r = stage(Duration.ofMillis(200), 504).timeoutAnswer();
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.type()).endsWith("/timeout");
        assertThat(r.title()).isEqualTo("Gateway Timeout");
        assertThat(r.header("Retry-After")).isEqualTo("1");
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "200, 1", "999, 1", "1000, 1", "1001, 2", "1500, 2", "2000, 2", "30000, 30", "30001, 31"})
    void retryAfterIsTheTimeoutRoundedUpToWholeSeconds(long millis, String expected) {
        assertThat(stage(Duration.ofMillis(millis), 503).timeoutAnswer().header("Retry-After")).isEqualTo(expected);
    }

    @Test
    void admitAlwaysAdmitsWithTheStageAsPermit() {
        TimeoutStage s = stage(Duration.ofSeconds(2), 503);
        Admission a = s.admit(FakeRequest.get("/orders"), clock.nanoTime());
        assertThat(a.admitted()).isTrue();
        assertThat(a.deferred()).isFalse();
        assertThat(a.rejection()).isNull();
        assertThat(a.permit()).isSameAs(s);
        assertThat(s.kind()).isEqualTo(StageKind.TIMEOUT);
        assertThat(s.name()).isEqualTo("orders");
        a.permit().release(); // no-op, must not throw
    }

    @Test
    void answeredAndOverranAreCountedByOutcome() {
        TimeoutStage s = stage(Duration.ofSeconds(2), 503);
        assertThat(answered()).isZero();
        assertThat(overran()).isZero();

        s.answered();
        s.answered();
        s.overran();

        assertThat(answered()).isEqualTo(2.0);
        assertThat(overran()).isEqualTo(1.0);
        assertThat(s.answeredCount()).isEqualTo(2);
        assertThat(meters.get("seawall.timeout.calls").tag("policy", "orders").functionCounters()).hasSize(2);
    }

    @Test
    void aCallersShorterDeadlineShortensTheRequestsTimeoutAndALongerOneDoesNot() {
        TimeoutStage s = TimeoutStage.builder("orders", Duration.ofSeconds(5)).deadlineHeader("X-Deadline").build();
        assertThat(s.deadlineHeader()).isEqualTo("X-Deadline");
        assertThat(s.afterNanos(FakeRequest.get("/a").header("X-Deadline", "300"))).isEqualTo(300_000_000L);
        assertThat(s.afterNanos(FakeRequest.get("/a").header("x-deadline", "0042"))).isEqualTo(42_000_000L);
        assertThat(s.afterNanos(FakeRequest.get("/a").header("X-Deadline", "0"))).isZero();
        assertThat(s.afterNanos(FakeRequest.get("/a").header("X-Deadline", "5000"))).isEqualTo(s.afterNanos());
        assertThat(s.afterNanos(FakeRequest.get("/a").header("X-Deadline", "9999999999"))).isEqualTo(s.afterNanos());
        assertThat(s.afterNanos(FakeRequest.get("/a"))).isEqualTo(s.afterNanos());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "+5", "5.0", "0x10", "5ms", "abc", "12345678901", "99999999999999999999", "", " ",
            " 5", "5 ", "1,2", "١٢", "\u0000"})
    void hostileCallerDeadlinesAreIgnored(String value) {
        TimeoutStage s = TimeoutStage.builder("orders", Duration.ofSeconds(5)).deadlineHeader("X-Deadline").build();
        assertThat(s.afterNanos(FakeRequest.get("/a").header("X-Deadline", value))).isEqualTo(s.afterNanos());
    }

    @Test
    void severalCallerDeadlinesAreIgnored() {
        TimeoutStage s = TimeoutStage.builder("orders", Duration.ofSeconds(5)).deadlineHeader("X-Deadline").build();
        assertThat(s.afterNanos(FakeRequest.get("/a").header("X-Deadline", "100").header("X-Deadline", "100")))
                .isEqualTo(s.afterNanos());
    }

    @Test
    void withoutADeadlineHeaderTheHeaderIsNeverRead() {
        TimeoutStage s = stage(Duration.ofSeconds(5), 503);
        assertThat(s.deadlineHeader()).isNull();
        assertThat(s.afterNanos(FakeRequest.get("/a").header("X-Deadline", "300"))).isEqualTo(s.afterNanos());
        assertThat(s.afterNanos((dev.seawall.core.http.RequestView) null)).isEqualTo(s.afterNanos());
    }

    @Test
    void theTimeoutAnswerNamesTheRequestsOwnTimeout() {
        TimeoutStage s = stage(Duration.ofMillis(1500), 504);
        assertThat(s.timeoutAnswer(s.afterNanos())).isSameAs(s.timeoutAnswer());
        Rejection shorter = s.timeoutAnswer(300_000_000L);
        assertThat(shorter.status()).isEqualTo(504);
        assertThat(shorter.detail()).isEqualTo("The request did not complete within 300 ms.");
        assertThat(shorter.header("Retry-After")).isEqualTo("1");
        assertThat(s.timeoutAnswer(0).detail()).isEqualTo("The request did not complete within 0 ms.");
    }

    private double answered() {
        return meters.get("seawall.timeout.calls").tag("policy", "orders").tag("outcome", "answered").functionCounter()
                .count();
    }

    private double overran() {
        return meters.get("seawall.timeout.calls").tag("policy", "orders").tag("outcome", "overran").functionCounter()
                .count();
    }
}
