package dev.seawall.core.config;

import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.Jitter;
import dev.seawall.core.outbound.OutboundClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

/** The {@code clients:} list of seawall.yaml: every key, its defaults, its shorthands and hostile values. */
class ClientsConfigTest {

    /** A client named x on line 2; its keys start on line 3. */
    static final String X = "clients:\n  - name: x\n";

    static SeawallConfig parse(String yaml) {
        return ConfigLoader.parse("seawall.yaml", yaml);
    }

    static ClientConfig client(String yaml) {
        return parse(yaml).clients().get(0);
    }

    static void fails(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(yaml));
        assertThat(e).as("a config error").isNotNull();
        return e.problems().stream().map(Object::toString).toList();
    }

    // ---- valid files ----

    @Test
    void aFullClientEqualsTheOneBuiltWithTheBuilders() {
        SeawallConfig config = parse("""
                policies:
                  - name: api
                    paths: [/api/*]
                    timeout: 5s
                clients:
                  - name: payments
                    hosts: [API.pay.example.com, "*.pay.example.com:8443", "[::1]:9000"]
                    paths: [/v1/*, /health]
                    max-concurrent: 50
                    max-body: 256KB
                    retry:
                      max-attempts: 4
                      backoff: {base: 50ms, max: 1s}
                      jitter: decorrelated
                      on: [429, 502-504, connect-error]
                      methods: [GET, post]
                      max-retry-after: 3s
                    budget: {ratio: 12.5%, min-per-second: 2, window: 30s}
                    circuit-breaker: {failure-rate: 40, minimum-calls: 10, window: 60s, open-for: 5s}
                    timeout:
                      attempt: 500ms
                      total: 2s
                      margin: 20ms
                      share: 50%
                      deadline-header: X-Deadline-Ms
                    hedge: {delay: 100ms}
                  - name: search
                    hosts: search.internal
                """);
        ClientConfig payments = ClientConfig.builder("payments")
                .host("api.pay.example.com").host("*.pay.example.com:8443").host("[::1]:9000")
                .path("/v1/*").path("/health")
                .maxConcurrent(50)
                .maxBody(256 * 1024)
                .retry(RetryConfig.builder().maxAttempts(4).base(Duration.ofMillis(50)).max(Duration.ofSeconds(1))
                        .jitter(Jitter.DECORRELATED).on(List.of("429", "502-504", "connect-error"))
                        .methods(List.of("GET", "POST")).maxRetryAfter(Duration.ofSeconds(3)).build())
                .budget(RetryBudgetConfig.builder().percent(12.5).minPerSecond(2).window(Duration.ofSeconds(30))
                        .build())
                .circuitBreaker(CircuitBreakerConfig.builder().failureRate(40).minimumCalls(10)
                        .windowTime(Duration.ofSeconds(60)).openFor(Duration.ofSeconds(5)).build())
                .timeout(ClientTimeoutConfig.builder().attempt(Duration.ofMillis(500)).total(Duration.ofSeconds(2))
                        .margin(Duration.ofMillis(20)).share(50).deadlineHeader("X-Deadline-Ms").build())
                .hedge(new HedgeConfig(Duration.ofMillis(100)))
                .build();
        ClientConfig search = ClientConfig.builder("search").host("search.internal").build();
        assertThat(config.clients()).containsExactly(payments, search);
        assertThat(config.client("payments").hosts()).containsExactly("api.pay.example.com",
                "*.pay.example.com:8443", "[::1]:9000");
        assertThat(config.client("payments").retry().onTimeout()).isFalse();
        assertThat(config.client("payments").retry().methods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(config.policies()).hasSize(1);
        assertThat(config.line("clients[0].retry.backoff")).isEqualTo(13);
        assertThat(config.line("clients[1].hosts")).isEqualTo(28);
    }

    @Test
    void absentKeysTakeTheBuildersDefaults() {
        ClientConfig c = client(X);
        assertThat(c).isEqualTo(ClientConfig.builder("x").build());
        assertThat(c.hosts()).isEmpty();
        assertThat(c.paths()).isEmpty();
        assertThat(c.retry()).isEqualTo(RetryConfig.DEFAULTS);
        assertThat(c.budget()).isEqualTo(RetryBudgetConfig.DEFAULTS);
        assertThat(c.timeout()).isEqualTo(ClientTimeoutConfig.DEFAULTS);
        assertThat(c.circuitBreaker()).isNull();
        assertThat(c.hedge()).isNull();
        assertThat(c.maxConcurrent()).isZero();
        assertThat(c.maxBody()).isEqualTo(ClientConfig.DEFAULT_MAX_BODY);

        assertThat(RetryConfig.DEFAULTS.maxAttempts()).isEqualTo(RetryConfig.DEFAULT_MAX_ATTEMPTS);
        assertThat(RetryConfig.DEFAULTS.base()).isEqualTo(RetryConfig.DEFAULT_BASE);
        assertThat(RetryConfig.DEFAULTS.max()).isEqualTo(RetryConfig.DEFAULT_MAX);
        assertThat(RetryConfig.DEFAULTS.jitter()).isEqualTo(Jitter.FULL);
        assertThat(RetryConfig.DEFAULTS.onStatuses()).isEqualTo(RetryConfig.DEFAULT_ON_STATUSES);
        assertThat(RetryConfig.DEFAULTS.onConnectError()).isTrue();
        assertThat(RetryConfig.DEFAULTS.onTimeout()).isTrue();
        assertThat(RetryConfig.DEFAULTS.methods()).isEqualTo(RetryConfig.DEFAULT_METHODS);
        assertThat(RetryConfig.DEFAULTS.maxRetryAfter()).isEqualTo(RetryConfig.DEFAULT_MAX_RETRY_AFTER);
        assertThat(RetryBudgetConfig.DEFAULTS).isEqualTo(new RetryBudgetConfig(RetryBudgetConfig.DEFAULT_PERCENT,
                RetryBudgetConfig.DEFAULT_MIN_PER_SECOND, RetryBudgetConfig.DEFAULT_WINDOW));
        assertThat(ClientTimeoutConfig.DEFAULTS).isEqualTo(new ClientTimeoutConfig(null, null,
                ClientTimeoutConfig.DEFAULT_MARGIN, ClientTimeoutConfig.DEFAULT_SHARE, null));
    }

    @Test
    void blocksKeepTheDefaultsOfTheKeysTheyLeaveOut() {
        ClientConfig c = client(X + """
                    retry: {max-attempts: 2, backoff: {max: 5s}}
                    budget: {min-per-second: 5}
                    timeout: {attempt: 1s}
                    circuit-breaker: {}
                """);
        assertThat(c.retry()).isEqualTo(RetryConfig.builder().maxAttempts(2).max(Duration.ofSeconds(5)).build());
        assertThat(c.retry().base()).isEqualTo(RetryConfig.DEFAULT_BASE);
        assertThat(c.budget()).isEqualTo(RetryBudgetConfig.builder().minPerSecond(5).build());
        assertThat(c.timeout()).isEqualTo(ClientTimeoutConfig.builder().attempt(Duration.ofSeconds(1)).build());
        assertThat(c.timeout().total()).isNull();
        assertThat(c.circuitBreaker()).isEqualTo(CircuitBreakerConfig.builder().build());
    }

    @Test
    void scalarShorthands() {
        ClientConfig c = client(X + """
                    hosts: api.example.com
                    retry: off
                    budget: 12.5%
                    timeout: 2s
                    max-body: off
                """);
        assertThat(c.hosts()).containsExactly("api.example.com");
        assertThat(c.retry()).isEqualTo(RetryConfig.builder().maxAttempts(1).build());
        assertThat(c.budget()).isEqualTo(RetryBudgetConfig.builder().percent(12.5).build());
        assertThat(c.timeout()).isEqualTo(ClientTimeoutConfig.builder().total(Duration.ofSeconds(2)).build());
        assertThat(c.maxBody()).isZero();

        ClientConfig h = client(X + "    hedge: 150ms\n    budget: 10%\n    timeout: {margin: 0ms, share: 100%}\n");
        assertThat(h.hedge()).isEqualTo(new HedgeConfig(Duration.ofMillis(150)));
        assertThat(h.budget().percent()).isEqualTo(10.0);
        assertThat(h.timeout().margin()).isZero();
        assertThat(client(X + "    retry: {on: []}\n").retry().onStatuses()).isEmpty();
        assertThat(client(X + "    retry: {on: timeout, methods: GET}\n").retry())
                .isEqualTo(RetryConfig.builder().on(List.of("timeout")).methods(List.of("GET")).build());
        assertThat(client(X + "    budget: {ratio: 0%}\n").budget().percent()).isZero();
        assertThat(client(X + "    budget: 100%\n").budget().percent()).isEqualTo(100.0);
        assertThat(client(X + "    max-body: 64MB\n").maxBody()).isEqualTo(ClientConfig.MAX_BODY);
    }

    @Test
    void aFileWithOnlyClientsLoads() {
        String yaml = "clients:\n  - name: x\n    hosts: [x.example.com]\n";
        SeawallConfig config = parse(yaml);
        assertThat(config.policies()).isEmpty();
        assertThat(config.clients()).extracting(ClientConfig::name).containsExactly("x");
        try (Seawall seawall = Seawall.builder().yaml("seawall.yaml", yaml).build()) {
            assertThat(seawall.policies()).isEmpty();
            assertThat(seawall.clients().match("X.example.com", 443, "/")).isSameAs(seawall.clients().named("x"));
        }
    }

    @Test
    void theSameHostWithDifferentPathsPortsOrSpecificityIsNoTie() {
        SeawallConfig config = parse("""
                clients:
                  - name: a
                    hosts: [api.example.com]
                  - name: b
                    hosts: [api.example.com]
                    paths: [/v2/*]
                  - name: c
                    hosts: [api.example.com:8443, "*.example.com"]
                  - name: d
                    hosts: [api.example.com]
                    paths: [/v2/x]
                """);
        assertThat(config.clients()).extracting(ClientConfig::name).containsExactly("a", "b", "c", "d");
    }

    @Test
    void roundTripThroughTheEngine() {
        try (Seawall seawall = Seawall.builder().yaml("seawall.yaml", """
                policies:
                  - name: api
                    paths: [/api/*]
                    timeout: 5s
                clients:
                  - name: x
                    hosts: [127.0.0.1:9]
                    retry: {max-attempts: 2}
                    budget: 20%
                """).build()) {
            OutboundClient x = seawall.clients().named("x");
            assertThat(x.name()).isEqualTo("x");
            assertThat(x.config()).isEqualTo(ClientConfig.builder("x").host("127.0.0.1:9")
                    .retry(RetryConfig.builder().maxAttempts(2).build())
                    .budget(RetryBudgetConfig.builder().percent(20).build()).build());
            assertThat(seawall.clients().all()).hasSize(1);
            assertThat(seawall.clients().match("127.0.0.1", 9, "/any")).isSameAs(x);
            assertThat(seawall.clients().match("127.0.0.1", 10, "/any")).isNull();
            assertThatThrownBy(() -> seawall.clients().named("y")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("clients: x");
        }
    }

    /** The reference's complete example lists the clients' defaults: they are the builders' own. */
    @Test
    void theReferenceExampleLoadsAndStatesTheBuildersDefaults() throws Exception {
        String doc = Files.readString(Path.of("../docs/operations/configuration-reference.md"));
        int start = doc.indexOf("\nclients:", doc.indexOf("## A complete example"));
        int end = doc.indexOf("```", start);
        assertThat(start).isPositive();
        SeawallConfig config = parse(doc.substring(start + 1, end));
        ClientConfig payments = config.client("payments");
        assertThat(payments.retry()).isEqualTo(RetryConfig.DEFAULTS);
        assertThat(payments.budget()).isEqualTo(RetryBudgetConfig.DEFAULTS);
        assertThat(payments.maxBody()).isEqualTo(ClientConfig.DEFAULT_MAX_BODY);
        assertThat(payments.timeout().margin()).isEqualTo(ClientTimeoutConfig.DEFAULT_MARGIN);
        assertThat(payments.timeout().share()).isEqualTo(ClientTimeoutConfig.DEFAULT_SHARE);
        assertThat(payments.hosts()).hasSize(3);
        assertThat(config.client("inventory").retry().maxAttempts()).isEqualTo(1);
    }

    /** The outbound page's example is a whole, valid file with the settings it says. */
    @Test
    void theOutboundPagesExampleLoads() throws Exception {
        String doc = Files.readString(Path.of("../docs/operations/outbound.md"));
        int start = doc.indexOf("```yaml\n") + "```yaml\n".length();
        int end = doc.indexOf("```", start);
        SeawallConfig config = parse(doc.substring(start, end));
        ClientConfig payments = config.client("payments");
        assertThat(payments.hosts()).containsExactly("pay.example.com", "*.pay.example.com:8443");
        assertThat(payments.hedge().delay()).hasMillis(150);
        assertThat(payments.timeout().deadlineHeader()).isEqualTo("X-Request-Timeout-Ms");
        assertThat(payments.circuitBreaker().openFor()).hasSeconds(30);
        assertThat(config.client("orders-db").hosts()).isEmpty();
        assertThat(config.client("orders-db").retry().onStatuses()).isEmpty();
    }

    // ---- the file as a whole ----

    @Test
    void policiesAreRequiredUnlessTheFileListsClients() {
        fails("trusted-proxies: []\n",
                "seawall.yaml:1: policies: is required (a list of policies) unless the file lists clients");
        fails("clients: []\n", "seawall.yaml:1: clients: must list at least one client (omit the key for none)");
        fails("clients: {name: x}\n", "seawall.yaml:1: clients: expected a list, found a mapping");
        fails("policies: []\n" + X, "seawall.yaml:1: policies: must list at least one policy (omit the key when the"
                + " file only lists clients)");
        fails("client:\n  - name: x\n", "seawall.yaml:1: client: unknown key (did you mean clients?)");
    }
}
