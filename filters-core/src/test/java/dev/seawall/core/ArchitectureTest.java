package dev.seawall.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The build-enforced invariants of ARCHITECTURE.md that a dependency rule cannot see. */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java");

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.walk(MAIN)) {
            return s.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    @Test
    void coreImportsNoContainerType() throws IOException {
        Pattern banned = Pattern.compile("^\\s*import\\s+(static\\s+)?(jakarta|javax)\\.(servlet|ws\\.rs)\\.",
                Pattern.MULTILINE);
        for (Path p : sources()) {
            assertThat(banned.matcher(Files.readString(p)).find()).as(p.toString()).isFalse();
        }
    }

    @Test
    void onlyTheTimePackageReadsTheSystemClock() throws IOException {
        Pattern clock = Pattern.compile("System\\.(nanoTime|currentTimeMillis)\\(");
        for (Path p : sources()) {
            if (p.toString().contains("/time/")) {
                continue;
            }
            assertThat(clock.matcher(Files.readString(p)).find()).as(p.toString()).isFalse();
        }
    }

    @Test
    void libraryCodeNeverPrintsToTheConsole() throws IOException {
        Pattern print = Pattern.compile("System\\.(out|err)\\.|printStackTrace\\(");
        for (Path p : sources()) {
            assertThat(print.matcher(Files.readString(p)).find()).as(p.toString()).isFalse();
        }
    }

    @Test
    void stagesComputeAndRegisterNoMeters() throws IOException {
        // meters live beside the stages, in the metrics package, and read them by pull
        Pattern micrometer = Pattern.compile("^\\s*import\\s+(static\\s+)?io\\.micrometer\\.", Pattern.MULTILINE);
        Pattern stagePackage = Pattern.compile("/(ratelimit|throttle|breaker|timeout|fallback)/");
        for (Path p : sources()) {
            String name = p.getFileName().toString();
            if (name.equals("BucketStoreProvider.java") || name.equals("Stores.java")) {
                continue; // a bucket store is given the registry for its own meters (a shared store's connection)
            }
            if (stagePackage.matcher(p.toString().replace('\\', '/')).find()) {
                assertThat(micrometer.matcher(Files.readString(p)).find()).as(p.toString()).isFalse();
            }
        }
    }

    @Test
    void coreNeverChoosesTheGlobalRegistry() throws IOException {
        // the adapters decide where meters go
        for (Path p : sources()) {
            assertThat(Files.readString(p)).as(p.toString()).doesNotContain("Metrics.globalRegistry");
        }
    }
}
