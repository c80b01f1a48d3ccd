package dev.seawall.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.internal.config.ConfigValues;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The schema of {@code seawall.yaml} ships in filters-core and states this module's keys under
 * {@code store: {type: redis}}, so that editors complete and check them; this test holds that list, its defaults and
 * its ranges to {@link RedisStoreSettings}, which is what the loader applies, and shows both refusing and accepting
 * the same files.
 */
class RedisStoreSchemaTest {

    private static final String RESOURCE = "dev/seawall/core/config/seawall.schema.json";
    private static final String SALT = "0123456789abcdef-secret";
    private static final String POLICY = "policies:\n  - name: api\n    paths: [/api/*]\n    rate-limits:\n"
            + "      - by: ip\n        limit: 5/1m\n";

    private static String schemaText() throws IOException {
        try (InputStream in = RedisStoreSchemaTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the class path (filters-core's jar)").isNotNull();
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** @return the {@code then} branch the schema applies to {@code type: redis} */
    private static JsonNode redisBranch() throws IOException {
        JsonNode store = new ObjectMapper().readTree(schemaText()).at("/definitions/store");
        for (JsonNode rule : store.path("allOf")) {
            if ("redis".equals(rule.at("/if/properties/type/const").asText(null))) {
                return rule.path("then");
            }
        }
        throw new AssertionError("the schema has no rule for store type redis");
    }

    @Test
    void theSchemaNamesExactlyTheKeysTheStoreReads() throws IOException {
        JsonNode branch = redisBranch();
        Set<String> schemaKeys = new TreeSet<>();
        branch.path("properties").fieldNames().forEachRemaining(schemaKeys::add);
        assertThat(schemaKeys).isEqualTo(new TreeSet<>(RedisStoreSettings.KEYS));
        Set<String> allowed = new TreeSet<>();
        branch.at("/propertyNames/enum").forEach(n -> allowed.add(n.asText()));
        Set<String> expected = new TreeSet<>(RedisStoreSettings.KEYS);
        expected.add("type");
        assertThat(allowed).isEqualTo(expected);
        assertThat(branch.path("required").toString()).isEqualTo("[\"uri\"]");
    }

    @Test
    void theSchemaDefaultsAreTheStoreDefaults() throws IOException {
        JsonNode p = redisBranch().path("properties");
        assertThat(p.at("/key-prefix/default").asText()).isEqualTo(RedisStoreSettings.DEFAULT_KEY_PREFIX);
        assertThat(p.at("/timeout/default").asText())
                .isEqualTo(ConfigValues.formatDuration(RedisStoreSettings.DEFAULT_TIMEOUT));
        assertThat(p.at("/on-failure/default").asText()).isEqualTo(RedisStoreSettings.DEFAULT_ON_FAILURE.configName());
        assertThat(p.at("/nodes/default").asInt()).isEqualTo(RedisStoreSettings.DEFAULT_NODES);
        assertThat(p.at("/backoff/default").asText())
                .isEqualTo(ConfigValues.formatDuration(RedisStoreSettings.DEFAULT_BACKOFF));
        assertThat(p.at("/failures/default").asInt()).isEqualTo(RedisStoreSettings.DEFAULT_FAILURES);
        assertThat(p.at("/engine/default").asText()).isEqualTo(RedisStoreSettings.DEFAULT_ENGINE);
        assertThat(p.at("/optimization/default").asText()).isEqualTo(RedisStoreSettings.DEFAULT_OPTIMIZATION);
        for (RedisStoreSettings.OnFailure f : RedisStoreSettings.OnFailure.values()) {
            assertThat(enumOf(p.path("on-failure"))).contains(f.configName());
        }
        assertThat(p.at("/key-salt/anyOf/0/minLength").asInt()).isEqualTo(RedisStoreSettings.MIN_SALT_CHARS);
    }

    @Test
    void theSchemaRangesAreTheBuilderRanges() throws IOException {
        JsonNode p = redisBranch().path("properties");
        sameRange(p.path("nodes"), n -> RedisStoreSettings.builder().nodes(n));
        sameRange(p.path("failures"), n -> RedisStoreSettings.builder().failures(n));
    }

    private static void sameRange(JsonNode key, IntConsumer setter) {
        int min = key.at("/anyOf/0/minimum").asInt();
        int max = key.at("/anyOf/0/maximum").asInt();
        assertThat(max).isGreaterThan(min);
        assertThatCode(() -> setter.accept(min)).doesNotThrowAnyException();
        assertThatCode(() -> setter.accept(max)).doesNotThrowAnyException();
        assertThatThrownBy(() -> setter.accept(min - 1)).isInstanceOf(InvalidSettingException.class);
        assertThatThrownBy(() -> setter.accept(max + 1)).isInstanceOf(InvalidSettingException.class);
    }

    private static Set<String> enumOf(JsonNode key) {
        Set<String> out = new TreeSet<>();
        key.at("/anyOf/0/enum").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void schemaAndLoaderAcceptAndRefuseTheSameStores() throws IOException {
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                .getSchema(schemaText(), InputFormat.JSON);
        String good = "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: " + SALT
                + "\n  timeout: 20ms\n  on-failure: deny\n  nodes: 3\n  engine: bucket4j\n  optimization: batching\n"
                + POLICY;
        assertThatCode(() -> ConfigLoader.parse("seawall.yaml", good)).doesNotThrowAnyException();
        assertThat(errors(schema, good)).isEmpty();
        for (String uri : new String[] {"rediss://:pw@127.0.0.1:6380/1", "redis-sentinel://127.0.0.1:26379,"
                + "127.0.0.1:26380#mymaster", "redis-cluster://127.0.0.1:7000,127.0.0.1:7001"}) {
            String yaml = "store:\n  type: redis\n  uri: " + uri + "\n  key-salt: " + SALT + "\n" + POLICY;
            assertThatCode(() -> ConfigLoader.parse("seawall.yaml", yaml)).as(uri).doesNotThrowAnyException();
            assertThat(errors(schema, yaml)).as(uri).isEmpty();
        }
        String substituted = "store:\n  type: redis\n  uri: ${REDIS_URI:redis://127.0.0.1:6379}\n"
                + "  key-salt: ${SEAWALL_SALT:" + SALT + "}\n  nodes: ${NODES:2}\n" + POLICY;
        assertThatCode(() -> ConfigLoader.parse("seawall.yaml", substituted)).doesNotThrowAnyException();
        assertThat(errors(schema, substituted)).isEmpty();
        for (String bad : new String[] {
            "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: " + SALT + "\n  urI: x\n",
            "store:\n  type: redis\n  key-salt: " + SALT + "\n",
            "store:\n  type: redis\n  uri: http://127.0.0.1:6379\n  key-salt: " + SALT + "\n",
            "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: " + SALT + "\n  nodes: 0\n",
            "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: " + SALT + "\n  on-failure: retry\n",
            "store:\n  type: redis\n  uri: redis://127.0.0.1:6379\n  key-salt: short\n",
        }) {
            String yaml = bad + POLICY;
            assertThatThrownBy(() -> ConfigLoader.parse("seawall.yaml", yaml)).as(bad)
                    .isInstanceOf(ConfigException.class);
            assertThat(errors(schema, yaml)).as(bad).isNotEmpty();
        }
    }

    private static java.util.List<String> errors(Schema schema, String yaml) throws IOException {
        JsonNode doc = new YAMLMapper().readTree(yaml);
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Iterator<com.networknt.schema.Error> it = schema.validate(doc).iterator(); it.hasNext(); ) {
            out.add(it.next().toString());
        }
        return out;
    }
}
