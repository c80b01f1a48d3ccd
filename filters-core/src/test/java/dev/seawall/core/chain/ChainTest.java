package dev.seawall.core.chain;

import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.testing.RecordingStage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChainTest {

    private static final Rejection NO = Rejection.builder(503, ProblemTypes.TEMPORARY_REDUCED_CAPACITY, "no").build();

    private static RecordingStage recording(StageKind kind, List<String> log, boolean reject) {
        RecordingStage s = new RecordingStage(kind).log(log);
        return reject ? s.rejectWith(NO) : s;
    }

    @Test
    void sortsStagesIntoTheDefaultOrderByDefault() {
        List<String> log = new ArrayList<>();
        Chain chain = ChainBuilder.create()
                .add(recording(StageKind.TIMEOUT, log, false))
                .add(recording(StageKind.RATE_LIMIT, log, false))
                .add(recording(StageKind.CIRCUIT_BREAKER, log, false))
                .build();
        assertThat(chain.stages()).extracting(Stage::kind)
                .containsExactly(StageKind.RATE_LIMIT, StageKind.CIRCUIT_BREAKER, StageKind.TIMEOUT);
        assertThat(chain.warnings()).isEmpty();
    }

    @Test
    void warnsAboutATimeoutOutsideTheBreakerAndAThrottleOutsideTheRateLimits() {
        List<String> log = new ArrayList<>();
        Chain chain = ChainBuilder.create().label("p").keepOrder()
                .add(recording(StageKind.THROTTLE, log, false))
                .add(recording(StageKind.RATE_LIMIT, log, false))
                .add(recording(StageKind.TIMEOUT, log, false))
                .add(recording(StageKind.CIRCUIT_BREAKER, log, false))
                .build();
        assertThat(chain.warnings()).anySatisfy(w -> assertThat(w).contains("timeout is outside circuit-breaker"));
        assertThat(chain.warnings()).anySatisfy(w -> assertThat(w).contains("throttle is outside rate-limits"));
    }

    @Test
    void refusesAnEmptyChainAndTwoStagesOfOneKind() {
        assertThatThrownBy(() -> ChainBuilder.create().build()).isInstanceOf(IllegalStateException.class);
        List<String> log = new ArrayList<>();
        assertThatThrownBy(() -> ChainBuilder.create()
                .add(recording(StageKind.RATE_LIMIT, log, false))
                .add(recording(StageKind.RATE_LIMIT, log, false)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("one of each kind");
    }

    @Test
    void aRejectionReleasesThePermitsAlreadyTakenInnerToOuter() {
        List<String> log = new ArrayList<>();
        RecordingStage rl = recording(StageKind.RATE_LIMIT, log, false);
        RecordingStage cb = recording(StageKind.CIRCUIT_BREAKER, log, false);
        RecordingStage th = recording(StageKind.THROTTLE, log, true);
        RecordingStage to = recording(StageKind.TIMEOUT, log, false);
        Chain chain = ChainBuilder.create().add(rl).add(cb).add(th).add(to).build();

        Exchange ex = chain.admit(null, 0);

        assertThat(ex.admitted()).isFalse();
        assertThat(ex.rejection().status()).isEqualTo(503);
        assertThat(log).containsExactly("admit rate-limits", "admit circuit-breaker", "admit throttle",
                "release circuit-breaker", "release rate-limits");
        assertThat(ex.complete(new Outcome(200, null, 0, 1, false))).isFalse();
        assertThat(rl.outcomes.size() + cb.outcomes.size()).isZero();
    }

    @Test
    void completesEveryPermitInnerToOuterExactlyOnce() {
        List<String> log = new ArrayList<>();
        RecordingStage rl = recording(StageKind.RATE_LIMIT, log, false);
        RecordingStage to = recording(StageKind.TIMEOUT, log, false);
        Exchange ex = ChainBuilder.create().add(rl).add(to).build().admit(null, 0);
        assertThat(ex.complete(new Outcome(200, null, 0, 1, false))).isTrue();
        assertThat(ex.complete(new Outcome(200, null, 0, 1, false))).isFalse();
        assertThat(ex.release()).isFalse();
        assertThat(log).containsExactly("admit rate-limits", "admit timeout", "complete timeout",
                "complete rate-limits");
    }

    @Test
    void racingCompleteAndReleaseSettleExactlyOnce() throws Exception {
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        RecordingStage rl = recording(StageKind.RATE_LIMIT, log, false);
        Chain chain = ChainBuilder.create().add(rl).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            int rounds = 2_000;
            for (int i = 0; i < rounds; i++) {
                Exchange ex = chain.admit(null, 0);
                CountDownLatch go = new CountDownLatch(1);
                pool.submit(() -> { go.await(); return ex.complete(new Outcome(200, null, 0, 1, false)); });
                pool.submit(() -> { go.await(); return ex.release(); });
                go.countDown();
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(rl.settled()).isEqualTo(rounds);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFaultyReleaseDoesNotLeakTheOuterPermits() {
        List<String> log = new ArrayList<>();
        RecordingStage rl = recording(StageKind.RATE_LIMIT, log, false);
        Stage faulty = new Stage() {
            @Override
            public StageKind kind() {
                return StageKind.CIRCUIT_BREAKER;
            }

            @Override
            public String name() {
                return "faulty";
            }

            @Override
            public Admission admit(RequestView request, long nowNanos) {
                return new Permit() {
                    @Override
                    public void complete(Outcome outcome) {
                    }

                    @Override
                    public void release() {
                        throw new IllegalStateException("boom");
                    }
                };
            }
        };
        Exchange ex = ChainBuilder.create().add(rl).add(faulty).build().admit(null, 0);
        assertThatThrownBy(ex::release).hasMessage("boom");
        assertThat(rl.releases.get()).isEqualTo(1);
    }
}
