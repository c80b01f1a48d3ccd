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
/** The {@code clients:} list of seawall.yaml: each key's bad values and many mistakes in one file. */
class ClientsConfigErrorsTest {

    /** A client named x on line 2; its keys start on line 3. */
    private static final String X = ClientsConfigTest.X;

    private static SeawallConfig parse(String yaml) {
        return ClientsConfigTest.parse(yaml);
    }

    private static ClientConfig client(String yaml) {
        return ClientsConfigTest.client(yaml);
    }

    private static void fails(String yaml, String message) {
        ClientsConfigTest.fails(yaml, message);
    }

    private static List<String> problems(String yaml) {
        return ClientsConfigTest.problems(yaml);
    }

    // ---- keys and values ----

    @Test
    void blocksWrittenEmptyOrInTheWrongShape() {
        fails(X + "    retry:\n", "seawall.yaml:3: clients[0].retry: expected a mapping of keys, found nothing");
        fails(X + "    budget:\n", "seawall.yaml:3: clients[0].budget: expected a mapping of keys, found nothing");
        fails(X + "    timeout:\n", "seawall.yaml:3: clients[0].timeout: expected a mapping of keys, found nothing");
        fails(X + "    hedge:\n", "seawall.yaml:3: clients[0].hedge: expected a mapping of keys, found nothing");
        fails(X + "    retry: [off]\n", "seawall.yaml:3: clients[0].retry: expected a mapping of keys, found a list");
        fails(X + "    hosts: {a: b}\n", "seawall.yaml:3: clients[0].hosts: expected a list, found a mapping");
        fails("clients:\n  - x\n", "seawall.yaml:2: clients[0]: expected a mapping of keys, found a single value");
        fails(X + "    name: y\n", "seawall.yaml:3: clients[0].name: duplicate key");
    }

    @Test
    void unknownKeysAtEveryLevelWithASuggestion() {
        fails(X + "    retri: {max-attempts: 2}\n",
                "seawall.yaml:3: clients[0].retri: unknown key (did you mean retry?)");
        fails(X + "    host: [a.example.com]\n", "seawall.yaml:3: clients[0].host: unknown key (did you mean hosts?)");
        fails(X + "    retry:\n      max-attempt: 2\n",
                "seawall.yaml:4: clients[0].retry.max-attempt: unknown key (did you mean max-attempts?)");
        fails(X + "    retry:\n      backoff: {bse: 1s}\n",
                "seawall.yaml:4: clients[0].retry.backoff.bse: unknown key (did you mean base?)");
        fails(X + "    budget: {ration: 10%}\n",
                "seawall.yaml:3: clients[0].budget.ration: unknown key (did you mean ratio?)");
        fails(X + "    timeout: {atempt: 1s}\n",
                "seawall.yaml:3: clients[0].timeout.atempt: unknown key (did you mean attempt?)");
        fails(X + "    hedge: {dealy: 1s}\n",
                "seawall.yaml:3: clients[0].hedge.dealy: unknown key (did you mean delay?)");
        fails(X + "    circuit-breaker: {failure-rat: 5}\n",
                "seawall.yaml:3: clients[0].circuit-breaker.failure-rat: unknown key (did you mean failure-rate?)");
        fails(X + "    burst: 5\n", "seawall.yaml:3: clients[0].burst: unknown key");
    }

    @Test
    void nameIsRequiredValidAndUnique() {
        fails("clients:\n  - hosts: [a.example.com]\n", "seawall.yaml:2: clients[0].name: is required");
        fails("clients:\n  - name: Pay Ments\n", "seawall.yaml:2: clients[0].name: \"Pay Ments\" is not a valid name"
                + " (lower case letters, digits, . _ -; at most 64)");
        fails("clients:\n  - name: x\n  - name: y\n  - name: x\n",
                "seawall.yaml:4: clients[2].name: client name \"x\" is already used on line 2");
    }

