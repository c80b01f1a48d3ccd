package dev.seawall.cli;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API of seawall-cli (its entry points and exit statuses) is the committed
 * {@code src/test/resources/api/seawall-cli.api}. Rewrite it with {@code -Dseawall.api.update=true}.
 */
class ApiSnapshotTest {

    private final ApiSurface api = ApiSurface.of(SeawallCli.class, "dev.seawall.cli");

    @Test
    void publicApiMatchesTheCommittedSnapshot() {
        api.assertMatchesSnapshot("seawall-cli");
    }

    @Test
    void noPublicSignatureNamesAnInternalType() {
        assertThat(api.internalLeaks()).isEmpty();
    }
}
