package dev.seawall.spring.it;

import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import dev.seawall.spring.SeawallFailureAnalyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A configuration with two mistakes stops the application, and Spring Boot's failure report (Seawall's
 * FailureAnalyzer, found through spring.factories as Boot finds it) names both, each at its file and line.
 */
class FailureReportTest {

    @Test
    void twoMistakesInApplicationYmlAreBothReportedAtTheirLines() throws Exception {
        Throwable failure = catchThrowable(() -> RunningApp.start("spring.config.name=bad-config").close());
        assertThat(failure).isNotNull();
        assertThat(registeredAnalyzers()).as("Spring Boot finds the analyzer where it looks for them")
                .contains(SeawallFailureAnalyzer.class.getName());
        FailureAnalysis analysis = new SeawallFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("Seawall's analyzer recognises the failure").isNotNull();
        assertThat(analysis.getDescription())
                .contains("2 problems")
                .contains("bad-config.yml:8: seawall.policies[0].rate-limits[0].limit:")
                .contains("bad-config.yml:10: seawall.policies[0].throttle.max-concurrent:");
        assertThat(analysis.getAction()).contains("seawall.enabled=false");
    }

    private static String registeredAnalyzers() throws java.io.IOException {
        StringBuilder all = new StringBuilder();
        java.util.Enumeration<java.net.URL> files = FailureReportTest.class.getClassLoader()
                .getResources("META-INF/spring.factories");
        while (files.hasMoreElements()) {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = files.nextElement().openStream()) {
                p.load(in);
            }
            all.append(p.getProperty(FailureAnalyzer.class.getName(), "")).append(',');
        }
        return all.toString();
    }

    @Test
    void seawallEnabledFalseStartsWithoutSeawall() {
        try (RunningApp app = RunningApp.start("spring.config.name=bad-config", "seawall.enabled=false")) {
            assertThat(app.context.getBeanNamesForType(dev.seawall.core.LiveSeawall.class)).isEmpty();
        }
    }
}