    @Test
    void retryValues() {
        fails(X + "    retry: {max-attempts: 0}\n", "seawall.yaml:3: clients[0].retry.max-attempts: 0 is outside 1-10");
        fails(X + "    retry: {max-attempts: 11}\n",
                "seawall.yaml:3: clients[0].retry.max-attempts: 11 is outside 1-10");
        fails(X + "    retry: {max-attempts: 99999999999}\n",
                "seawall.yaml:3: clients[0].retry.max-attempts: 99999999999 is outside 1-10");
        fails(X + "    retry: {max-attempts: three}\n",
                "seawall.yaml:3: clients[0].retry.max-attempts: \"three\" is not a whole number");
        fails(X + "    retry: {jitter: random}\n", "seawall.yaml:3: clients[0].retry.jitter: \"random\" is not a jitter"
                + " (expected full, equal, decorrelated or none)");
        fails(X + "    retry: {backoff: {base: soon}}\n", "seawall.yaml:3: clients[0].retry.backoff.base: \"soon\" is"
                + " not a duration (expected a whole number and a unit ms, s, m, h or d, like 250ms or 30s)");
        fails(X + "    retry: {backoff: 1s}\n",
                "seawall.yaml:3: clients[0].retry.backoff: expected a mapping of keys, found a single value");
        fails(X + "    retry: {max-retry-after: 0s}\n",
                "seawall.yaml:3: clients[0].retry.max-retry-after: \"0s\" must be longer than zero");
        fails(X + "    retry: on\n", "seawall.yaml:3: clients[0].retry: \"on\" is not off (expected off, or a mapping"
                + " of max-attempts, backoff, jitter, on, methods and max-retry-after)");
    }

    @Test
    void backoffBaseAboveMaxCitesTheBase() {
        fails(X + "    retry:\n      max-attempts: 3\n      backoff:\n        max: 1s\n        base: 2s\n",
                "seawall.yaml:7: clients[0].retry.backoff.base: \"2s\" is longer than backoff.max \"1s\"");
        fails(X + "    retry:\n      backoff: {base: 3s}\n",
                "seawall.yaml:4: clients[0].retry.backoff.base: \"3s\" is longer than backoff.max \"2s\"");
    }

    @Test
    void retryOnAndMethodsEntriesCiteTheirItem() {
        fails(X + "    retry:\n      on: [503, 200]\n", "seawall.yaml:4: clients[0].retry.on[1]: \"200\" is not an"
                + " error status (retries answer 4xx and 5xx)");
        fails(X + "    retry:\n      on:\n        - 503\n        - abc\n", "seawall.yaml:6: clients[0].retry.on[1]:"
                + " \"abc\" is not a status, a status range, connect-error or timeout");
        fails(X + "    retry:\n      on: [600]\n", "seawall.yaml:4: clients[0].retry.on[0]: \"600\" is not a status,"
                + " a status range, connect-error or timeout");
        fails(X + "    retry:\n      methods: [GET, \"GET POST\", \"P(O)ST\"]\n", "seawall.yaml:4:"
                + " clients[0].retry.methods[1]: \"GET POST\" is not a valid method\n"
                + "seawall.yaml:4: clients[0].retry.methods[2]: \"P(O)ST\" is not a valid method");
        fails(X + "    retry:\n      methods: [{GET: 1}]\n",
                "seawall.yaml:4: clients[0].retry.methods[0]: expected a value, found a mapping");
    }

