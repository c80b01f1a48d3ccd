package dev.seawall.spring;

import dev.seawall.core.config.ConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a Seawall configuration error into Spring Boot's start-up failure report: every problem, one per line, each
 * with the file and line it comes from (for inline keys, the {@code application.yml} line Spring knows), and what to
 * do. Registered in {@code META-INF/spring.factories}.
 *
 * <p>Thread-safe: stateless.
 */
public final class SeawallFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
        int n = cause.problems().size();
        StringBuilder description = new StringBuilder("Seawall's configuration has ")
                .append(n == 1 ? "a problem" : n + " problems").append(":\n");
        for (ConfigException.Problem p : cause.problems()) {
            description.append("\n    ").append(p);
        }
        String action = "Correct the configuration above (every key, its default and its range are listed in"
                + " Seawall's configuration reference), or set seawall.enabled=false to start without Seawall.";
        return new FailureAnalysis(description.toString(), action, cause);
    }
}
