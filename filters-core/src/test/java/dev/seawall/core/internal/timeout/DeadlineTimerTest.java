package dev.seawall.core.internal.timeout;

import dev.seawall.core.time.ManualClock;
import dev.seawall.core.time.NanoClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeadlineTimerTest {

    private final ManualClock clock = new ManualClock();
    private final DeadlineTimer timer = DeadlineTimer.manual(clock);

    private long in(Duration d) {
        return clock.nanoTime() + d.toNanos();
    }

    @Test
    void firesTasksOnlyWhenDue() {
        AtomicInteger runs = new AtomicInteger();
        timer.schedule(in(Duration.ofMillis(100)), runs::incrementAndGet);

        assertThat(timer.runDue()).isZero();
        clock.advance(Duration.ofMillis(99));
        assertThat(timer.runDue()).isZero();
        assertThat(runs).hasValue(0);

        clock.advance(Duration.ofMillis(1));
        assertThat(timer.runDue()).isEqualTo(1);
        assertThat(runs).hasValue(1);

        // at most once
        clock.advance(Duration.ofSeconds(5));
        assertThat(timer.runDue()).isZero();
        assertThat(runs).hasValue(1);
    }

    @Test
    void firesDueTasksInDeadlineOrderRegardlessOfSchedulingOrder() {
        List<String> order = new ArrayList<>();
        timer.schedule(in(Duration.ofMillis(300)), () -> order.add("c"));
        timer.schedule(in(Duration.ofMillis(100)), () -> order.add("a"));
        timer.schedule(in(Duration.ofMillis(500)), () -> order.add("e"));
        timer.schedule(in(Duration.ofMillis(200)), () -> order.add("b"));
        timer.schedule(in(Duration.ofMillis(400)), () -> order.add("d"));

        clock.advance(Duration.ofMillis(250));
        assertThat(timer.runDue()).isEqualTo(2);
        assertThat(order).containsExactly("a", "b");

        clock.advance(Duration.ofSeconds(1));
        assertThat(timer.runDue()).isEqualTo(3);
        assertThat(order).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void runDueReturnsHowManyTasksRan() {
        for (int i = 1; i <= 7; i++) {
            timer.schedule(in(Duration.ofMillis(i * 10L)), () -> { });
        }
        clock.advance(Duration.ofMillis(30));
        assertThat(timer.runDue()).isEqualTo(3);
        clock.advance(Duration.ofMillis(40));
        assertThat(timer.runDue()).isEqualTo(4);
        assertThat(timer.runDue()).isZero();
    }

    @Test
    void cancelBeforeDuePreventsFiringAndReturnsTrue() {
        AtomicInteger runs = new AtomicInteger();
        DeadlineTimer.Handle h = timer.schedule(in(Duration.ofMillis(100)), runs::incrementAndGet);
        DeadlineTimer.Handle other = timer.schedule(in(Duration.ofMillis(100)), runs::incrementAndGet);

        assertThat(h.cancel()).isTrue();
        assertThat(h.cancel()).as("second cancel").isFalse();

        clock.advance(Duration.ofSeconds(1));
        assertThat(timer.runDue()).isEqualTo(1);
        assertThat(runs).hasValue(1);
        assertThat(other.cancel()).isFalse();
    }

    @Test
    void cancelAfterTheTaskMovedToTheHeapStillPreventsFiring() {
        AtomicInteger runs = new AtomicInteger();
        DeadlineTimer.Handle h = timer.schedule(in(Duration.ofMillis(100)), runs::incrementAndGet);
        assertThat(timer.runDue()).isZero(); // moves the handle from the incoming queue into the heap
        assertThat(h.cancel()).isTrue();

        clock.advance(Duration.ofMillis(200));
        assertThat(timer.runDue()).isZero();
        assertThat(runs).hasValue(0);
    }

    @Test
    void cancelAfterFiringReturnsFalse() {
        AtomicInteger runs = new AtomicInteger();
        DeadlineTimer.Handle h = timer.schedule(in(Duration.ofMillis(100)), runs::incrementAndGet);
        clock.advance(Duration.ofMillis(100));
        assertThat(timer.runDue()).isEqualTo(1);

        assertThat(h.cancel()).isFalse();
        assertThat(runs).hasValue(1);
    }

    @Test
    void aThrowingTaskDoesNotStopLaterTasks() {
        List<String> ran = new ArrayList<>();
        timer.schedule(in(Duration.ofMillis(10)), () -> ran.add("first"));
        timer.schedule(in(Duration.ofMillis(20)), () -> {
            ran.add("thrower");
            throw new IllegalStateException("boom (expected by the test)");
        });
        timer.schedule(in(Duration.ofMillis(30)), () -> ran.add("after"));

        clock.advance(Duration.ofMillis(30));
        assertThat(timer.runDue()).isEqualTo(3);
        assertThat(ran).containsExactly("first", "thrower", "after");

        // and the timer keeps working afterwards
        AtomicInteger later = new AtomicInteger();
        timer.schedule(in(Duration.ofMillis(10)), later::incrementAndGet);
        clock.advance(Duration.ofMillis(10));
        assertThat(timer.runDue()).isEqualTo(1);
        assertThat(later).hasValue(1);
    }

    @Test
    void scheduleAfterCloseThrowsAndCloseIsIdempotent() {
        timer.close();
        timer.close();
        assertThatThrownBy(() -> timer.schedule(in(Duration.ofMillis(10)), () -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pendingShrinksAfterFiring() {
        assertThat(timer.pending()).isZero();
        timer.schedule(in(Duration.ofMillis(10)), () -> { });
        timer.schedule(in(Duration.ofMillis(20)), () -> { });
        timer.schedule(in(Duration.ofMillis(30)), () -> { });
        assertThat(timer.pending()).isEqualTo(3);

        assertThat(timer.runDue()).isZero();
        assertThat(timer.pending()).isEqualTo(3);

        clock.advance(Duration.ofMillis(20));
        timer.runDue();
        assertThat(timer.pending()).isEqualTo(1);

        clock.advance(Duration.ofMillis(10));
        timer.runDue();
        assertThat(timer.pending()).isZero();
    }

    @Test
    void cancelledDeadlinesArePurgedFromTheHeap() {
        DeadlineTimer.Handle h = timer.schedule(in(Duration.ofSeconds(30)), () -> { });
        // this thread's next deadline moves the still-waiting one to the shared queue, and the tick into the heap
        DeadlineTimer.Handle next = timer.schedule(in(Duration.ofSeconds(30)), () -> { });
        timer.runDue();
        assertThat(h.cancel()).isTrue();
        assertThat(next.cancel()).isTrue();
        timer.runDue();
        assertThat(timer.pending()).as("cancelled, not purged yet").isEqualTo(1);

        clock.advance(Duration.ofSeconds(2)); // past the once-a-second purge, well before the deadline
        assertThat(timer.runDue()).isZero();
        assertThat(timer.pending()).isZero();
    }

    @Test
    void cancelledDeadlinesNeverEnterTheHeap() {
        DeadlineTimer.Handle h = timer.schedule(in(Duration.ofSeconds(30)), () -> { });
        assertThat(h.cancel()).isTrue();
        timer.runDue();
        assertThat(timer.pending()).isZero();
    }

    @Test
    void aDeadlineStillWaitingWhenItsThreadSchedulesAgainStillFiresOnTime() {
        // an asynchronous request: its thread serves the next request while the first one's deadline runs
        List<String> ran = new ArrayList<>();
        DeadlineTimer.Handle async = timer.schedule(in(Duration.ofMillis(100)), () -> ran.add("async"));
        DeadlineTimer.Handle next = timer.schedule(in(Duration.ofMillis(200)), () -> ran.add("next"));
        assertThat(next.cancel()).as("the next request finished in time").isTrue();
        DeadlineTimer.Handle third = timer.schedule(in(Duration.ofMillis(300)), () -> ran.add("third"));
        assertThat(timer.pending()).isEqualTo(2);

        clock.advance(Duration.ofMillis(100));
        assertThat(timer.runDue()).isEqualTo(1);
        clock.advance(Duration.ofMillis(200));
        assertThat(timer.runDue()).isEqualTo(1);
        assertThat(ran).containsExactly("async", "third");
        assertThat(async.cancel()).isFalse();
        assertThat(third.cancel()).isFalse();
        assertThat(timer.pending()).isZero();
    }

    @Test
    void theDeadlineOfAThreadThatDiedStillFires() throws InterruptedException {
        AtomicInteger runs = new AtomicInteger();
        Thread worker = new Thread(() -> timer.schedule(in(Duration.ofMillis(100)), runs::incrementAndGet));
        worker.start();
        worker.join();

        assertThat(timer.runDue()).as("the dead thread's slot is emptied into the heap, not fired early").isZero();
        assertFiresOnceAfter100ms(runs);
    }

    /** The one pending deadline, due 100 ms from when it was scheduled, fires exactly once when due. */
    private void assertFiresOnceAfter100ms(AtomicInteger runs) {
        assertThat(timer.pending()).isEqualTo(1);
        clock.advance(Duration.ofMillis(100));
        assertThat(timer.runDue()).isEqualTo(1);
        assertThat(runs).hasValue(1);
        assertThat(timer.pending()).isZero();
    }

    @Test
    void aDeadlineWrittenJustBeforeItsThreadEndsIsNeverDroppedWithTheSlot() throws Exception {
        // the ticker may look at the slot while its thread writes it and ends: the slot of a dead thread is dropped,
        // and what it held must go to the heap, not be lost with it
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread ticker = new Thread(() -> {
            while (!stop.get()) {
                timer.runDue();
            }
        });
        ticker.start();
        AtomicInteger runs = new AtomicInteger();
        int threads = 1_000;
        try {
            for (int i = 0; i < threads; i++) {
                Thread worker = new Thread(() -> timer.schedule(in(Duration.ofSeconds(1)), runs::incrementAndGet));
                worker.start();
                worker.join();
            }
        } finally {
            stop.set(true);
            ticker.join();
        }
        clock.advance(Duration.ofSeconds(1));
        timer.runDue();
        assertThat(runs).hasValue(threads);
        assertThat(timer.pending()).isZero();
    }

    @Test
    void deadlinesFromManyThreadsFireExactlyOnceUnlessCancelledFirst() throws Exception {
        int threads = 8;
        int perThread = 5_000;
        AtomicInteger[][] runs = new AtomicInteger[threads][perThread];
        boolean[][] cancelled = new boolean[threads][perThread];
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        // the ticker's part runs concurrently with scheduling and cancelling, as the real ticker does
        Thread ticker = new Thread(() -> {
            while (!stop.get()) {
                clock.advance(Duration.ofMillis(1));
                timer.runDue();
            }
        });
        ticker.start();
        List<Thread> workers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    AtomicInteger counter = new AtomicInteger();
                    runs[id][i] = counter;
                    DeadlineTimer.Handle h = timer.schedule(clock.nanoTime() + (i % 7) * 1_000_000L,
                            counter::incrementAndGet);
                    // 9 in 10 settle at once; the 10th is left waiting, like an asynchronous request
                    if (i % 10 != 9) {
                        cancelled[id][i] = h.cancel();
                    }
                }
            });
            workers.add(w);
            w.start();
        }
        go.countDown();
        for (Thread w : workers) {
            w.join();
        }
        stop.set(true);
        ticker.join();
        clock.advance(Duration.ofSeconds(2));
        timer.runDue();

        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                assertThat(runs[t][i].get()).as("thread %d deadline %d", t, i).isEqualTo(cancelled[t][i] ? 0 : 1);
            }
        }
        assertThat(timer.pending()).isZero();
    }

    @Test
    void aDeadlineScheduledOnAVirtualThreadFires() throws Exception {
        // on Java 21+ this runs on a virtual thread (no slot: the shared queue); on 17 on a platform thread
        AtomicInteger runs = new AtomicInteger();
        Runnable schedule = () -> timer.schedule(in(Duration.ofMillis(100)), runs::incrementAndGet);
        Thread worker;
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            worker = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class)
                    .invoke(builder, schedule);
            assertThat(Thread.class.getMethod("isVirtual").invoke(worker)).isEqualTo(true);
        } catch (NoSuchMethodException java17) {
            worker = new Thread(schedule);
        }
        worker.start();
        worker.join();

        assertFiresOnceAfter100ms(runs);
    }

    @Test
    void closeEmptiesTheSlotsSoThreadsKeepNothing() {
        timer.schedule(in(Duration.ofSeconds(30)), () -> { });
        assertThat(timer.pending()).isEqualTo(1);
        timer.close();
        assertThat(timer.pending()).isZero();
    }

    @Test
    void handleReportsItsDeadline() {
        long at = in(Duration.ofMillis(123));
        assertThat(timer.schedule(at, () -> { }).deadlineNanos()).isEqualTo(at);
    }

    @Test
    void startedTimerFiresOnItsOwnThread() throws InterruptedException {
        NanoClock system = NanoClock.system();
        DeadlineTimer real = DeadlineTimer.start(system);
        try {
            CountDownLatch fired = new CountDownLatch(1);
            real.schedule(system.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), fired::countDown);
            assertThat(fired.await(10, TimeUnit.SECONDS)).as("task fired").isTrue();
        } finally {
            real.close();
        }
        assertThatThrownBy(() -> real.schedule(system.nanoTime(), () -> { }))
                .isInstanceOf(IllegalStateException.class);
    }
}
