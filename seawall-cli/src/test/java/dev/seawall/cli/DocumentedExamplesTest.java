package dev.seawall.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The examples of the environment-variable section and of the reference validate as the pages say. */
class DocumentedExamplesTest {

    private static final String SALT = "a-salt-of-24-characters!";

    @TempDir
    Path dir;

    private static String block(String page, String heading) throws IOException {
        String doc = Files.readString(Path.of("../docs/operations/" + page));
        int section = doc.indexOf(heading);
        assertThat(section).as(heading).isPositive();
        int start = doc.indexOf("```yaml\n", section) + "```yaml\n".length();
        return doc.substring(start, doc.indexOf("```", start));
    }

    @Test
    void theEnvironmentVariablesExampleValidatesWithItsVariablesAndNamesTheMissingOne() throws IOException {
        Path f = Files.writeString(dir.resolve("seawall.yaml"),
                block("configuration-reference.md", "## Environment variables"));
        CliRun set = CliRun.run(Map.of("SEAWALL_REDIS_URI", "redis://:pw-1234@127.0.0.1:6379",
                "SEAWALL_KEY_SALT", SALT), "validate", f.toString());
        assertThat(set.status()).as(set.out()).isZero();
        CliRun unset = CliRun.run(Map.of("SEAWALL_KEY_SALT", SALT), "validate", f.toString());
        assertThat(unset.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(unset.out()).contains("seawall.yaml:3: store.uri: environment variable SEAWALL_REDIS_URI is not"
                + " set (give a default with ${SEAWALL_REDIS_URI:default})");
        CliRun bad = CliRun.run(Map.of("SEAWALL_REDIS_URI", "http://:pw-1234@127.0.0.1",
                "SEAWALL_KEY_SALT", SALT), "validate", f.toString());
        assertThat(bad.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(bad.out()).contains("seawall.yaml:3: store.uri").doesNotContain("pw-1234");
    }

    /** key-salt-env is read by the store from the process environment, so the test gives the salt by substitution. */
    @Test
    void theReferencesCompleteExampleValidates() throws IOException {
        String example = block("configuration-reference.md", "## A complete example");
        assertThat(example).contains("key-salt-env: SEAWALL_KEY_SALT");
        Path f = Files.writeString(dir.resolve("seawall.yaml"),
                example.replace("key-salt-env: SEAWALL_KEY_SALT", "key-salt: ${SEAWALL_KEY_SALT}"));
        CliRun r = CliRun.run(Map.of("SEAWALL_KEY_SALT", SALT), "validate", f.toString());
        assertThat(r.status()).as(r.out()).isZero();
    }
}
