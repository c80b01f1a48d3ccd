package dev.seawall.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The JSON Schema of {@code seawall.yaml} is generated from {@link ConfigSchema}, the list the YAML readers take
 * their keys from. Its two committed copies (in the jar's resources and under {@code docs/schema}) must be what the
 * model generates now: rewrite them with {@code -Dseawall.schema.update=true} (the failure message gives the whole
 * command). The schema is read by an independent validator, as an editor would, on files the loader accepts and
 * refuses.
 */
class ConfigSchemaTest {

    /** The system property that makes {@link #committedCopiesAreCurrent} rewrite the copies instead of failing. */
    static final String UPDATE_PROPERTY = "seawall.schema.update";

    /** Relative to the module's directory, where Surefire runs. */
    static final Path RESOURCE_COPY = Path.of("src/main/resources").resolve(ConfigSchemaWriter.RESOURCE);
    static final Path DOCS_COPY = Path.of("../docs/schema/seawall.schema.json");

    static final ObjectMapper YAML = new YAMLMapper();

    static Schema schema() {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                .getSchema(ConfigSchemaWriter.json(), InputFormat.JSON);
    }

    static List<String> errors(Schema schema, JsonNode yaml) {
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(yaml)) {
            out.add(e.toString());
        }
        return out;
    }

    @Test
    void committedCopiesAreCurrent() throws IOException {
        String actual = ConfigSchemaWriter.json();
        for (Path copy : List.of(RESOURCE_COPY, DOCS_COPY)) {
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(copy.getParent());
                Files.writeString(copy, actual, StandardCharsets.UTF_8);
                continue;
            }
            String expected = Files.exists(copy) ? Files.readString(copy, StandardCharsets.UTF_8) : "";
            assertThat(expected)
                    .withFailMessage("%s is not what the configuration's keys generate now. If the change is intended,"
                            + " rewrite both copies and commit them with the change:%n  mvn -o -B -q test -pl"
                            + " filters-core -am -Dtest=ConfigSchemaTest -Dsurefire.failIfNoSpecifiedTests=false"
                            + " -D%s=true%n%s", copy.toAbsolutePath().normalize(), UPDATE_PROPERTY,
                            firstDifference(expected, actual))
                    .isEqualTo(actual);
        }
    }

    @Test
    void theJarShipsTheSchema() throws IOException {
        try (InputStream in = ConfigSchema.class.getClassLoader().getResourceAsStream(ConfigSchemaWriter.RESOURCE)) {
            assertThat(in).as(ConfigSchemaWriter.RESOURCE).isNotNull();
            JsonNode shipped = new ObjectMapper().readTree(in);
            assertThat(shipped.path("$schema").asText()).isEqualTo("http://json-schema.org/draft-07/schema#");
            assertThat(shipped.path("definitions").has("policy")).isTrue();
        }
    }

    @Test
    void everyBlockOfTheSchemaHasExactlyTheKeysItsReaderAccepts() {
        JsonNode schema = YAML.valueToTree(parse(ConfigSchemaWriter.json()));
        assertThat(names(schema.path("properties"))).containsExactlyInAnyOrderElementsOf(ConfigSchema.ROOT.names());
        for (ConfigSchema.Block b : ConfigSchema.BLOCKS) {
            JsonNode def = schema.path("definitions").path(b.id());
            assertThat(names(def.path("properties"))).as(b.id()).containsExactlyInAnyOrderElementsOf(b.names());
            assertThat(def.path("additionalProperties").isBoolean()).as(b.id() + " closed").isEqualTo(!b.open());
            for (JsonNode p : def.path("properties")) {
                assertThat(p.path("description").asText()).as(b.id() + " descriptions").isNotBlank();
            }
        }
    }

    /** A key the readers do not know is refused by the loader and by the schema, in every block. */
    @Test
    void anUnknownKeyIsRefusedByBothInEveryBlock() {
        Schema schema = schema();
        Map<String, String> files = Map.of(
                "root", "policies: [{name: a, paths: [/a]}]\nbogus: 1\n",
                "policy", "policies: [{name: a, paths: [/a], bogus: 1}]\n",
                "rate-limit", "policies: [{name: a, paths: [/a], rate-limits: [{by: ip, limit: 1/1s, bogus: 1}]}]\n",
                "throttle", "policies: [{name: a, paths: [/a], throttle: {max-concurrent: 1, bogus: 1}}]\n",
                "adaptive-limit", "policies: [{name: a, paths: [/a], throttle: {max-concurrent: adaptive,"
                        + " limit: {bogus: 1}}}]\n",
                "circuit-breaker", "policies: [{name: a, paths: [/a], circuit-breaker: {bogus: 1}}]\n",
                "fallback", "policies: [{name: a, paths: [/a], fallback: {body: x, bogus: 1}}]\n",
                "idempotency", "policies: [{name: a, paths: [/a], idempotency: {bogus: 1}}]\n",
                "client", "clients: [{name: a, bogus: 1}]\n",
                "retry", "clients: [{name: a, retry: {bogus: 1}}]\n");
        files.forEach((block, yaml) -> {
            assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", yaml)).as(block)
                    .hasMessageContaining("unknown key");
            assertThat(errors(schema, YAML.valueToTree(parse(yaml)))).as(block).isNotEmpty();
        });
    }

    @Test
    void valuesOutsideTheBuildersRangesAreRefusedByBoth() {
        Schema schema = schema();
        List<String> files = List.of(
                "policies: [{name: a, paths: [/a], circuit-breaker: {failure-rate: 0}}]\n",
                "policies: [{name: a, paths: [/a], circuit-breaker: {failure-rate: 101}}]\n",
                "policies: [{name: a, paths: [/a], throttle: {max-concurrent: 100001}}]\n",
                "policies: [{name: a, paths: [/a], timeout: 5 seconds}]\n",
                "policies: [{name: a, paths: [/a], timeout: {after: 1s, status: 500}}]\n",
                "policies: [{name: a, paths: [/a], rate-limits: [{by: ip, limit: 10/xyz}]}]\n",
                "policies: [{name: a, paths: [/a], rate-limits: [{by: nobody, limit: 1/1s}]}]\n",
                "policies: [{name: Upper, paths: [/a]}]\n",
                "clients: [{name: a, retry: {max-attempts: 11}}]\n",
                "headers: {rate-limit: sometimes}\npolicies: [{name: a, paths: [/a]}]\n",
                "client-ip: {ipv6-prefix: 129}\npolicies: [{name: a, paths: [/a]}]\n");
        for (String yaml : files) {
            assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", yaml)).as(yaml).isInstanceOf(ConfigException.class);
            assertThat(errors(schema, YAML.valueToTree(parse(yaml)))).as(yaml).isNotEmpty();
        }
    }

    @Test
    void theSchemaIsJsonAndRangesAndDefaultsAreInTheDescriptions() throws IOException {
        JsonNode s = new ObjectMapper().readTree(ConfigSchemaWriter.json());
        assertThat(s.at("/definitions/circuit-breaker/properties/failure-rate/description").asText())
                .endsWith("Range: 1-100. Default: 50.");
        assertThat(s.at("/definitions/rate-limit/properties/max-keys/description").asText())
                .contains("Range: 1-10,000,000. Default: 100,000.");
        // the patterns are escaped JSON strings that still compile as the reader's own
        assertThat(s.at("/definitions/header-name/anyOf/0/pattern").asText())
                .isEqualTo("^" + Check.TOKEN.pattern() + "$");
        assertThat(ConfigSchemaWriter.json()).endsWith("}\n").doesNotContain("\r").doesNotContain("\t");
    }

    /**
     * The loader substitutes {@code ${NAME}} and {@code ${NAME:default}} in every value before it checks it, so the
     * schema takes a reference wherever a value is typed or constrained; keys are never substituted.
     */
    @Test
    void aValueHoldingAnEnvironmentReferenceIsTakenWhereverAValueIs() {
        Schema schema = schema();
        String yaml = """
                client-ip: {ipv6-prefix: "${PREFIX:64}"}
                policies:
                  - name: ${POLICY_NAME:api}
                    paths: ["/${PREFIX}/*"]
                    rate-limits:
                      - {by: "${BY:ip}", limit: "${API_RATE:100/1m}", max-keys: "${KEYS}"}
                    throttle: {max-concurrent: "${MAX:10}", max-wait: "${WAIT}s"}
                    circuit-breaker: {failure-rate: "${RATE}", window: "${WINDOW:100}"}
                    fail-closed: ${FAIL_CLOSED:true}
                    buffer: ${BUFFER:off}
                """;
        assertThat(errors(schema, YAML.valueToTree(parse(yaml)))).isEmpty();
        assertThat(errors(schema, YAML.valueToTree(parse("policies: [{name: a, paths: [/a]}]\n${X}: 1\n"))))
                .as("a key is never substituted").isNotEmpty();
        assertThat(errors(schema, YAML.valueToTree(parse(
                "policies: [{name: a, paths: [/a], throttle: {max-concurrent: \"$MAX\"}}]\n"))))
                .as("not a reference").isNotEmpty();
    }

    @Test
    void defaultsAreTheBuildersOwn() {
        JsonNode s = YAML.valueToTree(parse(ConfigSchemaWriter.json())).path("definitions");
        assertThat(s.at("/circuit-breaker/properties/failure-rate/default").asInt())
                .isEqualTo(CircuitBreakerConfig.builder().build().failureRate());
        assertThat(s.at("/circuit-breaker/properties/open-for/default").asText()).isEqualTo("30s");
        assertThat(s.at("/throttle/properties/max-wait/default").asText()).isEqualTo("1s");
        assertThat(s.at("/fallback/properties/cache-size/default").asText()).isEqualTo("16MB");
        assertThat(s.at("/policy/properties/buffer/default").asText()).isEqualTo("256KB");
        assertThat(s.at("/fallback/properties/on/default").toString())
                .isEqualTo("[\"circuit-open\",\"timeout\",\"error\"]");
    }

    /** The first line where the committed copy and the generated schema differ, for the failure message. */
    static String firstDifference(String expected, String actual) {
        String[] e = expected.split("\n", -1);
        String[] a = actual.split("\n", -1);
        for (int i = 0; i < Math.max(e.length, a.length); i++) {
            String el = i < e.length ? e[i] : "(end of file)";
            String al = i < a.length ? a[i] : "(end of file)";
            if (!el.equals(al)) {
                return "first difference at line " + (i + 1) + ":\n  committed: " + el + "\n  generated: " + al;
            }
        }
        return "";
    }

    static Object parse(String yaml) {
        try {
            return YAML.readValue(yaml, Object.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
