package dev.seawall.demo;

import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The latency history behind the status page's charts, on a manual clock. */
class LatencyHistoryTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong clock = new AtomicLong(1_000 * LatencyHistory.SLOT_NANOS);
    private final LatencyHistory history = new LatencyHistory(clock::get);

    private JsonPath json(String... policies) {
        return new JsonPath(history.json(List.of(policies)));
    }

    private static <T> T last(List<T> values) {
        return values.get(values.size() - 1);
    }

    @Test
    void recordsEachCallInTheSlotOfItsTime() {
        history.record("payments", 10 * MS);
        history.record("payments", 20 * MS);
        history.record("payments", 400 * MS);
        JsonPath j = json("payments");
        assertThat(j.getInt("slotSeconds")).isEqualTo(5);
        assertThat(j.getList("policies[0].count", Integer.class)).hasSize(60).endsWith(3);
        assertThat(j.getLong("policies[0].calls")).isEqualTo(3);
        assertThat(last(j.getList("policies[0].max", Float.class))).isEqualTo(400f);
        assertThat(last(j.getList("policies[0].p50", Float.class))).isCloseTo(20f, within(1f));
        // the 95th percentile of three calls is the slowest; never reported above the true maximum
        assertThat(last(j.getList("policies[0].p95", Float.class))).isCloseTo(400f, within(20f)).isLessThanOrEqualTo(400f);
    }

    @Test
    void percentilesAreWithinFivePercent() {
        IntStream.rangeClosed(1, 100).forEach(ms -> history.record("reports", ms * MS));
        JsonPath j = json("reports");
        assertThat(last(j.getList("policies[0].p50", Float.class))).isCloseTo(50f, within(2.5f));
        assertThat(last(j.getList("policies[0].p95", Float.class))).isCloseTo(95f, within(4.75f));
        assertThat(last(j.getList("policies[0].max", Float.class))).isEqualTo(100f);
    }

    @Test
    void aLaterSlotStartsEmptyAndTheEarlierOneMovesLeft() {
        history.record("payments", 5 * MS);
        clock.addAndGet(LatencyHistory.SLOT_NANOS);
        history.record("payments", 7 * MS);
        history.record("payments", 9 * MS);
        List<Integer> counts = json("payments").getList("policies[0].count", Integer.class);
        assertThat(counts.subList(58, 60)).containsExactly(1, 2);
        assertThat(counts.subList(0, 58)).containsOnly(0);
    }

    @Test
    void callsOlderThanFiveMinutesRollOutAndAReusedSlotForgetsThem() {
        history.record("payments", 5 * MS);
        clock.addAndGet(LatencyHistory.SLOTS * LatencyHistory.SLOT_NANOS);
        JsonPath rolledOut = json("payments");
        assertThat(rolledOut.getList("policies[0].count", Integer.class)).containsOnly(0);
        assertThat(rolledOut.getList("policies[0].max")).containsOnlyNulls();
        assertThat(rolledOut.getLong("policies[0].calls")).isEqualTo(1);

        history.record("payments", 8 * MS); // the same ring position as the first call, five minutes later
        JsonPath reused = json("payments");
        assertThat(last(reused.getList("policies[0].count", Integer.class))).isEqualTo(1);
        assertThat(last(reused.getList("policies[0].max", Float.class))).isEqualTo(8f);
    }

    @Test
    void listsTheAskedPoliciesInOrderWithEmptySeriesForTheUncalled() {
        history.record("catalog", MS);
        JsonPath j = json("login", "catalog");
        assertThat(j.getList("policies.policy", String.class)).containsExactly("login", "catalog");
        assertThat(j.getLong("policies[0].calls")).isZero();
        assertThat(j.getList("policies[0].p50")).hasSize(60).containsOnlyNulls();
        assertThat(j.getLong("policies[1].calls")).isEqualTo(1);
    }

    @Test
    void tracksABoundedNumberOfPolicies() {
        for (int i = 0; i < LatencyHistory.MAX_POLICIES + 10; i++) {
            history.record("p" + i, MS);
        }
        assertThat(json("p0").getLong("policies[0].calls")).isEqualTo(1);
        assertThat(json("p" + (LatencyHistory.MAX_POLICIES + 5)).getLong("policies[0].calls")).isZero();
    }

    @Test
    void bucketsAreTenPercentWideAndCoverSubMillisecondToMinutes() {
        assertThat(LatencyHistory.bucket(0)).isZero();
        assertThat(LatencyHistory.bucket(50_000)).isZero();
        for (long nanos : new long[] {150_000, 1 * MS, 37 * MS, 999 * MS, 60_000 * MS}) {
            double value = LatencyHistory.bucketValue(LatencyHistory.bucket(nanos));
            assertThat(value).isCloseTo(nanos, within(nanos * 0.05));
        }
    }
}
