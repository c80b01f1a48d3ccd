package dev.seawall.core.internal.throttle;

import dev.seawall.core.config.AdaptiveLimitConfig;
import dev.seawall.core.config.AdaptiveLimitConfig.Algorithm;
import dev.seawall.core.time.ManualClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Many threads reporting samples at once: nothing is lost, nothing waits, the limit stays in bounds. */
class AdaptiveLimitConcurrencyTest {

    private static final int THREADS = 8;
    private static final int SAMPLES = 20_000;
    private static final int MIN = 2;
    private static final int MAX = 150;

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void concurrentSamplesKeepExactCountsAndTheLimitInBounds(Algorithm algorithm) throws Exception {
        ManualClock clock = new ManualClock();
        AdaptiveLimit limit = (AdaptiveLimit) AdaptiveLimits.create(AdaptiveLimitConfig.builder()
                .algorithm(algorithm).min(MIN).max(MAX).initial(30).window(Duration.ofMillis(10)).build(), clock);
        long t0 = clock.nanoTime();
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger outOfBounds = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < SAMPLES; i++) {
                        // time moves with the samples: 1 ms per sample, threads interleaved; latency climbs and
                        // falls in waves, and every 7th request of a thread is dropped
                        long startNanos = t0 + TimeUnit.MILLISECONDS.toNanos(i) + thread;
                        long rtt = TimeUnit.MILLISECONDS.toNanos(5 + (i / 500) % 4 * 10L);
                        limit.onSample(startNanos, rtt, limit.current(), i % 7 == 0);
                        int c = limit.current();
                        if (c < MIN || c > MAX) {
                            outOfBounds.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        long dropsPerThread = (SAMPLES + 6) / 7;
        assertThat(limit.drops()).isEqualTo(THREADS * dropsPerThread);
        assertThat(limit.samples()).isEqualTo(THREADS * (SAMPLES - dropsPerThread));
        assertThat(outOfBounds).hasValue(0);
        assertThat(limit.current()).isBetween(MIN, MAX);
        assertThat(limit.windows()).as("windows closed while threads raced").isGreaterThan(100);
        assertThat(limit.recentLatencyNanos()).isPositive();
        assertThat(limit.noLoadLatencyNanos()).isPositive();
    }
}
