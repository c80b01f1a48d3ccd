package dev.seawall.core.internal.throttle;

import com.netflix.concurrency.limits.Limit;
import dev.seawall.core.config.AdaptiveLimitConfig;
import dev.seawall.core.config.AdaptiveLimitConfig.Algorithm;
import dev.seawall.core.time.ManualClock;
import org.junit.jupiter.api.Test;
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
import java.util.function.Consumer;

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

    @Test
    void aSampleNeverWaitsForTheThreadClosingAWindow() throws Exception {
        ManualClock clock = new ManualClock();
        CountDownLatch inAlgorithm = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Limit stuck = new Limit() {
            @Override
            public int getLimit() {
                return 30;
            }

            @Override
            public void notifyOnChange(Consumer<Integer> consumer) {
                // not used
            }

            @Override
            public void onSample(long startTime, long rtt, int inflight, boolean didDrop) {
                inAlgorithm.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        AdaptiveLimitConfig config = AdaptiveLimitConfig.builder().initial(30).build();
        AdaptiveLimit limit = new AdaptiveLimit(config, initial -> stuck, clock.nanoTime(), true);
        long t0 = clock.nanoTime();
        long rtt = TimeUnit.MILLISECONDS.toNanos(10);
        for (int i = 0; i < config.windowSamples(); i++) {
            limit.onSample(t0, rtt, 30, false);
        }
        ExecutorService closer = Executors.newSingleThreadExecutor();
        try {
            long due = t0 + config.window().toNanos();
            Future<?> closing = closer.submit(() -> limit.onSample(due, rtt, 30, false));
            assertThat(inAlgorithm.await(30, TimeUnit.SECONDS)).isTrue();

            // the window is held by the closer, stuck inside the algorithm: every other sample, due or not, returns
            for (int i = 0; i < 10_000; i++) {
                limit.onSample(due + i, rtt, 30, i % 2 == 0);
            }
            assertThat(limit.drops()).isEqualTo(5_000);
            assertThat(limit.current()).isEqualTo(30);
            assertThat(closing).isNotDone();

            release.countDown();
            closing.get(30, TimeUnit.SECONDS);
            assertThat(limit.samples()).isEqualTo(config.windowSamples() + 1 + 5_000);
        } finally {
            release.countDown();
            closer.shutdownNow();
        }
    }
}
