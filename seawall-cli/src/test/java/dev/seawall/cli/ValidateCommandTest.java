package dev.seawall.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** validate: every problem of every file, exit statuses, JSON, and hostile inputs. */
class ValidateCommandTest {

    static final String VALID = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 100/1m
              - name: orders
                paths: [/api/orders/*]
                methods: [GET]
                timeout: { after: 2s }
                circuit-breaker: { failure-rate: 50 }
            """;

    static final String INVALID = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 10/xyz
                throtle:
                  max-concurrent: 4
            """;

    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void aValidFileExitsZero() throws IOException {
        CliRun r = CliRun.run("validate", write("seawall.yaml", VALID).toString());
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("seawall.yaml: valid (2 policies, 0 clients)");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aSharedBreakerIsValidWithASharedStoreWithoutConnectingAndRefusedWithoutOne() throws IOException {
        String policy = "policies:\n  - name: pay\n    paths: [/pay/*]\n    circuit-breaker:\n      shared: true\n";
        String store = "store:\n  type: redis\n  uri: redis://127.0.0.1:1\n  key-salt: cli-test-salt-0123456789\n";
        CliRun ok = CliRun.run("validate", write("shared.yaml", store + policy).toString());
        assertThat(ok.out()).contains("shared.yaml: valid (1 policy, 0 clients)");
        assertThat(ok.status()).isZero();
        CliRun bad = CliRun.run("validate", write("alone.yaml", policy).toString());
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.out()).contains("alone.yaml:5: policy pay, circuit-breaker.shared: a shared breaker needs a"
                + " shared store");
    }

    @Test
    void everyProblemOfEveryFileIsReportedAndTheStatusIsOne() throws IOException {
        Path bad = write("bad.yaml", INVALID);
        Path good = write("good.yaml", VALID);
        Path bad2 = write("bad2.yaml", "policies:\n  - name: x\n    paths: [/x/*]\n    timeout: soon\n");
        CliRun r = CliRun.run("validate", bad.toString(), good.toString(), bad2.toString());
        assertThat(r.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(r.out()).contains(":6: policies[0].rate-limits[0].limit: \"10/xyz\" is not a rate")
                .contains(":7: policies[0].throtle: unknown key (did you mean throttle?)")
                .contains("bad.yaml: invalid (2 problems)")
                .contains("good.yaml: valid")
                .contains(":4: policies[0].timeout: \"soon\" is not a duration")
                .contains("bad2.yaml: invalid (1 problem)");
    }

    @Test
    void jsonOutputIsMachineReadable() throws IOException {
        CliRun r = CliRun.run("validate", "--format", "json", write("bad.yaml", INVALID).toString(),
                write("good.yaml", VALID).toString(), dir.resolve("missing.yaml").toString());
        assertThat(r.status()).isEqualTo(SeawallCli.USAGE);
        assertThat(r.out().trim()).startsWith("{\"status\":2,\"files\":[")
                .contains("\"result\":\"invalid\",\"problems\":[{\"line\":6,\"path\":\"policies[0].rate-limits[0]"
                        + ".limit\",\"problem\":\"\\\"10/xyz\\\" is not a rate")
                .contains("\"result\":\"valid\",\"policies\":2,\"clients\":0,\"notes\":[],\"problems\":[],\"more\":0")
                .contains("\"result\":\"unreadable\",\"error\":\"no such file\"")
                .endsWith("]}");
        assertThat(r.out().lines()).hasSize(1);
    }

    @Test
    void aMissingFileADirectoryAndABinaryFileAreUsageErrorsWithClearMessages() throws IOException {
        Path binary = dir.resolve("seawall.bin");
        Files.write(binary, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 1, 2});
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, new byte[] {'a', ':', ' ', (byte) 0xe9});
        CliRun r = CliRun.run("validate", dir.resolve("nope.yaml").toString(), dir.toString(), binary.toString(),
                latin1.toString());
        assertThat(r.status()).isEqualTo(SeawallCli.USAGE);
        assertThat(r.out()).contains("nope.yaml: no such file")
                .contains(dir + ": is a directory (expected a YAML file)")
                .contains("seawall.bin: is not a text file (it holds NUL bytes)")
                .contains("latin1.yaml: is not UTF-8 text");
        assertThat(r.out().lines()).hasSize(4);
    }

    @Test
    void aHugeFileIsRefusedWithoutReadingItWhole() throws IOException {
        Path huge = dir.resolve("huge.yaml");
        Files.writeString(huge, "# " + "x".repeat(InputFile.MAX_BYTES) + "\n");
        CliRun r = CliRun.run("validate", huge.toString());
        assertThat(r.status()).isEqualTo(SeawallCli.USAGE);
        assertThat(r.out()).contains("huge.yaml: is too large (more than " + InputFile.MAX_BYTES + " bytes)");
        // below the byte bound but above the loader's own character bound: an invalid file, clearly said
        Path big = write("big.yaml", "# " + "x".repeat(1_100_000) + "\n");
        CliRun r2 = CliRun.run("validate", big.toString());
        assertThat(r2.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(r2.out()).contains("big.yaml: the file is too large");
    }

    @Test
    void dozensOfMistakesGiveBoundedOutput() throws IOException {
        StringBuilder sb = new StringBuilder("policies:\n");
        for (int i = 0; i < 200; i++) {
            sb.append("  - name: p").append(i).append("\n    paths: [/p").append(i).append("/*]\n")
                    .append("    timeout: { after: soon }\n");
        }
        Path many = write("many.yaml", sb.toString());
        CliRun r = CliRun.run("validate", many.toString());
        assertThat(r.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(r.out().lines()).hasSize(50 + 2);
        assertThat(r.out()).contains("... and 150 more").contains("many.yaml: invalid (200 problems)");
        CliRun r5 = CliRun.run("validate", "--max-problems", "5", many.toString());
        assertThat(r5.out().lines()).hasSize(5 + 2);
        assertThat(CliRun.run("validate", "--max-problems", "0", many.toString()).status())
                .isEqualTo(SeawallCli.USAGE);
    }

    @Test
    void environmentReferencesAreSubstitutedFromTheToolsEnvironmentAndNeverEchoed() throws IOException {
        Path f = write("env.yaml", VALID.replace("100/1m", "${API_RATE}"));
        assertThat(CliRun.run(Map.of("API_RATE", "5/1s"), "validate", f.toString()).status()).isZero();
        CliRun unset = CliRun.run(Map.of(), "validate", f.toString());
        assertThat(unset.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(unset.out()).contains(":6: policies[0].rate-limits[0].limit: environment variable API_RATE is not"
                + " set");
        CliRun secret = CliRun.run(Map.of("API_RATE", "hunter2-secret"), "validate", f.toString());
        assertThat(secret.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(secret.out()).doesNotContain("hunter2").contains("${API_RATE}");
    }

    @Test
    void mistakesOnlyBuildingFindsAreReportedToo() throws IOException {
        Path f = write("shared.yaml", """
                policies:
                  - name: a
                    paths: [/a/*]
                    circuit-breaker: { name: db, failure-rate: 50 }
                  - name: b
                    paths: [/b/*]
                    circuit-breaker: { name: db, failure-rate: 60 }
                """);
        CliRun r = CliRun.run("validate", f.toString());
        assertThat(r.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(r.out()).contains("the shared breaker \"db\" is declared with other settings elsewhere");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(CliRun.run().status()).isEqualTo(SeawallCli.USAGE);
        assertThat(CliRun.run("validate").status()).isEqualTo(SeawallCli.USAGE);
        assertThat(CliRun.run("frobnicate").status()).isEqualTo(SeawallCli.USAGE);
        CliRun r = CliRun.run("validate", "--format", "xml", "x.yaml");
        assertThat(r.status()).isEqualTo(SeawallCli.USAGE);
        assertThat(r.err()).contains("--format");
        assertThat(r.err()).doesNotContain("at dev.seawall");
    }

    @Test
    void helpListsTheCommandsAndTheExitStatuses() {
        CliRun r = CliRun.run("--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("validate").contains("explain").contains("diff").contains("Exit status:");
        for (String command : new String[] {"validate", "explain", "diff"}) {
            CliRun version = CliRun.run(command, "--version");
            assertThat(version.status()).isZero();
            assertThat(version.out()).startsWith("seawall-cli ");
        }
    }

    @Test
    void aFallbackHandlerNotOnTheClassPathIsNotedAndOneOnItIsBuilt() throws IOException {
        String yaml = """
                policies:
                  - name: api
                    paths: [/api/*]
                    fallback: { handler: %s }
                """;
        Path absent = write("absent.yaml", yaml.formatted("com.example.NotHere"));
        CliRun r = CliRun.run("validate", absent.toString());
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("note: " + absent + ":4: policies[0].fallback.handler: class com.example.NotHere"
                + " is not on the tool's class path (--class-path): checked as a name only")
                .contains("absent.yaml: valid (1 policy, 0 clients)");
        Path present = write("present.yaml", yaml.formatted(TestHandler.class.getName()));
        CliRun ok = CliRun.run("--class-path", dir.toString(), "validate", present.toString());
        assertThat(ok.status()).isZero();
        assertThat(ok.out()).doesNotContain("note:");
        Path wrong = write("wrong.yaml", yaml.formatted(String.class.getName()));
        CliRun refused = CliRun.run("validate", wrong.toString());
        assertThat(refused.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(refused.out()).contains("does not implement dev.seawall.core.fallback.FallbackHandler");
    }

    /** A handler compiled outside the tests' class path is found only through --class-path. */
    @Test
    void classPathLoadsTheApplicationsHandler() throws IOException {
        Path src = dir.resolve("src/app/OwnHandler.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package app;
                public final class OwnHandler implements dev.seawall.core.fallback.FallbackHandler {
                    public dev.seawall.core.fallback.FallbackResponse handle(
                            dev.seawall.core.fallback.FallbackTrigger t, dev.seawall.core.http.RequestView r) {
                        return null;
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        int compiled = javac.run(null, null, null, "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), src.toString());
        assertThat(compiled).isZero();
        Path f = write("app.yaml", "policies:\n  - name: api\n    paths: [/api/*]\n"
                + "    fallback: { handler: app.OwnHandler }\n");
        assertThat(CliRun.run("validate", f.toString()).out()).contains("note: ").contains("app.OwnHandler");
        CliRun r = CliRun.run("--class-path", dir.resolve("nothing") + java.io.File.pathSeparator + classes,
                "validate", f.toString());
        assertThat(r.status()).isZero();
        assertThat(r.out()).doesNotContain("note:").contains("app.yaml: valid (1 policy, 0 clients)");
    }
}
