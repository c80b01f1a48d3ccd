package dev.seawall.jaxrs;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API of jaxrs-integration is the committed {@code src/test/resources/api/jaxrs-integration.api}: a change to it shows in
 * review as a change to that file. Rewrite it with {@code -Dseawall.api.update=true} (the failure message gives the
 * whole command).
 */
class ApiSnapshotTest {

    private final ApiSurface api = ApiSurface.of(SeawallFeature.class, "dev.seawall.jaxrs");

    @Test
    void publicApiMatchesTheCommittedSnapshot() {
        api.assertMatchesSnapshot("jaxrs-integration");
    }

    @Test
    void noPublicSignatureNamesAnInternalType() {
        assertThat(api.internalLeaks()).isEmpty();
    }
}
