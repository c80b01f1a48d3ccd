package dev.seawall.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Smoke test of the side-by-side harness with rounds of a fraction of a second: every setup starts (each in a JVM of
 * its own, as in a real run), answers the shared request, rejects in the rejection run, and the report and chart are
 * written (in-process, {@code --fork false}). Measures nothing.
 */
class SideBySideBenchmarkSmokeTest {

    /**
     * The rejection run's per-address limit here: 9 in 10 requests come from one address, so that address is over its
     * limit as soon as a round sends more than a few dozen requests. With the real run's 100/s a slow or loaded machine
     * that manages only a few hundred requests in a quarter-second round (and a fixed-window limiter whose window
     * turns over inside it) could admit as many as it rejects.
     */
    private static final String TINY_LIMIT = "3";

    private static SideBySideOptions tiny(Path out) {
        return SideBySideOptions.parse(new String[] {"--reject-limit", TINY_LIMIT,
                "--rounds", "1", "--round-seconds", "0.25",
                "--reject-rounds", "1", "--reject-seconds", "0.25", "--warmup-seconds", "0.1", "--connections", "2",
                "--flood-seconds", "0.5", "--flood-slice-seconds", "0.25", "--flood-keys", "1000",
                "--server-jvm", "-Xms64m -Xmx256m -XX:TieredStopAtLevel=1", "--out", out.toString()});
    }

    @Test
    void everySetupAdmitsTheTrivialRequestWhenLimitsAreHigh(@TempDir Path out) throws Exception {
        Map<SideBySideBenchmark.Setup, List<Loopback.Result>> r = SideBySideBenchmark.alternate(tiny(out), false, 1,
                250, Loopback.Requests.fixed(SideBySideBenchmark.plainRequest()));

        assertThat(r).hasSize(SideBySideBenchmark.Setup.values().length - 1);
        // each server answered from a JVM of its own, which reported its CPU time
        r.forEach((setup, results) -> assertThat(results.get(0).serverCpuNanos()).as(setup.label).isPositive());
        r.forEach((setup, results) -> {
            assertThat(results.get(0).ok()).as(setup.label).isPositive();
            assertThat(results.get(0).rejected() + results.get(0).other()).as(setup.label).isZero();
        });
    }

    @Test
    void everyLimiterRejectsTheFloodingAddressAndBareJettyDoesNot(@TempDir Path out) throws Exception {
        Map<SideBySideBenchmark.Setup, List<Loopback.Result>> r = SideBySideBenchmark.alternate(tiny(out), true, 1,
                250, SideBySideBenchmark.rejectionRequests(2));

        r.forEach((setup, results) -> {
            Loopback.Result res = results.get(0);
            assertThat(res.other()).as(setup.label).isZero();
            if (setup == SideBySideBenchmark.Setup.BARE) {
                assertThat(res.rejected()).isZero();
            } else {
                assertThat(res.rejected()).as(setup.label).isGreaterThan(res.ok());
            }
        });
    }

    @Test
    void refusesAForkValueThatIsNotABoolean() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SideBySideOptions.parse(
                        new String[] {"--fork", "yes"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--fork takes true or false");
    }

    @Test
    void refusesARejectLimitBelowOne() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SideBySideOptions.parse(
                        new String[] {"--reject-limit", "0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--reject-limit is requests per second")
                .hasMessageEndingWith("at least 1, not 0");
    }

    @Test
    void writesTheReportAndTheChart(@TempDir Path out) throws Exception {
        SideBySideBenchmark.main(new String[] {"--runs", "admission,flood", "--setups", "bare-jetty,seawall-ip",
                "--flood-setups", "bare-jetty,seawall-ip", "--rounds", "1", "--round-seconds", "0.25",
                "--warmup-seconds", "0.1", "--connections", "2", "--flood-seconds", "0.5",
                "--flood-slice-seconds", "0.25", "--flood-keys", "1000", "--fork", "false", "--out", out.toString()});

        String md = Files.readString(out.resolve("side-by-side.md"), StandardCharsets.UTF_8);
        assertThat(md).contains("| bare-jetty |", "| seawall-ip |", "### Key flood");
        assertThat(Files.readString(out.resolve("ratio.svg"), StandardCharsets.UTF_8))
                .startsWith("<svg").contains("seawall-ip").endsWith("</svg>\n");
    }
}
