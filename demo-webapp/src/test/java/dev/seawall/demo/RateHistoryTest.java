package dev.seawall.demo;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The rate history behind the status page's charts, on a manual clock; and the sampler's reading of the meters. */
class RateHistoryTest {

    private static final long SECOND = 1_000_000_000L;
    /** The wall clock at nano 0 of the manual clock. */
    private static final long WALL_AT_ZERO = 1_800_000_000_000L;

    private final AtomicLong nanos = new AtomicLong(1_000 * RateHistory.SLOT_NANOS);
    private final RateHistory history = new RateHistory(nanos::get, () -> WALL_AT_ZERO + nanos.get() / 1_000_000L);

    private JsonPath json() {
        return new JsonPath(history.json());
    }

    private static <T> T last(List<T> values) {
        return values.get(values.size() - 1);
    }

    private void counter(String name, double value) {
        history.sample(Map.of(name, value), Map.of(), Map.of());
    }

    @Test
    void aCounterBecomesARatePerSecondOfEachPastSlot() {
        counter("login/limit/ip/refused", 100); // the baseline: nothing counted before this history
        nanos.addAndGet(SECOND);
        counter("login/limit/ip/refused", 104);
        nanos.addAndGet(2 * SECOND);
        counter("login/limit/ip/refused", 110);
        nanos.addAndGet(RateHistory.SLOT_NANOS); // the next slot: the first is past
        counter("login/limit/ip/refused", 110);
        List<Float> rates = json().getList("rates.'login/limit/ip/refused'", Float.class);
        assertThat(rates).hasSize(60);
        assertThat(rates.get(58)).isEqualTo(2.0f); // 10 refusals in a 5 s slot
        assertThat(last(rates)).isZero();
        assertThat(rates.subList(0, 58)).containsOnlyNulls(); // not measured: a gap, not a zero
    }

    @Test
    void theCurrentSlotIsARateOverTheTimeThatHasPassedInIt() {
        counter("payments/fallback/static", 0);
        nanos.addAndGet(2 * SECOND);
        counter("payments/fallback/static", 8);
        assertThat(last(json().getList("rates.'payments/fallback/static'", Float.class))).isEqualTo(4.0f);
    }

    @Test
    void aCounterThatGoesBackwardsRestartsItsBaselineWithoutANegativeRate() {
        counter("x/exempt", 50);
        nanos.addAndGet(SECOND);
        counter("x/exempt", 10);
        nanos.addAndGet(SECOND);
        counter("x/exempt", 15);
        assertThat(last(json().getList("rates.'x/exempt'", Float.class))).isEqualTo(2.5f); // 5 in 2 s
    }

    @Test
    void aGaugeKeepsTheHighestReadingOfItsSlotAndStatesEveryStateSeen() {
        history.sample(Map.of(), Map.of("reports/throttle/queued", 3.0), Map.of("breaker/b/state", RateHistory.OPEN));
        nanos.addAndGet(SECOND);
        history.sample(Map.of(), Map.of("reports/throttle/queued", 9.0),
                Map.of("breaker/b/state", RateHistory.HALF_OPEN));
        nanos.addAndGet(SECOND);
        history.sample(Map.of(), Map.of("reports/throttle/queued", 1.0, "reports/throttle/in-flight", Double.NaN),
                Map.of("breaker/b/state", RateHistory.CLOSED));
        JsonPath j = json();
        assertThat(last(j.getList("gauges.'reports/throttle/queued'", Float.class))).isEqualTo(9.0f);
        assertThat(j.getMap("gauges")).doesNotContainKey("reports/throttle/in-flight"); // NaN is no reading
        assertThat(last(j.getList("states.'breaker/b/state'", Integer.class)))
                .isEqualTo(RateHistory.OPEN | RateHistory.HALF_OPEN | RateHistory.CLOSED);
    }

    @Test
    void slotsOlderThanFiveMinutesRollOutAndTheEndIsTheWallTimeTheCurrentSlotEnds() {
        counter("a/requests", 0);
        nanos.addAndGet(SECOND);
        counter("a/requests", 5);
        nanos.addAndGet(RateHistory.SLOTS * RateHistory.SLOT_NANOS);
        JsonPath j = json();
        assertThat(j.getList("rates.'a/requests'")).containsOnlyNulls();
        long slotStart = Math.floorDiv(nanos.get(), RateHistory.SLOT_NANOS) * RateHistory.SLOT_NANOS;
        assertThat(j.getLong("endMillis")).isEqualTo(WALL_AT_ZERO + (slotStart + RateHistory.SLOT_NANOS) / 1_000_000L);
        assertThat(j.getInt("slotSeconds")).isEqualTo(5);
        assertThat(j.getInt("slots")).isEqualTo(60);
    }

    @Test
    void tracksABoundedNumberOfSeriesAndEscapesNames() {
        for (int i = 0; i < RateHistory.MAX_SERIES + 10; i++) {
            counter("p" + i + "/requests", 1);
        }
        counter("q\"</script>/requests", 1); // names come from the configuration, but stay safe anyway
        JsonPath j = json();
        assertThat(j.getMap("rates")).hasSize(RateHistory.MAX_SERIES);
        assertThat(history.json()).doesNotContain("</script>");
    }

    @Test
    void theSamplerReadsSeawallsMetersIntoNamedSeries() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong rejected = new AtomicLong();
        FunctionCounter.builder("seawall.ratelimit.decisions", rejected, AtomicLong::get)
                .tags("policy", "login", "limit", "ip", "outcome", "rejected").register(registry);
        FunctionCounter.builder("seawall.ratelimit.decisions", rejected, a -> 1000)
                .tags("policy", "login", "limit", "ip", "outcome", "skipped").register(registry); // not charted
        FunctionCounter.builder("seawall.fallback.served", rejected, AtomicLong::get)
                .tags("policy", "catalog", "source", "cache", "trigger", "error").register(registry);
        AtomicLong queued = new AtomicLong(7);
        Gauge.builder("seawall.throttle.queued", queued, AtomicLong::get).tag("policy", "reports").register(registry);
        AtomicLong state = new AtomicLong(2);
        Gauge.builder("seawall.breaker.state", state, AtomicLong::get).tag("breaker", "provider").register(registry);

        HistorySampler.sample(registry, history);
        rejected.set(10);
        nanos.addAndGet(2 * SECOND);
        HistorySampler.sample(registry, history);

        JsonPath j = json();
        assertThat(last(j.getList("rates.'login/limit/ip/refused'", Float.class))).isEqualTo(5.0f);
        assertThat(last(j.getList("rates.'catalog/fallback/cache'", Float.class))).isEqualTo(5.0f);
        assertThat(j.getMap("rates")).doesNotContainKey("login/limit/ip/skipped");
        assertThat(last(j.getList("gauges.'reports/throttle/queued'", Float.class))).isEqualTo(7.0f);
        assertThat(last(j.getList("states.'breaker/provider/state'", Integer.class))).isEqualTo(RateHistory.HALF_OPEN);
    }
}