    @Test
    void budgetValues() {
        fails(X + "    budget: 150%\n", "seawall.yaml:3: clients[0].budget: 150% is outside 0%-100%");
        fails(X + "    budget: -5%\n", "seawall.yaml:3: clients[0].budget: -5% is outside 0%-100%");
        fails(X + "    budget: 100.5%\n", "seawall.yaml:3: clients[0].budget: 100.5% is outside 0%-100%");
        fails(X + "    budget: ten\n", "seawall.yaml:3: clients[0].budget: \"ten\" is not a percent (expected a"
                + " number and %, like 10% or 12.5%)");
        fails(X + "    budget: 10\n", "seawall.yaml:3: clients[0].budget: \"10\" is not a percent (expected a"
                + " number and %, like 10% or 12.5%)");
        fails(X + "    budget: 1e2%\n", "seawall.yaml:3: clients[0].budget: \"1e2%\" is not a percent (expected a"
                + " number and %, like 10% or 12.5%)");
        fails(X + "    budget: {ratio: 0.1}\n", "seawall.yaml:3: clients[0].budget.ratio: \"0.1\" is not a percent"
                + " (expected a number and %, like 10% or 12.5%)");
        fails(X + "    budget: {ratio: 101%}\n", "seawall.yaml:3: clients[0].budget.ratio: 101% is outside 0%-100%");
        fails(X + "    budget: {min-per-second: -1}\n",
                "seawall.yaml:3: clients[0].budget.min-per-second: -1 is outside 0-10000");
        fails(X + "    budget: {window: 10m}\n", "seawall.yaml:3: clients[0].budget.window: \"10m\" is outside 1s-5m");
    }

    @Test
    void timeoutValues() {
        fails(X + "    timeout: {share: 0%}\n", "seawall.yaml:3: clients[0].timeout.share: 0% is outside 1-100");
        fails(X + "    timeout: {share: 101%}\n", "seawall.yaml:3: clients[0].timeout.share: 101% is outside 1-100");
        fails(X + "    timeout: {share: 50}\n", "seawall.yaml:3: clients[0].timeout.share: \"50\" is not a whole"
                + " percent (expected 1% to 100%, like 50%)");
        fails(X + "    timeout: {share: 12.5%}\n", "seawall.yaml:3: clients[0].timeout.share: \"12.5%\" is not a"
                + " whole percent (expected 1% to 100%, like 50%)");
        fails(X + "    timeout: {deadline-header: \"bad header\"}\n", "seawall.yaml:3:"
                + " clients[0].timeout.deadline-header: \"bad header\" is not a valid header name");
        fails(X + "    timeout: {margin: 1m}\n", "seawall.yaml:3: clients[0].timeout.margin: \"1m\" is outside 0ms-1m");
        fails(X + "    timeout: {margin: -1s}\n", "seawall.yaml:3: clients[0].timeout.margin: \"-1s\" is not a"
                + " duration (expected a whole number and a unit ms, s, m, h or d, like 250ms or 30s)");
        fails(X + "    timeout: 0s\n", "seawall.yaml:3: clients[0].timeout: \"0s\" must be longer than zero");
        fails(X + "    timeout:\n      total: 1s\n      attempt: 2s\n",
                "seawall.yaml:5: clients[0].timeout.attempt: \"2s\" is longer than total \"1s\"");
    }

    @Test
    void hostsAndPaths() {
        fails(X + "    hosts: [\"https://api.example.com/v1\"]\n", "seawall.yaml:3: clients[0].hosts[0]:"
                + " \"https://api.example.com/v1\" is not a host (give host or host:port, not a URL; paths go under"
                + " paths)");
        fails(X + "    hosts: [\"api.example.com:0\"]\n", "seawall.yaml:3: clients[0].hosts[0]: \"api.example.com:0\""
                + " has an invalid port (expected 1-65535)");
        fails(X + "    hosts: [\"api.example.com:99999\"]\n", "seawall.yaml:3: clients[0].hosts[0]:"
                + " \"api.example.com:99999\" has an invalid port (expected 1-65535)");
        fails(X + "    hosts: [\"*\"]\n", "seawall.yaml:3: clients[0].hosts[0]: \"*\" is not a host pattern (expected"
                + " host, host:port, *.domain or [ipv6]:port)");
        fails(X + "    hosts: [\"a*.b.com\"]\n", "seawall.yaml:3: clients[0].hosts[0]: \"a*.b.com\" is not a host"
                + " pattern (expected host, host:port, *.domain or [ipv6]:port)");
        fails(X + "    hosts: [\"\"]\n", "seawall.yaml:3: clients[0].hosts[0]: must not be empty");
        fails(X + "    hosts:\n      -\n", "seawall.yaml:4: clients[0].hosts[0]: expected a value, found nothing");
        fails(X + "    hosts: []\n", "seawall.yaml:3: clients[0].hosts: must list at least one host (omit the key for"
                + " a client used by name only)");
        fails(X + "    hosts: [a.example.com, A.example.com]\n",
                "seawall.yaml:3: clients[0].hosts[1]: \"A.example.com\" is listed twice");
        fails(X + "    paths: [/v1/*]\n", "seawall.yaml:3: clients[0].paths: narrows hosts, so it needs hosts");
        fails(X + "    hosts: [a.example.com]\n    paths: [/v1*]\n", "seawall.yaml:4: clients[0].paths[0]: \"/v1*\" is"
                + " not a servlet url-pattern (expected /exact, /prefix/*, *.ext or /)");
        fails(X + "    hosts: [a.example.com]\n    paths: []\n", "seawall.yaml:4: clients[0].paths: must list at least"
                + " one path pattern (omit the key for every path)");
    }

