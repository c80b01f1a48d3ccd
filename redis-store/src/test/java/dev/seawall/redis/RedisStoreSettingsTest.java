package dev.seawall.redis;

import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.config.StoreConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code store: {type: redis}}: the Redis store's own keys, defaults and rules, reached through the loader and the
 * provider; the messages are those the core's loader gave when it held these rules.
 */
class RedisStoreSettingsTest {

    private static final String POLICY = "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n"
            + "      - by: ip\n        limit: 5/1m\n";

    static final String NOT_A_REDIS_URI = "is not a redis://, rediss://, redis-sentinel://, rediss-sentinel://,"
            + " redis-cluster:// or rediss-cluster:// URI";

    private static SeawallConfig parse(String yaml) {
        return ConfigLoader.parse("seawall.yaml", yaml);
    }

    private static RedisStoreSettings settings(String yaml) {
        StoreConfig store = parse(yaml).store();
        assertThat(store.type()).isEqualTo("redis");
        return (RedisStoreSettings) store.settings();
    }

    private static void fails(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void aRedisStoreHasDocumentedDefaults() {
        SeawallConfig c = parse("store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n"
                + "  key-salt: 0123456789abcdef-secret\n" + POLICY);
        RedisStoreSettings s = (RedisStoreSettings) c.store().settings();
        assertThat(s.keyPrefix()).isEqualTo("seawall:").isEqualTo(RedisStoreSettings.DEFAULT_KEY_PREFIX);
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(50)).isEqualTo(RedisStoreSettings.DEFAULT_TIMEOUT);
        assertThat(s.onFailure()).isEqualTo(RedisStoreSettings.OnFailure.LOCAL);
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
                "seawall.yaml:3: store.uri: " + NOT_A_REDIS_URI);
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
        fails(base + "  nodes: 99999999999\n" + POLICY, "seawall.yaml:5: store.nodes: 99999999999 is outside 1-10000");
    }

    @Test
    void everyMistakeOfTheBlockIsReported() {
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class, () -> parse(
                "store:\n  type: redis\n  uri: http://x\n  key-salt: short\n  nodes: 0\n  engine: lua\n" + POLICY));
        assertThat(e.problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:3: store.uri: " + NOT_A_REDIS_URI,
                "seawall.yaml:4: store.key-salt: is shorter than 16 characters",
                "seawall.yaml:5: store.nodes: 0 is outside 1-10000",
                "seawall.yaml:6: store.engine: \"lua\" is not an engine (expected script or bucket4j)");
        assertThat(e.getMessage()).doesNotContain("short\n");
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
        RedisStoreSettings fromEnv = RedisStoreSettings.builder(name -> name.equals("SALT") ? "0123456789abcdef-env"
                : null).uri("redis://h").keySaltEnv("SALT").build();
        assertThat(fromEnv.keySalt()).isEqualTo("0123456789abcdef-env");
    }

    @Test
    void passwordsInTheUriAreRedacted() {
        RedisStoreSettings s = settings("store:\n  type: redis\n  uri: rediss://:hunter2-password@cache.internal:6380/0\n"
                + "  key-salt: 0123456789abcdef-secret\n" + POLICY);
        assertThat(s.redactedUri()).isEqualTo("rediss://cache.internal:6380/0");
        assertThat(s.toString()).doesNotContain("hunter2");
    }

    @Test
    void aLimitMayStayLocal() {
        String yaml = "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: 0123456789abcdef-secret\n"
                + POLICY + "        store: local\n";
        assertThat(parse(yaml).policy("api").rateLimits().get(0).local()).isTrue();
    }

    @Test
    void theBuilderRefusesNamingTheKey() {
        assertThatThrownBy(() -> RedisStoreSettings.builder().timeout(Duration.ofSeconds(11)))
                .isInstanceOf(InvalidSettingException.class).hasMessage("timeout: must be between 1ms and 10s");
        assertThatThrownBy(() -> RedisStoreSettings.builder().onFailure("crash"))
                .hasMessage("on-failure: \"crash\" is not a choice (expected local, allow or deny)");
        assertThatThrownBy(() -> RedisStoreSettings.builder().uri("redis://h").build())
                .hasMessageStartingWith("key-salt: is required for a shared store");
        assertThat(RedisStoreSettings.builder().uri("redis://h").keySalt("0123456789abcdef").build())
                .isEqualTo(RedisStoreSettings.builder().uri("redis://h").keySalt("0123456789abcdef").build());
    }
}
