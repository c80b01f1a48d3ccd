package dev.seawall.servlet;

import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A request's settlement waits for the work its application continues on threads of its own. */
class WorkLedgerTest {

    private final WorkLedger ledger = new WorkLedger();
    private final AtomicInteger settled = new AtomicInteger();

    private HandlerWork begin() {
        ledger.begin();
        return new HandlerWork(ledger);
    }

    @Test
    void withoutWorkTheSettlementRunsAtOnce() {
        ledger.settle(settled::incrementAndGet);
        assertThat(settled).hasValue(1);
    }

    @Test
    void theSettlementWaitsForTheLastOfSeveralWorks() {
        HandlerWork a = begin();
        HandlerWork b = begin();
        ledger.settle(settled::incrementAndGet);
        a.end(null);
        assertThat(settled).as("one work still runs").hasValue(0);
        b.end(null);
        assertThat(settled).hasValue(1);
        b.end(null);
        a.end(new IllegalStateException("late"));
        assertThat(settled).as("settled once").hasValue(1);
    }

    @Test
    void endingTwiceCountsOnce() {
        HandlerWork a = begin();
        HandlerWork b = begin();
        a.end(null);
        a.end(null); // must not stand in for b's end
        ledger.settle(settled::incrementAndGet);
        assertThat(settled).hasValue(0);
        b.end(null);
        assertThat(settled).hasValue(1);
    }

    @Test
    void aWorkThatEndedBeforeTheSettlementLeavesItsFailureForIt() {
        HandlerWork a = begin();
        IllegalStateException boom = new IllegalStateException("boom");
        a.end(boom);
        a.end(new IllegalArgumentException("second call ignored"));
        ledger.settle(settled::incrementAndGet);
        assertThat(settled).hasValue(1);
        assertThat(ledger.failure()).isSameAs(boom);
    }

    @Test
    void theFirstFailureOfSeveralWorksIsKept() {
        HandlerWork a = begin();
        HandlerWork b = begin();
        ledger.settle(settled::incrementAndGet);
        IllegalStateException first = new IllegalStateException("first");
        a.end(first);
        b.end(new IllegalStateException("second"));
        assertThat(ledger.failure()).isSameAs(first);
        assertThat(settled).hasValue(1);
    }

    /** Works ending on their threads race the settlement (a deadline's async completion): it runs exactly once. */
    @RepeatedTest(50)
    void worksEndingOnTheirOwnThreadsRaceTheSettlementAndItRunsOnceAfterTheLast() throws Exception {
        int works = 4;
        List<HandlerWork> begun = new ArrayList<>();
        for (int i = 0; i < works; i++) {
            begun.add(begin());
        }
        AtomicInteger ended = new AtomicInteger();
        AtomicInteger endedWhenSettled = new AtomicInteger(-1);
        CyclicBarrier start = new CyclicBarrier(works + 1);
        ExecutorService pool = Executors.newFixedThreadPool(works + 1);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (HandlerWork w : begun) {
                all.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    ended.incrementAndGet();
                    w.end(null);
                    w.end(null);
                    return null;
                }));
            }
            all.add(pool.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                ledger.settle(() -> {
                    settled.incrementAndGet();
                    endedWhenSettled.set(ended.get());
                });
                return null;
            }));
            for (Future<?> f : all) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(settled).hasValue(1);
        assertThat(endedWhenSettled).as("settled only after every work ended").hasValue(works);
    }

    @Test
    void noWorkCanBeginForARequestNoSeawallPassRuns() {
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> null);
        assertThat(HandlerWork.begin(request)).isNull();
        assertThat(HandlerWork.begin(null)).isNull();
    }
}
