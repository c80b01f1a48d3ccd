package dev.seawall.spring;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API of the Spring Boot starter is the committed {@code src/test/resources/api/spring-boot-starter.api}:
 * a change to it shows in review as a change to that file. Rewrite it with {@code -Dseawall.api.update=true} (the
 * failure message gives the whole command).
 */
class ApiSnapshotTest {

    private final ApiSurface api = ApiSurface.of(SeawallProperties.class, "dev.seawall.spring");

    @Test
    void publicApiMatchesTheCommittedSnapshot() {
        api.assertMatchesSnapshot("spring-boot-starter");
    }

    @Test
    void noPublicSignatureNamesAnInternalType() {
        assertThat(api.internalLeaks()).isEmpty();
    }
}
