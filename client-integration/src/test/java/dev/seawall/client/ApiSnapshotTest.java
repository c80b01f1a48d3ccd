package dev.seawall.client;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API of client-integration is the committed {@code src/test/resources/api/client-integration.api}: a
 * change to it shows in review as a change to that file. Rewrite it with {@code -Dseawall.api.update=true} (the
 * failure message gives the whole command).
 */
class ApiSnapshotTest {

    private final ApiSurface api = ApiSurface.of(SeawallHttpClient.class, "dev.seawall.client");

    @Test
    void publicApiMatchesTheCommittedSnapshot() {
        api.assertMatchesSnapshot("client-integration");
    }

    @Test
    void noPublicSignatureNamesAnInternalType() {
        assertThat(api.internalLeaks()).isEmpty();
    }
}
