package dev.seawall.core.config;

import dev.seawall.core.Seawall;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code store:} block as the core sees it: {@code type}, local buckets, per-limit {@code store:}. A shared
 * store's own keys belong to its module (the redis-store module tests {@code store: {type: redis}}).
 */
class StoreConfigTest {

    private static final String POLICY = "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n"
            + "      - by: ip\n        limit: 5/1m\n";

    private static SeawallConfig parse(String yaml) {
        return ConfigLoader.parse("seawall.yaml", yaml);
    }

    private static void fails(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void withoutAStoreBlockBucketsAreLocal() {
        assertThat(parse(POLICY).store()).isEqualTo(StoreConfig.LOCAL);
        assertThat(parse("store: {type: local}\n" + POLICY).store().local()).isTrue();
    }

    @Test
    void aLocalStoreTakesNoOtherKeyAndTheTypeIsAName() {
        fails("store:\n  uri: redis://127.0.0.1:6379\n" + POLICY,
                "seawall.yaml:2: store.uri: applies only to a shared store (type: redis)");
        fails("store:\n  type: \"Redis Cluster\"\n" + POLICY,
                "seawall.yaml:2: store.type: \"Redis Cluster\" is not a store type (expected local or redis)");
        fails("store:\n  type: local\n  tyep: redis\n" + POLICY,
                "seawall.yaml:3: store.tyep: unknown key (did you mean type?)");
    }

    @Test
    void aLimitMayOnlyBeSharedWithASharedStore() {
        fails(POLICY + "        store: shared\n",
                "seawall.yaml:7: policies[0].rate-limits[0].store: shared needs a top-level store: {type: redis, ...}");
        fails(POLICY + "        store: remote\n",
                "seawall.yaml:7: policies[0].rate-limits[0].store: \"remote\" is not a choice (expected local or shared)");
        assertThat(parse(POLICY + "        store: local\n").policy("api").rateLimits().get(0).local()).isTrue();
    }

    @Test
    void aStoreTypeWithoutItsModuleFailsStartUpAtTheStoreLine() {
        String yaml = "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: 0123456789abcdef-secret\n"
                + POLICY;
        assertThatThrownBy(() -> Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", yaml)
                .build()).isInstanceOf(ConfigException.class)
                .hasMessage("seawall.yaml:1: store.type: \"redis\" needs its store module on the class path"
                        + " (for redis: dev.seawall:redis-store)");
    }
}
