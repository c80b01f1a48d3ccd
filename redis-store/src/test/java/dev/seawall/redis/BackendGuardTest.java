package dev.seawall.redis;

import dev.seawall.core.time.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The breaker around Redis, on a fake clock. */
class BackendGuardTest {

    private final ManualClock clock = new ManualClock();
    private final BackendGuard guard = new BackendGuard("test store", 3, Duration.ofSeconds(2).toNanos(), clock);

    @Test
    void opensAfterThresholdFailuresInARowAndASuccessInBetweenResetsTheCount() {
        guard.failure("x");
        guard.failure("x");
        guard.success();
        guard.failure("x");
        guard.failure("x");
        assertThat(guard.down()).isFalse();
        guard.failure("x");
        assertThat(guard.down()).isTrue();
        assertThat(guard.allow()).isFalse();
        assertThat(guard.nanosToRetry()).isEqualTo(Duration.ofSeconds(2).toNanos());
    }

    @Test
    void letsOneProbeThroughAfterTheBackoffAndClosesOnItsSuccess() {
        for (int i = 0; i < 3; i++) {
            guard.failure("x");
        }
        clock.advance(Duration.ofSeconds(2));
        assertThat(guard.allow()).isTrue();
        assertThat(guard.allow()).as("only one probe at a time").isFalse();
        guard.failure("still down");
        assertThat(guard.allow()).as("a failed probe starts a new back-off").isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(guard.allow()).isTrue();
        guard.success();
        assertThat(guard.down()).isFalse();
        assertThat(guard.allow()).isTrue();
        assertThat(guard.allow()).isTrue();
    }

    @Test
    void anAbandonedProbeFreesTheWayForTheNext() {
        for (int i = 0; i < 3; i++) {
            guard.failure("x");
        }
        clock.advance(Duration.ofSeconds(2));
        assertThat(guard.allow()).isTrue();
        guard.abandon();
        assertThat(guard.allow()).isTrue();
    }

    @Test
    void concurrentCallersGetExactlyOneProbe() throws Exception {
        for (int i = 0; i < 3; i++) {
            guard.failure("x");
        }
        clock.advance(Duration.ofSeconds(3));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger probes = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        try {
            for (int t = 0; t < 8; t++) {
                all.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 1000; i++) {
                        if (guard.allow()) {
                            probes.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(probes.get()).isEqualTo(1);
    }
}
