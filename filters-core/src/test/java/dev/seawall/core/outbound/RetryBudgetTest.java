package dev.seawall.core.outbound;

import dev.seawall.core.config.RetryBudgetConfig;
import dev.seawall.core.internal.outbound.RetryBudget;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RetryBudgetTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void depositsBuyTheirShareOfRetriesAndTheFloorIsAMinimumNotAnAddition() {
        RetryBudget busy = new RetryBudget(RetryBudgetConfig.builder().percent(20).minPerSecond(1)
                .window(Duration.ofSeconds(10)).build());
        long now = 5 * SECOND;
        assertThat(busy.available(now)).as("the floor: 1/s over 10s").isEqualTo(10.0);
        for (int i = 0; i < 100; i++) {
            busy.deposit(now);
        }
        assertThat(busy.available(now)).isEqualTo(20.0);
        assertThat(drain(busy, now)).as("a busy client: its share, no floor on top").isEqualTo(20);

        RetryBudget quiet = new RetryBudget(RetryBudgetConfig.builder().percent(20).minPerSecond(1)
                .window(Duration.ofSeconds(10)).build());
        for (int i = 0; i < 30; i++) {
            quiet.deposit(now);
        }
        assertThat(drain(quiet, now)).as("a quiet client: at least the floor").isEqualTo(10);
    }

    private static int drain(RetryBudget b, long now) {
        int n = 0;
        while (b.tryWithdraw(now)) {
            n++;
        }
        return n;
    }

    @Test
    void depositsAndWithdrawalsAgeOutOfTheWindow() {
        RetryBudget b = new RetryBudget(RetryBudgetConfig.builder().percent(10).minPerSecond(0)
                .window(Duration.ofSeconds(10)).build());
        long t = 100 * SECOND;
        for (int i = 0; i < 50; i++) {
            b.deposit(t);
        }
        assertThat(b.tryWithdraw(t)).isTrue();
        assertThat(b.available(t)).isEqualTo(4.0);
        assertThat(b.available(t + 9 * SECOND)).as("deposits are spent in their own slice, never saved").isZero();
        assertThat(b.tryWithdraw(t + 11 * SECOND)).isFalse();
    }

    @Test
    void whatAHealthyWindowDepositedIsNeverSpentInABurstWhenAnOutageStarts() {
        RetryBudget b = new RetryBudget(RetryBudgetConfig.builder().percent(10).minPerSecond(0).build());
        long t = 50 * SECOND;
        for (int s = 0; s < 10; s++) {
            for (int i = 0; i < 100; i++) {
                b.deposit(t + s * SECOND);
            }
        }
        long outage = t + 10 * SECOND;
        assertThat(b.tryWithdraw(outage)).as("nothing saved from the healthy seconds").isFalse();
        int retries = 0;
        for (int i = 0; i < 100; i++) {
            b.deposit(outage);
            if (b.tryWithdraw(outage)) {
                retries++;
            }
        }
        assertThat(retries).as("a tenth of the outage's own first attempts").isEqualTo(10);
    }

    @Test
    void theFloorMayBeSpentInABurstOncePerWindow() {
        RetryBudget b = new RetryBudget(RetryBudgetConfig.builder().percent(10).minPerSecond(1)
                .window(Duration.ofSeconds(10)).build());
        long t = 20 * SECOND;
        int burst = 0;
        while (b.tryWithdraw(t)) {
            burst++;
        }
        assertThat(burst).as("a quiet client's retries: min-per-second x window").isEqualTo(10);
        assertThat(b.tryWithdraw(t + 9 * SECOND)).isFalse();
        assertThat(b.tryWithdraw(t + 10 * SECOND)).as("the window moved on").isTrue();
    }

    @Test
    void fractionalSharesAccumulate() {
        RetryBudget b = new RetryBudget(RetryBudgetConfig.builder().percent(12.5).minPerSecond(0).build());
        for (int i = 0; i < 7; i++) {
            b.deposit(SECOND);
        }
        assertThat(b.tryWithdraw(SECOND)).isFalse(); // 0.875
        b.deposit(SECOND);
        assertThat(b.tryWithdraw(SECOND)).isTrue();
    }

    @Test
    void concurrentCallersSpendNoMoreThanTheBudgetPlusTheRacingCalls() throws Exception {
        RetryBudget b = new RetryBudget(RetryBudgetConfig.builder().percent(10).minPerSecond(0).build());
        int threads = 8;
        int perThread = 20_000;
        long now = 7 * SECOND;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                start.await();
                int retries = 0;
                for (int i = 0; i < perThread; i++) {
                    b.deposit(now);
                    if (b.tryWithdraw(now)) {
                        retries++;
                    }
                }
                return retries;
            }));
        }
        start.countDown();
        int total = 0;
        for (Future<Integer> r : results) {
            total += r.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        int budget = threads * perThread / 10;
        assertThat(total).isBetween(budget - threads, budget + threads);
    }
}
