package dev.seawall.core.breaker;

import dev.seawall.core.time.ManualClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Breaker#recordSuccess} leaves out a success that cannot change a full, all-successful count window. These
 * tests hold it to that: driven side by side with a breaker that records every success, it must decide exactly the
 * same, call after call.
 */
class BreakerSuccessShortcutTest {

    private final ManualClock clock = new ManualClock();

    private Breaker breaker(int minimumCalls, Integer window, Duration windowTime) {
        return new Breaker("b", 50, minimumCalls, window, windowTime, Duration.ofSeconds(5), 3, clock);
    }

    /** @return a count of the successes resilience4j records into the breaker's window from now on */
    private static AtomicInteger successesWritten(Breaker b) {
        AtomicInteger n = new AtomicInteger();
        b.circuitBreaker().getEventPublisher().onSuccess(e -> n.incrementAndGet());
        return n;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void decidesExactlyAsABreakerThatRecordsEverySuccess(long seed) {
        Random random = new Random(seed);
        int window = 1 + random.nextInt(40);
        int minimum = 1 + random.nextInt(window);
        Breaker shortcut = breaker(minimum, window, null);
        Breaker reference = breaker(minimum, window, null);
        CircuitBreaker ref = reference.circuitBreaker();
        CircuitBreaker cb = shortcut.circuitBreaker();
        double failureShare = 0.02;
        for (int call = 0; call < 20_000; call++) {
            if (call % 500 == 0) {
                failureShare = random.nextDouble() < 0.5 ? 0.0 : random.nextDouble() * 0.8; // healthy or failing phases
            }
            boolean permitted = cb.tryAcquirePermission();
            assertThat(ref.tryAcquirePermission()).as("permission at call %d", call).isEqualTo(permitted);
            if (permitted) {
                long elapsed = TimeUnit.MILLISECONDS.toNanos(random.nextInt(50));
                if (random.nextDouble() < failureShare) {
                    cb.onError(elapsed, TimeUnit.NANOSECONDS, new IllegalStateException());
                    ref.onError(elapsed, TimeUnit.NANOSECONDS, new IllegalStateException());
                } else {
                    shortcut.recordSuccess(elapsed);
                    ref.onSuccess(elapsed, TimeUnit.NANOSECONDS);
                }
            }
            assertThat(cb.getState()).as("state after call %d", call).isEqualTo(ref.getState());
            assertThat(cb.getMetrics().getNumberOfBufferedCalls()).as("calls after call %d", call)
                    .isEqualTo(ref.getMetrics().getNumberOfBufferedCalls());
            assertThat(cb.getMetrics().getNumberOfFailedCalls()).as("failures after call %d", call)
                    .isEqualTo(ref.getMetrics().getNumberOfFailedCalls());
            assertThat(cb.getMetrics().getFailureRate()).isEqualTo(ref.getMetrics().getFailureRate());
            clock.advance(Duration.ofMillis(random.nextInt(3))); // open periods end now and then: half-open probes
        }
    }

    @Test
    void aFullWindowOfSuccessesIsNotWrittenAgainButAFailureStillCountsAgainstAllOfThem() {
        Breaker b = breaker(4, 10, null);
        AtomicInteger recorded = successesWritten(b);
        recordFastSuccesses(b, 25);
        assertThat(recorded).hasValue(10); // the window filled, then nothing more was written
        b.circuitBreaker().onError(1_000, TimeUnit.NANOSECONDS, new IllegalStateException());
        assertThat(b.circuitBreaker().getMetrics().getNumberOfBufferedCalls()).isEqualTo(10);
        assertThat(b.circuitBreaker().getMetrics().getFailureRate()).isEqualTo(10.0f);
        b.recordSuccess(1_000); // a failure is in the window: recorded again until it has slid out
        assertThat(recorded).hasValue(11);
    }

    @Test
    void aSlowSuccessAndATimeWindowAreAlwaysRecorded() {
        Breaker count = breaker(4, 10, null);
        AtomicInteger recorded = successesWritten(count);
        recordFastSuccesses(count, 10);
        count.recordSuccess(TimeUnit.SECONDS.toNanos(61)); // slow for resilience4j (60 s by default): another outcome
        assertThat(recorded).hasValue(11);
        assertThat(count.circuitBreaker().getMetrics().getNumberOfSlowCalls()).isEqualTo(1);

        Breaker time = breaker(4, null, Duration.ofSeconds(10));
        AtomicInteger timed = successesWritten(time);
        recordFastSuccesses(time, 50);
        assertThat(timed).hasValue(50);
    }

    @Test
    void aHalfOpenBreakerCountsEveryProbe() {
        Breaker b = breaker(2, 4, null);
        CircuitBreaker cb = b.circuitBreaker();
        for (int i = 0; i < 4; i++) {
            cb.onError(1_000, TimeUnit.NANOSECONDS, new IllegalStateException());
        }
        assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        clock.advance(Duration.ofSeconds(6));
        for (int i = 0; i < 3; i++) {
            assertThat(cb.tryAcquirePermission()).isTrue();
            b.recordSuccess(1_000);
        }
        assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    private static void recordFastSuccesses(Breaker b, int calls) {
        for (int i = 0; i < calls; i++) {
            b.recordSuccess(1_000);
        }
    }
}
