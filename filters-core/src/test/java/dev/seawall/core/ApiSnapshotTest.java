package dev.seawall.core;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * The public API of filters-core (every package but {@code ..internal..}) is the committed
 * {@code src/test/resources/api/filters-core.api}: a change to it shows in review as a change to that file.
 * Rewrite it with {@code -Dseawall.api.update=true} (the failure message gives the whole command).
 */
class ApiSnapshotTest {

    @Test
    void publicApiMatchesTheCommittedSnapshot() {
        ApiSurface.of(Seawall.class, "dev.seawall.core").assertMatchesSnapshot("filters-core");
    }
}
