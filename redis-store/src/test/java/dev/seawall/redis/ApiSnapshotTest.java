package dev.seawall.redis;

import dev.seawall.core.testing.ApiSurface;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API of redis-store is the committed {@code src/test/resources/api/redis-store.api}: a change to it shows in
 * review as a change to that file. Rewrite it with {@code -Dseawall.api.update=true} (the failure message gives the
 * whole command).
 */
class ApiSnapshotTest {

    private final ApiSurface api = ApiSurface.of(RedisStoreProvider.class, "dev.seawall.redis");

    @Test
    void publicApiMatchesTheCommittedSnapshot() {
        api.assertMatchesSnapshot("redis-store");
    }

    @Test
    void noPublicSignatureNamesAnInternalType() {
        assertThat(api.internalLeaks()).isEmpty();
    }
}
