package dev.seawall.core.internal.timeout;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseGateTest {

    private static final long WAIT_SECONDS = 10;

    @Test
    void startsRunning() {
        ResponseGate gate = new ResponseGate(null);
        assertThat(gate.state()).isEqualTo(ResponseGate.RUNNING);
        assertThat(gate.deadlinePassed()).isFalse();
    }

    @Test
    void finishFirstWinsAndExpireLoses() {
        ResponseGate gate = new ResponseGate(Thread.currentThread());
        assertThat(gate.finish()).isTrue();
        assertThat(gate.state()).isEqualTo(ResponseGate.FINISHED);

        assertThat(gate.expire()).isFalse();
        assertThat(gate.state()).isEqualTo(ResponseGate.FINISHED);
        assertThat(gate.deadlinePassed()).as("recorded, whoever won").isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("a finished handler is not interrupted").isFalse();
        assertThat(gate.finish()).as("decided only once").isFalse();
    }

    @Test
    void expireFirstWinsAndFinishLoses() {
        ResponseGate gate = new ResponseGate(null);
        assertThat(gate.expire()).isTrue();
        assertThat(gate.state()).isEqualTo(ResponseGate.TIMED_OUT);
        assertThat(gate.deadlinePassed()).isTrue();

        assertThat(gate.finish()).isFalse();
        assertThat(gate.stream()).isFalse();
        assertThat(gate.expire()).as("decided only once").isFalse();
        assertThat(gate.state()).isEqualTo(ResponseGate.TIMED_OUT);
    }

    @Test
    void streamThenExpireLosesAndDoesNotInterruptTheHandler() throws Exception {
        CountDownLatch streaming = new CountDownLatch(1);
        CountDownLatch expired = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean flagAtEnd = new AtomicBoolean();
        AtomicReference<ResponseGate> gateRef = new AtomicReference<>();
        Thread handler = new Thread(() -> {
            ResponseGate gate = gateRef.get();
            assertThat(gate.stream()).isTrue();
            assertThat(gate.stream()).as("stream is idempotent").isTrue();
            streaming.countDown();
            try {
                if (!expired.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            flagAtEnd.set(Thread.currentThread().isInterrupted());
            gate.handlerReturned();
        }, "streaming-handler");
        ResponseGate gate = new ResponseGate(handler);
        gateRef.set(gate);
        handler.start();

        assertThat(streaming.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(gate.expire()).isFalse();
        assertThat(handler.isInterrupted()).isFalse();
        assertThat(gate.state()).isEqualTo(ResponseGate.STREAMING);
        assertThat(gate.deadlinePassed()).as("the overrun is recorded").isTrue();
        assertThat(gate.finish()).isFalse();
        expired.countDown();

        handler.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertThat(handler.isAlive()).isFalse();
        assertThat(interrupted).isFalse();
        assertThat(flagAtEnd).isFalse();
    }

    @Test
    void expireWhileInsideInterruptsTheHandlerAndHandlerReturnedClearsTheFlag() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<InterruptedException> caught = new AtomicReference<>();
        AtomicBoolean flagBeforeReturn = new AtomicBoolean();
        AtomicBoolean flagAfterReturn = new AtomicBoolean(true);
        AtomicReference<ResponseGate> gateRef = new AtomicReference<>();
        Thread handler = new Thread(() -> {
            try {
                inside.countDown();
                try {
                    never.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    caught.set(e);
                    // a well-behaved handler restores the flag; the gate must clear it before the thread leaves
                    Thread.currentThread().interrupt();
                }
                flagBeforeReturn.set(Thread.currentThread().isInterrupted());
                gateRef.get().handlerReturned();
                flagAfterReturn.set(Thread.currentThread().isInterrupted());
            } finally {
                done.countDown();
            }
        }, "interrupted-handler");
        ResponseGate gate = new ResponseGate(handler);
        gateRef.set(gate);
        handler.start();

        assertThat(inside.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(gate.expire()).isTrue();
        assertThat(gate.state()).isEqualTo(ResponseGate.TIMED_OUT);

        assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(caught.get()).as("the handler got an InterruptedException").isNotNull();
        assertThat(flagBeforeReturn).isTrue();
        assertThat(flagAfterReturn).as("handlerReturned() cleared the gate's interrupt").isFalse();
        handler.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    }

    @Test
    void handlerReturnedOnlyClearsTheFlagOnTheHandlerThread() {
        Thread other = new Thread(() -> { }, "not-started");
        ResponseGate gate = new ResponseGate(other);
        assertThat(gate.expire()).isTrue(); // interrupts 'other' (not started: no effect needed)
        Thread.currentThread().interrupt();
        try {
            gate.handlerReturned();
            assertThat(Thread.currentThread().isInterrupted())
                    .as("an interrupt the gate did not send to this thread is left alone").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void handlerReturnedWithoutAGateInterruptLeavesAForeignInterruptAlone() {
        ResponseGate gate = new ResponseGate(Thread.currentThread());
        assertThat(gate.finish()).isTrue();
        Thread.currentThread().interrupt(); // someone else's interrupt
        try {
            gate.handlerReturned();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void afterHandlerReturnedExpireNeverInterruptsTheThread() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        CountDownLatch nextRequest = new CountDownLatch(1);
        AtomicBoolean interruptedLater = new AtomicBoolean();
        AtomicBoolean finishedNextRequest = new AtomicBoolean();
        AtomicReference<ResponseGate> gateRef = new AtomicReference<>();
        Thread pooled = new Thread(() -> {
            gateRef.get().handlerReturned();
            returned.countDown();
            // the thread went back to its pool and serves something else
            try {
                finishedNextRequest.set(nextRequest.await(WAIT_SECONDS, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                interruptedLater.set(true);
            }
        }, "pooled-thread");
        ResponseGate gate = new ResponseGate(pooled);
        gateRef.set(gate);
        pooled.start();

        assertThat(returned.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        gate.expire();
        gate.passDeadline();
        // interrupt() sets the flag synchronously, so a stray interrupt would be visible now (or caught below)
        assertThat(pooled.isInterrupted()).isFalse();
        nextRequest.countDown();

        pooled.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertThat(pooled.isAlive()).isFalse();
        assertThat(interruptedLater).as("no interrupt reached the pooled thread").isFalse();
        assertThat(finishedNextRequest).isTrue();
        assertThat(gate.deadlinePassed()).isTrue();
    }

    @Test
    void passDeadlineSetsDeadlinePassedAndInterruptsWhileInside() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean caught = new AtomicBoolean();
        AtomicBoolean flagAfterReturn = new AtomicBoolean(true);
        AtomicReference<ResponseGate> gateRef = new AtomicReference<>();
        Thread handler = new Thread(() -> {
            try {
                inside.countDown();
                try {
                    never.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    caught.set(true);
                    Thread.currentThread().interrupt();
                }
                gateRef.get().handlerReturned();
                flagAfterReturn.set(Thread.currentThread().isInterrupted());
            } finally {
                done.countDown();
            }
        }, "unbuffered-handler");
        ResponseGate gate = new ResponseGate(handler);
        gateRef.set(gate);
        handler.start();

        assertThat(inside.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        gate.passDeadline();
        assertThat(gate.deadlinePassed()).isTrue();
        assertThat(gate.state()).as("nothing decided: the response is not held back").isEqualTo(ResponseGate.RUNNING);

        assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(caught).isTrue();
        assertThat(flagAfterReturn).isFalse();
        handler.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    }

    @Test
    void gateWithoutHandlerThreadNeverInterrupts() {
        ResponseGate gate = new ResponseGate(null);
        gate.passDeadline();
        assertThat(gate.expire()).isTrue();
        gate.handlerReturned();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void finishAndExpireRacingExactlyOneWinsEveryRound() throws Exception {
        int rounds = 2_000;
        ResponseGate[] gates = new ResponseGate[rounds];
        for (int i = 0; i < rounds; i++) {
            gates[i] = new ResponseGate(null); // no interrupts: they would break the barrier
        }
        boolean[] finished = new boolean[rounds];
        boolean[] expired = new boolean[rounds];
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> finisher = pool.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    barrier.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    finished[i] = gates[i].finish();
                }
                return null;
            });
            Future<?> expirer = pool.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    barrier.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    expired[i] = gates[i].expire();
                }
                return null;
            });
            finisher.get(60, TimeUnit.SECONDS);
            expirer.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        for (int i = 0; i < rounds; i++) {
            assertThat(finished[i] ^ expired[i]).as("round %d: finish=%s expire=%s", i, finished[i], expired[i])
                    .isTrue();
            assertThat(gates[i].state()).as("round %d", i)
                    .isEqualTo(finished[i] ? ResponseGate.FINISHED : ResponseGate.TIMED_OUT);
            assertThat(gates[i].deadlinePassed()).isTrue();
        }
    }
}
