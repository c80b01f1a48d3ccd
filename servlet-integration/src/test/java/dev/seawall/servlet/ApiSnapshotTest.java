package dev.seawall.servlet;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API of servlet-integration is the committed {@code src/test/resources/api/servlet-integration.api}: a change to it shows in
 * review as a change to that file. Rewrite it with {@code -Dseawall.api.update=true} (the failure message gives the
 * whole command).
 */
class ApiSnapshotTest {

    private final ApiSurface api = ApiSurface.of(SeawallFilter.class, "dev.seawall.servlet");

    @Test
    void publicApiMatchesTheCommittedSnapshot() {
        api.assertMatchesSnapshot("servlet-integration");
    }

    @Test
    void noPublicSignatureNamesAnInternalType() {
        assertThat(api.internalLeaks()).isEmpty();
    }
}