    @Test
    void theSizeAndConcurrencyBounds() {
        fails(X + "    max-concurrent: 0\n", "seawall.yaml:3: clients[0].max-concurrent: 0 is outside 1-100000");
        fails(X + "    max-body: 65MB\n", "seawall.yaml:3: clients[0].max-body: \"65MB\" is too large (at most 64MB);"
                + " or off");
        fails(X + "    max-body: lots\n", "seawall.yaml:3: clients[0].max-body: \"lots\" is not a size (expected bytes"
                + " or a whole number of KB, MB or GB, like 256KB); or off");
    }

    @Test
    void aBreakerNameIsRefusedAtTheNameLine() {
        fails(X + "    circuit-breaker:\n      failure-rate: 30\n      name: shared\n",
                "seawall.yaml:5: clients[0].circuit-breaker.name: a client has one breaker per host; a shared breaker"
                        + " name is not available here");
        fails(X + "    circuit-breaker: {failure-rate: 0}\n",
                "seawall.yaml:3: clients[0].circuit-breaker.failure-rate: 0 is outside 1-100");
    }

    @Test
    void hedgeRules() {
        fails(X + "    retry: off\n    hedge: 100ms\n", "seawall.yaml:4: clients[0].hedge: needs retry.max-attempts of"
                + " 2 or more: the hedged attempt is one of the attempts");
        fails(X + "    timeout: {attempt: 100ms}\n    hedge:\n      delay: 100ms\n", "seawall.yaml:5:"
                + " clients[0].hedge.delay: \"100ms\" is not shorter than timeout.attempt: the hedge would never be"
                + " sent");
        fails(X + "    timeout: {attempt: 100ms}\n    hedge: 1s\n", "seawall.yaml:4: clients[0].hedge.delay: \"1s\" is"
                + " not shorter than timeout.attempt: the hedge would never be sent");
        fails(X + "    hedge: {}\n", "seawall.yaml:3: clients[0].hedge.delay: is required (a duration, like 200ms)");
        fails(X + "    hedge: never\n", "seawall.yaml:3: clients[0].hedge: \"never\" is not a duration (expected a"
                + " whole number and a unit ms, s, m, h or d, like 250ms or 30s)");
    }

    @Test
    void twoClientsClaimingTheSameHostAndPathAreATie() {
        fails("""
                clients:
                  - name: a
                    hosts: [api.example.com]
                  - name: b
                    hosts: [other.example.com, API.example.com]
                """, "seawall.yaml:5: clients[1].hosts[1]: api.example.com is also claimed by client \"a\" (line 3)"
                + " for every path: the most specific match would be a tie");
        fails("""
                clients:
                  - name: a
                    hosts: ["*.example.com"]
                    paths: [/v1/*, /v2/*]
                  - name: b
                    hosts: ["*.example.com"]
                    paths:
                      - /v3/*
                      - /v2/*
                """, "seawall.yaml:9: clients[1].paths[1]: /v2/* is also claimed by client \"a\" (line 4) on host"
                + " *.example.com: the most specific match would be a tie");
        fails("clients:\n  - name: a\n    hosts: [a.example.com]\n    paths: [/x, /x]\n", "seawall.yaml:4:"
                + " clients[0].paths[1]: /x is also claimed by this client (line 4) on host a.example.com: the most"
                + " specific match would be a tie");
    }

