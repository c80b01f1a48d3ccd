package dev.seawall.core.outbound;

import dev.seawall.core.time.ManualClock;
import dev.seawall.core.timeout.Deadline;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineTest {

    private final ManualClock clock = new ManualClock();

    @Test
    void bindingNestsAndRestoresAndLeavesNothingBehind() {
        Deadline outer = Deadline.after(Duration.ofSeconds(2), clock);
        Deadline inner = Deadline.after(Duration.ofSeconds(1), clock);
        assertThat(Deadline.current()).isNull();
        try (Deadline.Scope a = outer.bind()) {
            try (Deadline.Scope b = inner.bind()) {
                assertThat(Deadline.current()).isSameAs(inner);
            }
            assertThat(Deadline.current()).isSameAs(outer);
            clock.advance(Duration.ofMillis(2500));
            assertThat(outer.expired()).isTrue();
            assertThat(outer.remaining()).isZero();
        }
        assertThat(Deadline.current()).isNull();
    }

    @Test
    void wrappedWorkCarriesTheCallersDeadlineIntoAnotherThread() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Deadline d = Deadline.after(Duration.ofSeconds(1), clock);
            CompletableFuture<Deadline> seen;
            try (Deadline.Scope ignored = d.bind()) {
                seen = CompletableFuture.supplyAsync(Deadline::current, Deadline.wrap(pool));
            }
            assertThat(seen.get(10, TimeUnit.SECONDS)).isSameAs(d);
            assertThat(pool.submit(Deadline::current).get(10, TimeUnit.SECONDS))
                    .as("the pooled thread keeps nothing").isNull();
            Runnable plain = () -> { };
            assertThat(Deadline.wrap(plain)).as("nothing to carry: the task itself").isSameAs(plain);
        } finally {
            pool.shutdown();
        }
    }
}
