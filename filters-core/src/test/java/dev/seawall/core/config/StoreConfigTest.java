package dev.seawall.core.config;

import dev.seawall.core.Seawall;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code store:} block and per-limit {@code store:}: defaults, validation, secrets never echoed. */
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
    void aRedisStoreHasDocumentedDefaults() {
        SeawallConfig c = parse("store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n"
                + "  key-salt: 0123456789abcdef-secret\n" + POLICY);
        StoreConfig s = c.store();
        assertThat(s.type()).isEqualTo("redis");
        assertThat(s.keyPrefix()).isEqualTo("seawall:");
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(s.onFailure()).isEqualTo(StoreConfig.OnFailure.LOCAL);
        assertThat(s.nodes()).isEqualTo(1);
        assertThat(s.backoff()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.failures()).isEqualTo(3);
        assertThat(s.engine()).isEqualTo("script");
        assertThat(s.optimization()).isEqualTo("none");
        assertThat(c.line("store")).isEqualTo(1);
    }

    @Test
    void everyKeyIsValidatedWithItsPath() {
        String base = "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: 0123456789abcdef-secret\n";
        fails("store:\n  type: redis\n  key-salt: 0123456789abcdef-secret\n" + POLICY,
                "seawall.yaml:2: store.uri: is required for type: redis (e.g. redis://127.0.0.1:6379)");
        fails("store:\n  type: redis\n  uri: http://x\n  key-salt: 0123456789abcdef-secret\n" + POLICY,
                "seawall.yaml:3: store.uri: is not a redis:// or rediss:// URI");
        fails(base + "  timeout: 0ms\n" + POLICY, "seawall.yaml:5: store.timeout: \"0ms\" must be longer than zero");
        fails(base + "  timeout: 1h\n" + POLICY, "seawall.yaml:5: store.timeout: must be between 1ms and 10s");
        fails(base + "  on-failure: crash\n" + POLICY,
                "seawall.yaml:5: store.on-failure: \"crash\" is not a choice (expected local, allow or deny)");
        fails(base + "  nodes: 0\n" + POLICY, "seawall.yaml:5: store.nodes: 0 is outside 1-10000");
        fails(base + "  key-prefix: \"a b\"\n" + POLICY, "seawall.yaml:5: store.key-prefix: \"a b\" must be at most"
                + " 64 chars of A-Z, a-z, 0-9, ':', '_', '.', '-', '{', '}'");
        fails(base + "  engine: lua\n" + POLICY,
                "seawall.yaml:5: store.engine: \"lua\" is not an engine (expected script or bucket4j)");
        fails(base + "  optimization: batching\n" + POLICY,
                "seawall.yaml:5: store.optimization: applies only to engine: bucket4j");
        fails(base + "  engine: bucket4j\n  optimization: fast\n" + POLICY,
                "seawall.yaml:6: store.optimization: \"fast\" is not a choice (expected none, batching or delaying)");
        fails(base + "  tyep: redis\n" + POLICY, "seawall.yaml:5: store.tyep: unknown key (did you mean type?)");
        fails("store:\n  uri: redis://127.0.0.1:6379\n" + POLICY,
                "seawall.yaml:2: store.uri: applies only to a shared store (type: redis)");
        fails("store:\n  type: \"Redis Cluster\"\n" + POLICY,
                "seawall.yaml:2: store.type: \"Redis Cluster\" is not a store type (expected local or redis)");
    }

    @Test
    void theSaltIsRequiredLongEnoughAndNeverEchoed() {
        String head = "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n";
        assertThatThrownBy(() -> parse(head + POLICY)).hasMessageContaining("store.key-salt: is required");
        fails(head + "  key-salt: short-secret\n" + POLICY,
                "seawall.yaml:4: store.key-salt: is shorter than 16 characters");
        fails(head + "  key-salt: 0123456789abcdef-secret\n  key-salt-env: X\n" + POLICY,
                "seawall.yaml:5: store.key-salt: give key-salt or key-salt-env, not both");
        fails(head + "  key-salt-env: SEAWALL_TEST_SURELY_UNSET_VARIABLE\n" + POLICY,
                "seawall.yaml:4: store.key-salt-env: the environment variable SEAWALL_TEST_SURELY_UNSET_VARIABLE is"
                        + " not set");
        StoreConfig s = parse(head + "  key-salt: 0123456789abcdef-secret\n" + POLICY).store();
        assertThat(s.toString()).doesNotContain("0123456789abcdef-secret");
    }

    @Test
    void passwordsInTheUriAreRedacted() {
        StoreConfig s = parse("store:\n  type: redis\n  uri: rediss://:hunter2-password@cache.internal:6380/0\n"
                + "  key-salt: 0123456789abcdef-secret\n" + POLICY).store();
        assertThat(s.redactedUri()).isEqualTo("rediss://cache.internal:6380/0");
        assertThat(s.toString()).doesNotContain("hunter2");
    }

    @Test
    void aLimitMayStayLocal() {
        String yaml = "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: 0123456789abcdef-secret\n"
                + POLICY + "        store: local\n";
        assertThat(parse(yaml).policy("api").rateLimits().get(0).local()).isTrue();
        fails(POLICY + "        store: shared\n",
                "seawall.yaml:7: policies[0].rate-limits[0].store: shared needs a top-level store: {type: redis, ...}");
        fails(POLICY + "        store: remote\n",
                "seawall.yaml:7: policies[0].rate-limits[0].store: \"remote\" is not a choice (expected local or shared)");
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
