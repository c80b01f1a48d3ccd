package dev.seawall.core.internal.throttle;

import com.netflix.concurrency.limits.limit.Gradient2Limit;
import dev.seawall.core.config.AdaptiveLimitConfig;
import dev.seawall.core.config.AdaptiveLimitConfig.Algorithm;
import dev.seawall.core.throttle.ConcurrencyLimit;
import dev.seawall.core.time.ManualClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The adaptive limit under scripted latencies on a fake clock: each algorithm, and Seawall's guards around them. */
class AdaptiveLimitTest {

    private static final Duration BASE = Duration.ofMillis(20);
    private static final int MIN = 1;
    private static final int MAX = 200;

    private final ManualClock clock = new ManualClock();

    private AdaptiveLimit limit(Algorithm algorithm) {
        return (AdaptiveLimit) AdaptiveLimits.create(AdaptiveLimitConfig.builder().algorithm(algorithm)
                .initial(20).min(MIN).max(MAX).build(), clock);
    }

    private Backend backend(int capacity) {
        return new Backend(clock, Duration.ofSeconds(1), 20, BASE, capacity);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void risesUnderHeadroomFallsWhenLatencyClimbsAndRecovers(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = backend(100);

        backend.run(limit, 150, MIN, MAX);
        int headroom = backend.highestOfLast(10);
        assertThat(headroom).as("rises under headroom").isGreaterThanOrEqualTo(60);

        backend.capacity = 20; // the dependency's capacity drops to a fifth
        backend.run(limit, 30, MIN, MAX);
        assertThat(backend.highestOfLast(10)).as("falls when latency climbs").isLessThanOrEqualTo(35);
        assertThat(limit.recentLatencyNanos()).isLessThanOrEqualTo((long) (BASE.toNanos() * 1.8));

        backend.capacity = 100; // and recovers
        backend.run(limit, 150, MIN, MAX);
        assertThat(backend.highestOfLast(10)).as("recovers").isGreaterThanOrEqualTo(60);
        assertThat(limit.noLoadLatencyNanos()).isEqualTo(BASE.toNanos());
        assertThat(limit.adaptive()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void stableHighLatencyUnderASaturatedQueueDoesNotDriftToMax(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = backend(40);

        backend.run(limit, 1_000, MIN, MAX);

        // the latency tolerance (1.5) holds the limit around 1.5 × capacity, well away from max
        assertThat(backend.history.stream().mapToInt(Integer::intValue).max().orElseThrow())
                .isLessThanOrEqualTo(2 * 40);
        double settled = backend.history.subList(500, 1_000).stream()
                .filter(l -> l > AdaptiveLimit.PROBE_CONCURRENCY).mapToInt(Integer::intValue).average().orElseThrow();
        assertThat(settled).isBetween(40.0, 1.5 * 40 * 1.1);
    }

    @Test
    void theUnguardedAlgorithmDoesDriftToMaxUnderTheSameScript() {
        Gradient2Limit raw = Gradient2Limit.newBuilder().initialLimit(20).minLimit(MIN).maxConcurrency(MAX).build();
        Backend backend = backend(40);
        long t = 0;
        for (int w = 0; w < 1_000; w++) {
            int inflight = raw.getLimit();
            long rtt = backend.latency(inflight);
            t += 1_000_000_000L;
            raw.onSample(t - rtt, rtt, inflight, false);
        }
        assertThat(raw.getLimit()).isEqualTo(MAX);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aLongOverloadDoesNotRaiseTheNoLoadLatencyEnoughToStopShedding(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = backend(100);
        backend.run(limit, 100, MIN, MAX);

        backend.capacity = 10;
        backend.run(limit, 1_800, MIN, MAX); // half an hour of overload

        assertThat(limit.noLoadLatencyNanos()).isEqualTo(BASE.toNanos());
        assertThat(backend.highestOfLast(600)).as("still shedding").isLessThanOrEqualTo(20);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aDependencyThatGotSlowerForGoodDoesNotPinTheLimitAtMin(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = backend(100);
        backend.run(limit, 100, MIN, MAX);
        int before = backend.highestOfLast(10);

        backend.flat = true;
        backend.baseNanos = 3 * BASE.toNanos(); // three times slower, whatever the load
        backend.run(limit, 300, MIN, MAX);

        assertThat(limit.noLoadLatencyNanos()).isEqualTo(3 * BASE.toNanos());
        assertThat(backend.highestOfLast(10)).isGreaterThanOrEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void dropsLowerTheLimitAndAreCounted(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = backend(1_000);
        backend.run(limit, 50, MIN, MAX);
        int before = limit.current();
        assertThat(limit.drops()).isZero();

        backend.dropShare = 0.5;
        backend.run(limit, 10, MIN, MAX);

        assertThat(limit.current()).isLessThan(before / 2);
        assertThat(limit.drops()).isEqualTo(10 * 10);

        backend.dropShare = 0; // recovers
        backend.run(limit, 100, MIN, MAX);
        assertThat(limit.current()).isGreaterThanOrEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aStrayDropInABusyWindowIsNotOverload(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = new Backend(clock, Duration.ofSeconds(1), 200, BASE, 1_000);
        backend.dropShare = 0.005; // one request in 200 answers 5xx
        backend.run(limit, 100, MIN, MAX);

        assertThat(limit.current()).isGreaterThanOrEqualTo(60);
        assertThat(limit.drops()).isEqualTo(100);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aSteadySmallShareOfFastFailuresDoesNotPinTheLimitAtMin(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = new Backend(clock, Duration.ofSeconds(1), 100, BASE, 1_000);
        backend.dropShare = 0.02; // a buggy path answers 500 at once on 2 % of requests, every window
        backend.run(limit, 200, MIN, MAX);

        assertThat(backend.highestOfLast(10)).isGreaterThanOrEqualTo(100);
        assertThat(limit.drops()).isEqualTo(200 * 2);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aDependencyFailingHalfItsCallsStillLowersTheLimitFromHigh(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = new Backend(clock, Duration.ofSeconds(1), 100, BASE, 1_000);
        backend.run(limit, 100, MIN, MAX);
        int before = limit.current();
        assertThat(before).isGreaterThanOrEqualTo(60);

        backend.dropShare = 0.5;
        backend.run(limit, 30, MIN, MAX);
        assertThat(limit.current()).isLessThan(before / 4);
    }

    @Test
    void theDropShareIsConfigurable() {
        AdaptiveLimit limit = (AdaptiveLimit) AdaptiveLimits.create(AdaptiveLimitConfig.builder()
                .algorithm(Algorithm.GRADIENT2).initial(20).min(MIN).max(MAX).dropShare(0.01).build(), clock);
        Backend backend = new Backend(clock, Duration.ofSeconds(1), 100, BASE, 1_000);
        backend.dropShare = 0.02;
        backend.run(limit, 100, MIN, MAX);
        assertThat(limit.current()).as("2 %% of drops is overload at a 1 %% drop share").isEqualTo(MIN);
    }

    @Test
    void aLimitInShadowModeNeverProbes() {
        ConcurrencyLimit shadow = AdaptiveLimits.create(AdaptiveLimitConfig.builder().initial(20).min(MIN).max(MAX)
                .build(), clock, true);
        Backend backend = backend(30);
        for (int w = 0; w < 400; w++) {
            backend.run(shadow, 1, MIN, MAX);
            assertThat(shadow.probing()).as("window %d", w).isFalse();
        }
        assertThat(backend.history).doesNotContain(AdaptiveLimit.PROBE_CONCURRENCY);
        assertThat(backend.highestOfLast(10)).isGreaterThan(AdaptiveLimit.PROBE_CONCURRENCY);
        assertThat(shadow.noLoadLatencyNanos()).isEqualTo(BASE.toNanos());
    }

    @Test
    void aProbeIsVisibleThroughTheLimitsInterface() {
        ConcurrencyLimit limit = AdaptiveLimits.create(AdaptiveLimitConfig.builder().initial(20).min(MIN).max(MAX)
                .build(), clock, false);
        Backend backend = backend(30);
        int probingWindows = 0;
        for (int w = 0; w < 200; w++) {
            backend.run(limit, 1, MIN, MAX);
            if (limit.probing()) {
                probingWindows++;
                assertThat(limit.current()).isEqualTo(AdaptiveLimit.PROBE_CONCURRENCY);
            }
        }
        assertThat(probingWindows).isPositive();
        assertThat(ConcurrencyLimit.fixed(4).probing()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void theLimitStaysWithinItsBoundsAndNeverReachesZero(Algorithm algorithm) {
        AdaptiveLimit limit = limit(algorithm);
        Backend backend = backend(1);
        backend.dropShare = 1.0; // everything fails, latency climbs with every request
        backend.run(limit, 200, MIN, MAX);
        assertThat(limit.current()).isEqualTo(MIN);

        backend.dropShare = 0;
        backend.flat = true; // then latency no longer depends on load at all: growing is right, up to max
        backend.run(limit, 1_000, MIN, MAX);
        assertThat(backend.highestOfLast(100)).isEqualTo(MAX);
    }

    @Test
    void aProbeMeasuresTheNoLoadLatencyAtLowConcurrencyAndGivesTheLimitBack() {
        AdaptiveLimit limit = limit(Algorithm.GRADIENT2);
        Backend backend = backend(30);
        backend.run(limit, 200, MIN, MAX);
        int probes = 0;
        int probeWindows = 0;
        for (int i = 1; i < backend.history.size(); i++) {
            if (backend.history.get(i) == AdaptiveLimit.PROBE_CONCURRENCY) {
                probeWindows++;
                if (backend.history.get(i - 1) > AdaptiveLimit.PROBE_CONCURRENCY) {
                    probes++;
                }
            }
        }
        assertThat(probes).as("about one per probe-interval (60 windows)").isBetween(2, 4);
        // the window the probe starts in, and the one that gathers the low-concurrency samples
        assertThat(probeWindows).isEqualTo(2 * probes);
        assertThat(backend.history.get(backend.history.size() - 1)).isGreaterThan(AdaptiveLimit.PROBE_CONCURRENCY);
        assertThat(limit.probing()).isFalse();
        assertThat(limit.noLoadLatencyNanos()).isEqualTo(BASE.toNanos());
    }

    @Test
    void aWindowNeedsItsSamplesBeforeTheLimitMoves() {
        AdaptiveLimit limit = limit(Algorithm.AIMD);
        Backend backend = new Backend(clock, Duration.ofSeconds(1), 1, BASE, 1_000);
        backend.run(limit, 9, MIN, MAX);
        assertThat(limit.current()).isEqualTo(20);
        assertThat(limit.recentLatencyNanos()).isEqualTo(-1);
        backend.run(limit, 2, MIN, MAX);
        assertThat(limit.current()).isEqualTo(21);
        assertThat(limit.recentLatencyNanos()).isEqualTo(BASE.toNanos());
    }

    @Test
    void aFixedLimitIsNotAdaptive() {
        ConcurrencyLimit fixed = ConcurrencyLimit.fixed(7);
        assertThat(fixed.adaptive()).isFalse();
        assertThat(fixed.noLoadLatencyNanos()).isEqualTo(-1);
        assertThat(limit(Algorithm.VEGAS).toString()).startsWith("adaptive(vegas, limit=20");
    }
}
