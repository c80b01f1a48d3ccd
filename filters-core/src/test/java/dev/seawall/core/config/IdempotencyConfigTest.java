package dev.seawall.core.config;

import dev.seawall.core.key.KeyKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The {@code idempotency} block: its builder's rules, and the YAML front end forwarding to them. */
class IdempotencyConfigTest {

    private static ConfigException failure(String yaml) {
        return catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("seawall.yaml", yaml));
    }

    @Test
    void defaults() {
        IdempotencyConfig c = IdempotencyConfig.builder().build();
        assertThat(c.header()).isEqualTo("Idempotency-Key");
        assertThat(c.methods()).containsExactlyInAnyOrder("POST", "PATCH");
        assertThat(c.required()).isFalse();
        assertThat(c.expire()).isEqualTo(Duration.ofHours(24));
        assertThat(c.scope()).isNull();
        assertThat(c.maxBody()).isEqualTo(1024 * 1024);
        assertThat(c.lease()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.keeps(201)).isTrue();
        assertThat(c.keeps(404)).isTrue();
        assertThat(c.keeps(500)).isFalse();
        assertThat(c.keeps(302)).isFalse();
        for (int retryInviting : new int[] {408, 409, 425, 429, 503}) {
            assertThat(c.keeps(retryInviting)).isFalse();
        }
        assertThat(IdempotencyConfig.builder().keep(List.of(new StatusRange(500, 599))).build().keeps(503)).isFalse();
    }

    @Test
    void theBuilderNamesTheKeyOfEveryRefusal() {
        assertThatThrownBy(() -> IdempotencyConfig.builder().methods(List.of("POST", "GET")))
                .hasMessageContaining("methods").hasMessageContaining("GET is safe");
        assertThatThrownBy(() -> IdempotencyConfig.builder().methods(List.of())).hasMessageContaining("methods");
        assertThatThrownBy(() -> IdempotencyConfig.builder().header("Bad Header")).hasMessageContaining("header");
        assertThatThrownBy(() -> IdempotencyConfig.builder().expire(Duration.ofDays(31)))
                .hasMessageContaining("expire").hasMessageContaining("1s-30d");
        assertThatThrownBy(() -> IdempotencyConfig.builder().lease(Duration.ofMillis(500)))
                .hasMessageContaining("lease");
        assertThatThrownBy(() -> IdempotencyConfig.builder().maxBody(0)).hasMessageContaining("max-body");
        assertThatThrownBy(() -> IdempotencyConfig.builder().keep(List.of(new StatusRange(100, 199))))
                .hasMessageContaining("keep");
        assertThatThrownBy(() -> IdempotencyConfig.builder().maxBytes(1000)).hasMessageContaining("max-bytes");
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> IdempotencyConfig.builder().expire(Duration.ofMinutes(1)).lease(Duration.ofMinutes(2)).build());
        assertThat(e.key()).isEqualTo("lease");
    }

    @Test
    void theYamlBlockForwardsEveryKey() {
        SeawallConfig c = ConfigLoader.parse("seawall.yaml", """
                policies:
                  - name: pay
                    paths: [/pay/*]
                    rate-limits:
                      - {by: api-key, limit: 10/1s}
                    timeout: {after: 2s}
                    idempotency:
                      header: X-Request-Key
                      methods: [POST, put]
                      required: true
                      expire: 2h
                      scope: api-key
                      max-body: 64KB
                      max-response: 0
                      lease: 5s
                      keep: [2xx, 404, 410-422]
                      on-failure: deny
                      max-bytes: 16MB
                  - name: short
                    paths: [/short]
                    idempotency: on
                """);
        IdempotencyConfig i = c.policy("pay").idempotency();
        assertThat(i.header()).isEqualTo("X-Request-Key");
        assertThat(i.methods()).containsExactlyInAnyOrder("POST", "PUT");
        assertThat(i.required()).isTrue();
        assertThat(i.expire()).isEqualTo(Duration.ofHours(2));
        assertThat(i.scope()).isEqualTo(KeyKind.API_KEY);
        assertThat(i.maxBody()).isEqualTo(64 * 1024);
        assertThat(i.maxResponse()).isZero();
        assertThat(i.lease()).isEqualTo(Duration.ofSeconds(5));
        assertThat(i.keep()).containsExactly(new StatusRange(200, 299), new StatusRange(404, 404),
                new StatusRange(410, 422));
        assertThat(i.onFailure()).isEqualTo(IdempotencyConfig.OnFailure.DENY);
        assertThat(i.maxBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(c.policy("short").idempotency()).isEqualTo(IdempotencyConfig.builder().build());
    }

    @Test
    void everyMistakeIsReportedAtItsLine() {
        ConfigException e = failure("""
                policies:
                  - name: pay
                    paths: [/pay/*]
                    idempotency:
                      header: "a b"
                      methods: [GET]
                      expire: forever
                      scope: session
                      max-body: 1TB
                      keep: [6xx]
                      on-failure: maybe
                      requierd: true
                """);
        assertThat(e.problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:5: policies[0].idempotency.header: \"a b\" is not a valid header name",
                "seawall.yaml:6: policies[0].idempotency.methods: GET is safe by definition and needs no idempotency"
                        + " key (list the methods that change state, such as POST and PATCH)",
                "seawall.yaml:7: policies[0].idempotency.expire: \"forever\" is not a duration (expected a whole number"
                        + " and a unit ms, s, m, h or d, like 250ms or 30s)",
                "seawall.yaml:8: policies[0].idempotency.scope: \"session\" is not a scope (expected ip, user, api-key"
                        + " or tenant)",
                "seawall.yaml:9: policies[0].idempotency.max-body: \"1TB\" is not a size (expected bytes or a whole"
                        + " number of KB, MB or GB, like 256KB)",
                "seawall.yaml:10: policies[0].idempotency.keep[0]: \"6xx\" is not a status, status range or class"
                        + " (expected 500, 500-599 or 5xx)",
                "seawall.yaml:11: policies[0].idempotency.on-failure: \"maybe\" is not a choice (expected local, allow"
                        + " or deny)",
                "seawall.yaml:12: policies[0].idempotency.requierd: unknown key (did you mean required?)");
    }

    /** The reference's complete example states the builder's own defaults; the docs page's example loads. */
    @Test
    void theDocumentedExamplesLoad() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/operations/configuration-reference.md"));
        int start = doc.indexOf("  - name: orders\n", doc.indexOf("## A complete example"));
        int end = doc.indexOf("\n\n", start);
        assertThat(start).isPositive();
        IdempotencyConfig i = ConfigLoader.parse("seawall.yaml", "policies:\n" + doc.substring(start, end))
                .policy("orders").idempotency();
        IdempotencyConfig defaults = IdempotencyConfig.builder().build();
        assertThat(i.header()).isEqualTo(defaults.header());
        assertThat(i.methods()).isEqualTo(defaults.methods());
        assertThat(i.expire()).isEqualTo(defaults.expire());
        assertThat(i.maxBody()).isEqualTo(defaults.maxBody());
        assertThat(i.maxResponse()).isEqualTo(defaults.maxResponse());
        assertThat(i.lease()).isEqualTo(defaults.lease());
        assertThat(i.keep()).isEqualTo(defaults.keep());
        assertThat(i.maxBytes()).isEqualTo(defaults.maxBytes());
        assertThat(i.required()).isTrue();

        String page = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/operations/idempotency.md"));
        int from = page.indexOf("```yaml\n") + "```yaml\n".length();
        SeawallConfig c = ConfigLoader.parse("seawall.yaml", page.substring(from, page.indexOf("```", from)));
        assertThat(c.policy("payments").idempotency().required()).isTrue();
    }

    @Test
    void theRulesBetweenTheBlockAndItsPolicy() {
        assertThat(failure("""
                policies:
                  - name: pay
                    paths: [/pay/*]
                    timeout: {after: 90s}
                    idempotency: {lease: 60s}
                """).problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:5: policies[0].idempotency.lease: 1m is not longer than the policy's timeout (90s): a"
                        + " key must stay held while its first request may still wait or run");
        assertThat(failure("""
                policies:
                  - name: pay
                    paths: [/pay/*]
                    throttle: {max-concurrent: 2, queue: 10, max-wait: 30s}
                    timeout: {after: 40s}
                    idempotency: {lease: 60s}
                """).problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:6: policies[0].idempotency.lease: 1m is not longer than the throttle's max-wait (30s)"
                        + " plus the policy's timeout (40s): a key must stay held while its first request may still"
                        + " wait or run");
        assertThatThrownBy(() -> IdempotencyConfig.builder().maxResponse(8L * 1024 * 1024).maxBytes(4L * 1024 * 1024)
                .build()).hasMessageContaining("max-bytes");
        assertThat(failure("""
                policies:
                  - name: pay
                    paths: [/pay/*]
                    idempotency: {scope: tenant}
                """).problems()).extracting(Object::toString).containsExactly(
                "seawall.yaml:4: policies[0].idempotency.scope: tenant needs a rate limit by tenant in this policy (it"
                        + " says where the identity is read)");
        assertThat(failure("""
                policies:
                  - name: pay
                    paths: [/pay/*]
                    idempotency: sometimes
                """).problems()).singleElement().asString().contains("policies[0].idempotency: \"sometimes\" is not"
                + " a block");
    }
}
