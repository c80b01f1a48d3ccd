package dev.seawall.core;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The build-enforced invariants of ARCHITECTURE.md that a dependency rule cannot see. */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java");

    /** The repository's root: this test runs in filters-core's directory. */
    private static final Path ROOT = Path.of("..");

    /**
     * The shipped modules, the only ones that may use {@code ..internal..} packages: they are released together at
     * one version, so an internal change never meets an older or newer user of it. Everything else in the
     * repository (the demo, the end-to-end suite, the benchmarks) uses Seawall the way an application does.
     */
    private static final List<String> SHIPPED_MODULES =
            List.of("filters-core", "servlet-integration", "jaxrs-integration", "client-integration", "redis-store",
                    "spring-boot-starter", "seawall-cli");

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
    void noPublicSignatureNamesAnInternalType() {
        List<String> leaks = ApiSurface.of(Seawall.class, "dev.seawall.core").internalLeaks();
        assertThat(leaks).as("exported signatures naming an internal type (make the type part of the API, or keep"
                + " it out of the signature)").isEmpty();
    }

    @Test
    void onlyTheShippedModulesUseInternalPackages() throws IOException {
        assertThat(ROOT.resolve("pom.xml")).as("the repository root").exists();
        Pattern internal = Pattern.compile("\\bdev\\.seawall(\\.\\w+)*\\.internal\\b");
        List<String> users = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path module = ROOT.relativize(p);
                if (module.toString().contains("/target/") || SHIPPED_MODULES.contains(module.getName(0).toString())) {
                    continue;
                }
                Matcher m = internal.matcher(Files.readString(p));
                if (m.find()) {
                    users.add(module + " uses " + m.group());
                }
            }
        }
        assertThat(users).as("internal packages are for the shipped modules only").isEmpty();
    }

    @Test
    void everyCorePackageStatesItsRoleAndThreadSafety() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                boolean hasTypes;
                try (Stream<Path> s = Files.list(d)) {
                    hasTypes = s.anyMatch(f -> f.toString().endsWith(".java")
                            && !f.getFileName().toString().equals("package-info.java"));
                }
                if (!hasTypes) {
                    continue;
                }
                Path info = d.resolve("package-info.java");
                String text = Files.exists(info) ? Files.readString(info) : "";
                if (!Pattern.compile("<b>(API|SPI|Internal)").matcher(text).find()
                        || !text.toLowerCase(java.util.Locale.ROOT).contains("thread-safe")) {
                    missing.add(MAIN.relativize(d).toString());
                }
            }
        }
        assertThat(missing).as("packages whose package-info.java does not classify them (<b>API</b>, <b>SPI</b>"
                + " or <b>Internal</b>) and state their thread-safety").isEmpty();
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