    // ---- many mistakes ----

    @Test
    void everyMistakeOfAFileIsReported() {
        List<String> problems = problems("""
                policies:
                  - name: api
                    paths: [/api/*]
                    timeout: 5s
                clients:
                  - name: a
                    hosts: [api.example.com:0]
                    retry:
                      max-attempts: 0
                      jitter: wild
                      on: [200]
                    budget: 150%
                    timeout: {share: 0%, deadline-header: "bad header"}
                    hedge: {delay: soon}
                  - name: a
                    max-concurrent: -1
                    max-body: 1TB
                    circuit-breaker: {window: 500ms}
                """);
        assertThat(problems).containsExactly(
                "seawall.yaml:7: clients[0].hosts[0]: \"api.example.com:0\" has an invalid port (expected 1-65535)",
                "seawall.yaml:9: clients[0].retry.max-attempts: 0 is outside 1-10",
                "seawall.yaml:10: clients[0].retry.jitter: \"wild\" is not a jitter (expected full, equal,"
                        + " decorrelated or none)",
                "seawall.yaml:11: clients[0].retry.on[0]: \"200\" is not an error status (retries answer 4xx and 5xx)",
                "seawall.yaml:12: clients[0].budget: 150% is outside 0%-100%",
                "seawall.yaml:13: clients[0].timeout.share: 0% is outside 1-100",
                "seawall.yaml:13: clients[0].timeout.deadline-header: \"bad header\" is not a valid header name",
                "seawall.yaml:14: clients[0].hedge.delay: \"soon\" is not a duration (expected a whole number and a"
                        + " unit ms, s, m, h or d, like 250ms or 30s)",
                "seawall.yaml:15: clients[1].name: client name \"a\" is already used on line 6",
                "seawall.yaml:16: clients[1].max-concurrent: -1 is outside 1-100000",
                "seawall.yaml:17: clients[1].max-body: \"1TB\" is not a size (expected bytes or a whole number of KB,"
                        + " MB or GB, like 256KB); or off",
                "seawall.yaml:18: clients[1].circuit-breaker.window: a time window must be at least 1s");
    }

    @Test
    void mistakesOfPoliciesAndClientsAreReportedTogether() {
        List<String> problems = problems("""
                policies:
                  - name: api
                    paths: [/api/*]
                    timeout: soon
                clients:
                  - name: x
                    retry: {max-attempts: 11}
                """);
        assertThat(problems).containsExactly(
                "seawall.yaml:4: policies[0].timeout: \"soon\" is not a duration (expected a whole number and a unit"
                        + " ms, s, m, h or d, like 250ms or 30s)",
                "seawall.yaml:7: clients[0].retry.max-attempts: 11 is outside 1-10");
    }

    @Test
    void rulesBetweenKeysOfSeveralClientsAreAllReportedOnceTheValuesAreValid() {
        List<String> problems = problems("""
                clients:
                  - name: a
                    paths: [/a/*]
                  - name: b
                    retry: {backoff: {base: 5s, max: 1s}}
                    timeout: {attempt: 2s, total: 1s}
                """);
        assertThat(problems).containsExactly(
                "seawall.yaml:3: clients[0].paths: narrows hosts, so it needs hosts",
                "seawall.yaml:5: clients[1].retry.backoff.base: \"5s\" is longer than backoff.max \"1s\"",
                "seawall.yaml:6: clients[1].timeout.attempt: \"2s\" is longer than total \"1s\"");
        assertThat(Set.copyOf(problems)).hasSize(3);
    }

    /** What a configuration error looks like: a file name, usually a line, then the message. */
    private static final Pattern ERROR = Pattern.compile("^seawall\\.yaml(:\\d+)?: .+", Pattern.DOTALL);

