package dev.seawall.bench;

import dev.seawall.bench.AdaptiveLimitRun.Figures;
import dev.seawall.bench.AdaptiveLimitRun.Phase;
import dev.seawall.core.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The adaptive-limit run's arithmetic and inputs, on scripted data (no server, no clock). */
class AdaptiveLimitRunTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    /** A 20 s run dropping at 10 s, sampled every 100 ms with the limit the function gives for each instant. */
    private static AdaptiveLimitRun sampled(java.util.function.LongToDoubleFunction limitAt) {
        AdaptiveLimitRun run = new AdaptiveLimitRun("x", new long[0], new boolean[0], 10 * S, 20 * S, 250 * MS);
        for (long t = 0; t < 20 * S; t += 100 * MS) {
            run.sample(t, limitAt.applyAsDouble(t));
        }
        return run;
    }

    @Test
    void theLimitSettlesWhenItEntersTheBandOfItsFinalValueForGood() {
        // 30 before the drop, a straight fall to 15 reached at 13 s, then 14/16 alternating: final 15, band +-3
        AdaptiveLimitRun run = sampled(t -> t < 10 * S ? 30 : t < 13 * S ? 30 - 15.0 * (t - 10 * S) / (3 * S)
                : (t / (100 * MS)) % 2 == 0 ? 14 : 16);
        assertThat(run.finalLimit()).isEqualTo(15.0);
        // the fall enters 15 + 3 = 18 at 12.4 s (30 - 15 * 2.4 / 3 = 18) and stays in the band from then on
        assertThat(run.settlingMillis()).isCloseTo(2_400, within(1e-6));
        assertThat(AdaptiveLimitReport.limitBefore(run)).isEqualTo(30.0);
    }

    @Test
    void aLimitAlreadyAtItsFinalValueSettlesAtTheDrop() {
        assertThat(sampled(t -> 10).settlingMillis()).isZero();
    }

    @Test
    void aLimitSwingingWiderThanTheBandUntilTheEndNeverSettles() {
        AdaptiveLimitRun run = sampled(t -> (t / (100 * MS)) % 2 == 0 ? 10 : 30);
        assertThat(run.settlingMillis()).isEqualTo(-1);
        assertThat(AdaptiveLimitReport.settled(run.settlingMillis())).isEqualTo("not settled");
    }

    @Test
    void aLimitThatOnlyCalmsDownInsideTheFinalWindowDidNotSettle() {
        // wild until 16 s, flat afterwards: in band only for the last 4 s, less than the 5 s final window
        AdaptiveLimitRun run = sampled(t -> t < 16 * S ? ((t / (100 * MS)) % 2 == 0 ? 5 : 50) : 20);
        assertThat(run.settlingMillis()).isEqualTo(-1);
    }

    @Test
    void aLimitThatCannotBeReadIsReportedAsNotRead() {
        AdaptiveLimitRun run = sampled(t -> Double.NaN);
        assertThat(run.settlingMillis()).isNaN();
        assertThat(run.finalLimit()).isNaN();
        assertThat(AdaptiveLimitReport.settled(run.settlingMillis())).isEqualTo("not read");
    }

    @Test
    void figuresCountAvailabilityPerClassGoodputWithinTheObjectiveAndTheAdmittedP99() {
        // 8 requests over a 2 s run dropping at 1 s; request i due at i * 250 ms; even ones critical
        long[] due = new long[8];
        boolean[] critical = new boolean[8];
        for (int i = 0; i < 8; i++) {
            due[i] = i * 250 * MS;
            critical[i] = i % 2 == 0;
        }
        AdaptiveLimitRun run = new AdaptiveLimitRun("x", due, critical, S, 2 * S, 250 * MS);
        run.answer(0, 200, due[0] + 10 * MS);
        run.answer(1, 200, due[1] + 300 * MS);  // admitted, but over the objective
        run.answer(2, 503, due[2] + 1 * MS);
        run.answer(3, 429, due[3] + 1 * MS);
        run.answer(4, 200, due[4] + 20 * MS);
        run.answer(5, 204, due[5] + 40 * MS);
        run.answer(6, 200, due[6] + 30 * MS);
        // 7 never answered: counted as failed

        Figures before = run.figures(Phase.BEFORE);
        assertThat(before.sent()).isEqualTo(4);
        assertThat(before.ok()).isEqualTo(2);
        assertThat(before.good()).isEqualTo(1);
        assertThat(before.refused()).isEqualTo(2);
        assertThat(before.goodputPerSecond()).isEqualTo(1.0);
        assertThat(before.criticalAvailability()).isEqualTo(0.5);
        assertThat(before.sheddableAvailability()).isEqualTo(0.5);
        assertThat(before.p99AdmittedMillis()).isEqualTo(300.0);

        Figures after = run.figures(Phase.AFTER);
        assertThat(after.sent()).isEqualTo(4);
        assertThat(after.good()).isEqualTo(3);
        assertThat(after.failed()).isEqualTo(1);
        assertThat(after.criticalAvailability()).isEqualTo(1.0);
        assertThat(after.sheddableAvailability()).isEqualTo(0.5);
        assertThat(after.p99AdmittedMillis()).isEqualTo(40.0);

        assertThat(run.figures(Phase.WHOLE).goodputPerSecond()).isEqualTo(2.0);
    }

    @Test
    void everyPlaceholderOfTheConfigurationsIsFilledAndTheStaticOneIsValid() throws Exception {
        AdaptiveLimitBenchmark.Options o = AdaptiveLimitBenchmark.Options.parse(new String[] {"--capacity", "12"});
        assertThat(o.rate()).isEqualTo(1200);
        assertThat(o.queue()).isEqualTo(12);
        String fixed = o.yaml("static.yaml");
        String adaptive = o.yaml("adaptive.yaml");
        assertThat(fixed).doesNotContain("{{").contains("max-concurrent: 12").contains("max-wait: 100ms");
        assertThat(adaptive).doesNotContain("{{").contains("max-concurrent: adaptive").contains("initial: 12")
                .contains("reserve: 20");
        assertThat(ConfigLoader.parse("static.yaml", fixed).policies()).hasSize(1);
    }

    @Test
    void theAdaptiveConfigurationCanComeFromAFileWithTheSamePlaceholders(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.yaml");
        Files.writeString(file, "max-concurrent: adaptive # {{initial}} {{min}} {{max}} {{queue}} {{reserve}}\n");
        AdaptiveLimitBenchmark.Options o = AdaptiveLimitBenchmark.Options.parse(new String[] {
            "--adaptive-config", file.toString(), "--min", "3", "--max", "40", "--reserve", "30"});
        assertThat(o.adaptiveSource()).isEqualTo(file.toString());
        assertThat(o.yaml("adaptive.yaml")).isEqualTo("max-concurrent: adaptive # 10 3 40 10 30\n");
        assertThat(o.yaml("static.yaml")).contains("max-concurrent: 10");
        assertThat(AdaptiveLimitBenchmark.Options.parse(new String[0]).adaptiveSource())
                .isEqualTo("adaptive-limit/adaptive.yaml");
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> AdaptiveLimitBenchmark.Options.parse(new String[] {"--sconds", "40"}))
                .hasMessageContaining("unknown option --sconds");
        assertThatThrownBy(() -> AdaptiveLimitBenchmark.Options.parse(new String[] {"--min", "5", "--max", "4"}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdaptiveLimitBenchmark.Options.parse(new String[] {"--setups", "bogus"}))
                .hasMessageContaining("unknown setup bogus");
    }

    @Test
    void criticalAndSheddableRequestsComeFromDistinctForwardedAddresses() {
        byte[][] r = AdaptiveLimitBenchmark.requests(300);
        assertThat(r).hasNumberOfRows(600);
        Set<String> addresses = new HashSet<>();
        for (int c = 0; c < 300; c++) {
            String crit = new String(r[c], StandardCharsets.US_ASCII);
            String shed = new String(r[300 + c], StandardCharsets.US_ASCII);
            assertThat(crit).startsWith("GET /critical/item HTTP/1.1\r\n").endsWith("\r\n\r\n");
            assertThat(shed).startsWith("GET /prefetch/item HTTP/1.1\r\n");
            String address = crit.substring(crit.indexOf("X-Forwarded-For: ") + 17, crit.indexOf("\r\n\r\n"));
            assertThat(shed).contains("X-Forwarded-For: " + address + "\r\n");
            addresses.add(address);
        }
        assertThat(addresses).hasSize(300).contains("10.0.0.0", "10.0.1.43");
    }
}