    @Test
    void randomMutationsGiveAWorkingEngineOrAPreciseErrorNeverAnotherException() {
        String valid = """
                clients:
                  - name: payments
                    hosts: [api.pay.example.com, "*.pay.example.com:8443", "[::1]:9000"]
                    paths: [/v1/*, /health]
                    max-concurrent: 50
                    max-body: 256KB
                    retry:
                      max-attempts: 4
                      backoff: {base: 50ms, max: 1s}
                      jitter: equal
                      on: [429, 502-504, connect-error, timeout]
                      methods: [GET, PUT]
                      max-retry-after: 3s
                    budget: {ratio: 12.5%, min-per-second: 2, window: 30s}
                    circuit-breaker: {failure-rate: 40, window: 60s}
                    timeout: {attempt: 500ms, total: 2s, margin: 0ms, share: 50%, deadline-header: X-Deadline}
                    hedge: 100ms
                  - name: search
                    hosts: search.internal
                    retry: off
                    budget: 5%
                    timeout: 1s
                """;
        Random random = new Random(20261207L);
        String alphabet = "-:[]{}#&*!|>'\"%@`,?\t\n \u0000\u00ff0123456789/aemsx.";
        int errors = 0;
        for (int i = 0; i < 1_000; i++) {
            StringBuilder sb = new StringBuilder(valid);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(sb.length());
                switch (random.nextInt(3)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> sb.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String text = sb.toString();
            try (Seawall engine = Seawall.builder().meterRegistry(new SimpleMeterRegistry())
                    .yaml("seawall.yaml", text).build()) {
                assertThat(engine.clients().all()).isNotEmpty();
            } catch (ConfigException ex) {
                errors++;
                assertThat(ex.getMessage()).as("mutation %d:%n%s", i, text).matches(ERROR)
                        .doesNotContain("Exception").doesNotContain("org.yaml").doesNotContain("java.");
            } catch (RuntimeException | StackOverflowError ex) {
                fail("mutation %d threw %s instead of a config error:%n%s", i, ex, text);
            }
        }
        assertThat(errors).as("most mutations break the file").isGreaterThan(250);
    }

    @Test
    void hostAndPathPairsOfAllClientsAreBounded() {
        ClientConfig.Builder wide = ClientConfig.builder("wide");
        for (int i = 0; i < 100; i++) {
            wide.host("h" + i + ".example.com").path("/p" + i);
        }
        SeawallConfig.Builder b = SeawallConfig.builder("code").client(wide.build());
        assertThatThrownBy(() -> b.client(ClientConfig.builder("one").host("one.example.com").build()))
                .isInstanceOf(InvalidSettingException.class).hasMessage("clients: client \"one\" brings the clients'"
                        + " host and path pairs (each host with each path of its client) above 10000");
        assertThat(b.client(ClientConfig.builder("by-name").build()).build().clients()).hasSize(2);

        // a million pairs in one client: refused without the tie check ever holding them
        StringBuilder yaml = new StringBuilder("clients:\n  - name: x\n    hosts: [");
        for (int i = 0; i < 1_000; i++) {
            yaml.append(i == 0 ? "" : ", ").append('h').append(i).append(".example.com");
        }
        yaml.append("]\n    paths: [");
        for (int i = 0; i < 1_000; i++) {
            yaml.append(i == 0 ? "" : ", ").append("/p").append(i);
        }
        yaml.append("]\n");
        fails(yaml.toString(), "seawall.yaml:2: clients: client \"x\" brings the clients' host and path pairs (each"
                + " host with each path of its client) above 10000");
    }

    @Test
    void aHostileListOfClientsIsBounded() {
        StringBuilder yaml = new StringBuilder("clients:\n");
        for (int i = 0; i <= ConfigLoader.MAX_LIST; i++) {
            yaml.append("  - {name: c").append(i).append("}\n");
        }
        fails(yaml.toString(), "seawall.yaml:2: clients: has more than 1000 items");
        StringBuilder ties = new StringBuilder("clients:\n");
        for (int i = 0; i < 50; i++) {
            ties.append("  - {name: c").append(i).append(", hosts: [a.example.com, b.example.com]}\n");
        }
        assertThat(problems(ties.toString())).hasSize(98).allMatch(p -> p.contains("is also claimed by client"
                + " \"c0\" (line 2) for every path"));
    }
}
