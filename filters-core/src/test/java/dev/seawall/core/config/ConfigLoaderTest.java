package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.ratelimit.Rate;
import dev.seawall.core.ratelimit.RateLimitHeaders;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    private static final String HEAD = "policies:\n  - name: api\n    paths: [/api/*]\n";

    private static SeawallConfig parse(String yaml) {
        return ConfigLoader.parse("seawall.yaml", yaml);
    }

    private static SeawallConfig parseAll(String yaml) {
        return ConfigLoader.load("seawall.yaml", new StringReader(yaml), EnumSet.allOf(StageKind.class));
    }

    private static void fails(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    private static void failsAll(String yaml, String message) {
        assertThatThrownBy(() -> parseAll(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void aTimeoutsDeadlineHeaderIsParsedAndItsNameChecked() {
        SeawallConfig c = parseAll(HEAD + "    timeout: { after: 5s, deadline-header: X-Deadline }\n");
        assertThat(c.policies().get(0).timeout().deadlineHeader()).isEqualTo("X-Deadline");
        assertThat(parseAll(HEAD + "    timeout: 5s\n").policies().get(0).timeout().deadlineHeader()).isNull();
        assertThatThrownBy(() -> parseAll(HEAD + "    timeout: { after: 5s, deadline-header: \"X Deadline\" }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("seawall.yaml:4: policies[0].timeout.deadline-header: ");
    }

    @Test
    void parsesTheDocumentedExampleWithEveryKey() {
        String yaml = """
                trusted-proxies: [10.0.0.0/8, "::1/128"]
                headers:
                  rate-limit: both
                client-ip:
                  ipv6-prefix: 56
                policies:
                  - name: api
                    paths: [/api/*, "*.json"]
                    methods: [get, POST]
                    rate-limits:
                      - by: ip
                        limit: 100/1m
                      - by: api-key
                        header: X-Key
                        limit: 1000/1h
                        on-missing: reject
                        max-keys: 5000
                        plans:
                          pro: [10/s, 5000/1h]
                        plan-of:
                          demo-key: pro
                      - by: user
                        attribute: auth.user
                        limit: [10/1s, 300/1m]
                      - by: tenant
                        source: path-segment
                        segment: 1
                        limit: 5000/1h
                        name: per-tenant
                    throttle:
                      max-concurrent: 20
                      queue: 100
                      max-wait: 2s
                    circuit-breaker:
                      name: payments
                      failure-rate: 50
                      minimum-calls: 20
                      window: 60s
                      open-for: 30s
                      half-open-calls: 5
                      slow-call: 2s
                      failure-statuses: [500-599, 429]
                      mode: shadow
                    timeout: { after: 5s, status: 504 }
                    fallback:
                      status: 200
                      content-type: application/json; charset=utf-8
                      body: '{"items":[],"degraded":true}'
                      stale-cache: 10m
                    order: [rate-limits, fallback, circuit-breaker, throttle, timeout]
                """;
        SeawallConfig c = parseAll(yaml);
        assertThat(c.source()).isEqualTo("seawall.yaml");
        assertThat(c.trustedProxies()).containsExactly("10.0.0.0/8", "::1/128");
        assertThat(c.rateLimitHeaders()).isEqualTo(RateLimitHeaders.BOTH);
        assertThat(c.ipv6Prefix()).isEqualTo(56);
        PolicyConfig p = c.policies().get(0);
        assertThat(p.name()).isEqualTo("api");
        assertThat(c.line("policies[0]")).isEqualTo(7);
        assertThat(p.paths()).containsExactly("/api/*", "*.json");
        assertThat(p.methods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(p.rateLimits()).hasSize(4);
        RateLimitConfig key = p.rateLimits().get(1);
        assertThat(key.by()).isEqualTo(KeyKind.API_KEY);
        assertThat(key.header()).isEqualTo("X-Key");
        assertThat(key.onMissing()).isEqualTo(OnMissing.REJECT);
        assertThat(key.maxKeys()).isEqualTo(5000);
        assertThat(key.plans()).containsEntry("pro", List.of(new Rate(10, Duration.ofSeconds(1)),
                new Rate(5000, Duration.ofHours(1))));
        assertThat(key.planOf()).isEqualTo(Map.of("demo-key", "pro"));
        assertThat(p.rateLimits().get(2).rates()).containsExactly(new Rate(10, Duration.ofSeconds(1)),
                new Rate(300, Duration.ofMinutes(1)));
        assertThat(p.rateLimits().get(2).attribute()).isEqualTo("auth.user");
        RateLimitConfig tenant = p.rateLimits().get(3);
        assertThat(tenant.name()).isEqualTo("per-tenant");
        assertThat(tenant.source()).isEqualTo(TenantSource.PATH_SEGMENT);
        assertThat(tenant.segment()).isEqualTo(1);
        assertThat(p.throttle()).isEqualTo(new ThrottleConfig(20, 100, Duration.ofSeconds(2), null, 0, KeyKind.IP,
                null, null, "enforce"));
        CircuitBreakerConfig cb = p.circuitBreaker();
        assertThat(cb.name()).isEqualTo("payments");
        assertThat(cb.windowCalls()).isNull();
        assertThat(cb.windowTime()).isEqualTo(Duration.ofSeconds(60));
        assertThat(cb.slowCall()).isEqualTo(Duration.ofSeconds(2));
        assertThat(cb.failureStatuses()).containsExactly(new StatusRange(500, 599), new StatusRange(429, 429));
        assertThat(cb.mode()).isEqualTo("shadow");
        assertThat(p.timeout().after()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.timeout().status()).isEqualTo(504);
        assertThat(p.fallback().body()).isEqualTo("{\"items\":[],\"degraded\":true}");
        assertThat(p.fallback().staleCache()).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.order()).containsExactly(StageKind.RATE_LIMIT, StageKind.FALLBACK, StageKind.CIRCUIT_BREAKER,
                StageKind.THROTTLE, StageKind.TIMEOUT);
    }

    @Test
    void defaultsAreDocumentedValues() {
        SeawallConfig c = parse(HEAD + "    rate-limits:\n      - by: api-key\n        limit: 5/s\n");
        assertThat(c.rateLimitHeaders()).isEqualTo(RateLimitHeaders.IETF);
        assertThat(c.ipv6Prefix()).isEqualTo(64);
        assertThat(c.trustedProxies()).isEmpty();
        RateLimitConfig l = c.policies().get(0).rateLimits().get(0);
        assertThat(l.name()).isEqualTo("api-key");
        assertThat(l.onMissing()).isEqualTo(OnMissing.SKIP);
        assertThat(l.maxKeys()).isEqualTo(100_000);
        assertThat(l.rates()).containsExactly(new Rate(5, Duration.ofSeconds(1)));
        assertThat(c.policies().get(0).methods()).isEmpty();
        assertThat(c.policies().get(0).order()).isNull();
        SeawallConfig t = parseAll(HEAD + "    timeout: 5s\n    circuit-breaker: {}\n");
        assertThat(t.policies().get(0).timeout().status()).isEqualTo(503);
        assertThat(t.policies().get(0).circuitBreaker().windowCalls()).isEqualTo(100);
        assertThat(t.policies().get(0).circuitBreaker().failureStatuses()).containsExactly(new StatusRange(500, 599));
    }

    @Test
    void rejectsABadRateWithLineAndKeyPath() {
        fails(HEAD + "    rate-limits:\n      - by: ip\n        limit: 100/1m\n      - by: ip\n        name: second\n"
                        + "        limit: 10/xyz\n",
                "seawall.yaml:9: policies[0].rate-limits[1].limit: \"10/xyz\" is not a rate (expected N/duration, like 100/1m)");
    }

    @Test
    void everyBadValueHasItsOwnMessage() {
        String rl = HEAD + "    rate-limits:\n      - by: ip\n";
        fails(rl + "        limit: 0/1m\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: \"0/1m\" grants no tokens (N must be at least 1)");
        fails(rl + "        limit: 10/0s\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: \"10/0s\" has a zero period");
        fails(rl + "        limit: 99999999999999999/1m\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: \"99999999999999999/1m\" grants too many tokens (at most 999999999999999)");
        fails(rl + "        limit: 2000000/1ms\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: \"2000000/1ms\" refills faster than one token per nanosecond");
        fails(rl + "        limit: 10/400d\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: \"10/400d\" is too long (at most 365d)");
        fails(rl + "        limit: -5/1m\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: \"-5/1m\" is not a rate (expected N/duration, like 100/1m)");
        fails(rl + "        limit: [10/1s, oops]\n", "seawall.yaml:6: policies[0].rate-limits[0].limit[1]: \"oops\" is not a rate (expected N/duration, like 100/1m)");
        fails(rl + "        limit: {a: 1}\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: expected a value, found a mapping");
        fails(rl + "        limit: []\n", "seawall.yaml:6: policies[0].rate-limits[0].limit: must hold at least one rate");
        fails(rl + "        limit: 1/m\n        on-missing: reject\n", "seawall.yaml:7: policies[0].rate-limits[0].on-missing: does not apply to by: ip (every request has a peer address)");
        fails(rl + "        limit: 1/m\n        max-keys: 0\n", "seawall.yaml:7: policies[0].rate-limits[0].max-keys: 0 is outside 1-10000000");
        fails(rl + "        limit: 1/m\n        max-keys: lots\n", "seawall.yaml:7: policies[0].rate-limits[0].max-keys: \"lots\" is not a whole number");
        fails(rl + "        limit: 1/m\n        header: X-Key\n", "seawall.yaml:7: policies[0].rate-limits[0].header: applies only to by: api-key or by: tenant");
        fails(HEAD + "    rate-limits:\n      - by: ipv4\n        limit: 1/m\n", "seawall.yaml:5: policies[0].rate-limits[0].by: \"ipv4\" is not a key kind (expected ip, user, api-key or tenant)");
        fails(HEAD + "    rate-limits:\n      - limit: 1/m\n", "seawall.yaml:5: policies[0].rate-limits[0].by: is required (ip, user, api-key or tenant)");
        fails(HEAD + "    rate-limits:\n      - by: api-key\n        limit: 1/m\n        on-missing: maybe\n", "seawall.yaml:7: policies[0].rate-limits[0].on-missing: \"maybe\" is not a choice (expected skip, shared or reject)");
        fails(HEAD + "    rate-limits:\n      - by: api-key\n        limit: 1/m\n        header: \"X Key\"\n", "seawall.yaml:7: policies[0].rate-limits[0].header: \"X Key\" is not a valid header name");
        fails(HEAD + "    rate-limits:\n      - by: tenant\n        limit: 1/m\n        source: cookie\n", "seawall.yaml:7: policies[0].rate-limits[0].source: \"cookie\" is not a tenant source (expected header, subdomain or path-segment)");
        fails(HEAD + "    rate-limits:\n      - by: tenant\n        limit: 1/m\n        source: path-segment\n", "seawall.yaml:5: policies[0].rate-limits[0].segment: is required with source: path-segment (0-based index)");
        fails(HEAD + "    rate-limits:\n      - by: api-key\n        limit: 1/m\n        plans: {pro: 10/m}\n        plan-of: {k: gold}\n", "seawall.yaml:8: policies[0].rate-limits[0].plan-of: \"gold\" is not one of the plans [pro]");
        fails(HEAD + "    rate-limits:\n      - by: user\n        limit: 1/m\n        plans: {pro: 10/m}\n", "seawall.yaml:7: policies[0].rate-limits[0].plans: applies only to by: api-key or by: tenant");
        fails(HEAD + "    rate-limits:\n      - by: ip\n        limit: 1/m\n      - by: ip\n        limit: 2/m\n", "seawall.yaml:7: policies[0].rate-limits[1]: two limits of this policy are named \"ip\": give each a distinct name");
        fails(HEAD + "    rate-limits: []\n", "seawall.yaml:4: policies[0].rate-limits: must list at least one limit (omit the key for none)");
    }

    @Test
    void globalKeysAreValidated() {
        String policy = HEAD + "    rate-limits:\n      - by: ip\n        limit: 1/m\n";
        fails("trusted-proxies: [10.0.0.0/33]\n" + policy, "seawall.yaml:1: trusted-proxies[0]: \"10.0.0.0/33\" has a prefix length outside 0-32");
        fails("trusted-proxies: [proxy.example.com]\n" + policy, "seawall.yaml:1: trusted-proxies[0]: \"proxy.example.com\" is not an IP address or CIDR block");
        fails("headers:\n  rate-limit: fancy\n" + policy, "seawall.yaml:2: headers.rate-limit: \"fancy\" is not a header mode (expected ietf, legacy, both or none)");
        fails("headers: ietf\n" + policy, "seawall.yaml:1: headers: expected a mapping of keys, found a single value");
        fails("client-ip:\n  ipv6-prefix: 129\n" + policy, "seawall.yaml:2: client-ip.ipv6-prefix: 129 is outside 1-128");
    }

    @Test
    void unknownKeysAreErrorsAtEveryLevelWithASuggestion() {
        fails("polices: []\n", "seawall.yaml:1: polices: unknown key (did you mean policies?)");
        fails(HEAD + "    rate-limit:\n      - by: ip\n        limit: 1/m\n", "seawall.yaml:4: policies[0].rate-limit: unknown key (did you mean rate-limits?)");
        fails(HEAD + "    rate-limits:\n      - by: ip\n        limit: 1/m\n        burst: 5\n", "seawall.yaml:7: policies[0].rate-limits[0].burst: unknown key");
        fails("headers:\n  ratelimit: ietf\n" + HEAD, "seawall.yaml:2: headers.ratelimit: unknown key (did you mean rate-limit?)");
        failsAll(HEAD + "    throttle:\n      max-concurrent: 2\n      queue-size: 5\n", "seawall.yaml:6: policies[0].throttle.queue-size: unknown key");
    }

    @Test
    void policyLevelRules() {
        fails("policies: []\n", "seawall.yaml:1: policies: must list at least one policy");
        fails("trusted-proxies: []\n", "seawall.yaml:1: policies: is required (a list of policies) unless the file lists clients");
        fails(HEAD, "seawall.yaml:2: policies[0]: policy \"api\" has no stage (add rate-limits, throttle, circuit-breaker, timeout, fallback or idempotency)");
        fails("policies:\n  - paths: [/x]\n", "seawall.yaml:2: policies[0].name: is required");
        fails("policies:\n  - name: Api Gateway\n", "seawall.yaml:2: policies[0].name: \"Api Gateway\" is not a valid name (1-64 chars of a-z, 0-9, '.', '_', '-', starting with a letter or digit)");
        fails("policies:\n  - name: api\n    rate-limits: [{by: ip, limit: 1/m}]\n", "seawall.yaml:2: policies[0].paths: is required (servlet url-patterns such as /api/*)");
        fails("policies:\n  - name: api\n    paths: [/api*]\n", "seawall.yaml:3: policies[0].paths[0]: \"/api*\" is not a servlet url-pattern (expected /exact, /prefix/*, *.ext or /)");
        fails("policies:\n  - name: api\n    paths: [/api/*]\n    methods: [\"GET POST\"]\n", "seawall.yaml:4: policies[0].methods[0]: \"GET POST\" is not an HTTP method");
        String one = "    rate-limits: [{by: ip, limit: 1/m}]\n";
        fails("policies:\n  - name: a\n    paths: [/x]\n" + one + "  - name: a\n    paths: [/y]\n" + one,
                "seawall.yaml:5: policies[1].name: policy name \"a\" is already used on line 2");
    }

    @Test
    void samePatternWithOverlappingMethodsIsATie() {
        String one = "    rate-limits: [{by: ip, limit: 1/m}]\n";
        fails("policies:\n  - name: a\n    paths: [/api/*]\n" + one + "  - name: b\n    paths: [/api/*]\n    methods: [GET]\n" + one,
                "seawall.yaml:6: policies[1].paths[0]: /api/* is also claimed by policy \"a\" (line 3) for overlapping methods: the most specific match would be a tie");
        SeawallConfig ok = parse("policies:\n  - name: a\n    paths: [/api/*]\n    methods: [POST]\n" + one
                + "  - name: b\n    paths: [/api/*]\n    methods: [GET]\n" + one);
        assertThat(ok.policies()).hasSize(2);
    }

    @Test
    void timeoutFallbackFailClosedAndBufferAreParsedWithTheirDefaults() {
        PolicyConfig p = parse(HEAD + """
                    timeout: 2s
                    buffer: 64KB
                    fallback:
                      body: '{"degraded":true}'
                      headers: {X-Degraded: "yes"}
                      stale-cache: 5m
                      cache-entries: 100
                      cache-size: 2MB
                      cache-no-store: true
                      on: [circuit-open, throttled]
                """).policies().get(0);
        assertThat(p.timeout().after()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.timeout().status()).isEqualTo(503);
        assertThat(p.bufferBytes()).isEqualTo(64 * 1024);
        assertThat(p.failClosed()).isFalse();
        FallbackConfig f = p.fallback();
        assertThat(f.status()).as("a body without status answers 200").isEqualTo(200);
        assertThat(f.contentType()).isEqualTo("application/json");
        assertThat(f.headers()).containsEntry("X-Degraded", "yes");
        assertThat(f.cacheEntries()).isEqualTo(100);
        assertThat(f.cacheBytes()).isEqualTo(2L * 1024 * 1024);
        assertThat(f.cacheNoStore()).isTrue();
        assertThat(f.on()).containsExactlyInAnyOrder(dev.seawall.core.fallback.FallbackTrigger.CIRCUIT_OPEN,
                dev.seawall.core.fallback.FallbackTrigger.THROTTLED);

        PolicyConfig closed = parse(HEAD + "    timeout: 1s\n    fail-closed: true\n    buffer: off\n").policies().get(0);
        assertThat(closed.failClosed()).isTrue();
        assertThat(closed.bufferBytes()).isZero();
        PolicyConfig defaults = parse(HEAD + "    fallback: {stale-cache: 1m}\n").policies().get(0);
        assertThat(defaults.fallback().hasStatic()).isFalse();
        assertThat(defaults.fallback().on()).hasSize(3);
        assertThat(defaults.fallback().cacheNoStore()).isEqualTo(FallbackConfig.DEFAULT_CACHE_NO_STORE).isFalse();
        assertThat(defaults.bufferBytes()).isEqualTo(256 * 1024);
    }

    @Test
    void badTimeoutAndFallbackValuesNameTheKey() {
        fails(HEAD + "    fallback:\n      on: [rate-limit]\n",
                "seawall.yaml:5: policies[0].fallback.on[0]: \"rate-limit\" is not a failure a fallback answers (expected circuit-open, timeout, error or throttled; rate-limit rejections never get a fallback)");
        fails(HEAD + "    fallback:\n      content-type: text/plain\n",
                "seawall.yaml:4: policies[0].fallback: has nothing to answer with (add body, status, handler or stale-cache)");
        fails(HEAD + "    fallback:\n      cache-size: 1MB\n      body: x\n",
                "seawall.yaml:5: policies[0].fallback.cache-size: applies only with stale-cache");
        fails(HEAD + "    fallback:\n      cache-no-store: true\n      body: x\n",
                "seawall.yaml:5: policies[0].fallback.cache-no-store: applies only with stale-cache");
        fails(HEAD + "    fallback:\n      stale-cache: 1m\n      cache-no-store: yes please\n",
                "seawall.yaml:6: policies[0].fallback.cache-no-store: \"yes please\" is not true or false");
        fails(HEAD + "    fallback:\n      handler: \"not a class!\"\n",
                "seawall.yaml:5: policies[0].fallback.handler: \"not a class!\" is not a class name (like com.example.PaymentsFallback)");
        fails(HEAD + "    fallback:\n      body: x\n      body-file: /etc/hostname\n",
                "seawall.yaml:6: policies[0].fallback.body-file: give body or body-file, not both");
        fails(HEAD + "    fallback:\n      body-file: /no/such/file.json\n",
                "seawall.yaml:5: policies[0].fallback.body-file: \"/no/such/file.json\" cannot be read (a path relative to the working directory, or absolute)");
        fails(HEAD + "    fallback:\n      headers: {\"Bad Name\": x}\n      body: x\n",
                "seawall.yaml:5: policies[0].fallback.headers: \"Bad Name\" is not a valid header name");
        fails(HEAD + "    timeout: 1s\n    buffer: 10XB\n",
                "seawall.yaml:5: policies[0].buffer: \"10XB\" is not a size (expected bytes or a whole number of KB, MB or GB, like 256KB); or off");
        fails(HEAD + "    timeout: 1s\n    buffer: 1GB\n",
                "seawall.yaml:5: policies[0].buffer: \"1GB\" is too large (at most 64MB); or off");
        fails(HEAD + "    timeout: 1s\n    fail-closed: yes please\n",
                "seawall.yaml:5: policies[0].fail-closed: \"yes please\" is not true or false");
    }

    @Test
    void aFailClosedPolicyRefusesSuccessLookingOrCachedFallbacks() {
        fails(HEAD + "    fail-closed: true\n    fallback:\n      body: '{\"ok\":true}'\n",
                "seawall.yaml:5: policies[0].fallback.status: a fail-closed policy never serves a success-looking fallback (200); use an error status or remove fail-closed");
        fails(HEAD + "    fail-closed: true\n    fallback:\n      stale-cache: 1m\n",
                "seawall.yaml:5: policies[0].fallback.stale-cache: a fail-closed policy never serves a stale copy; remove stale-cache or fail-closed");
        PolicyConfig ok = parse(HEAD + "    fail-closed: true\n    fallback:\n      status: 503\n      body: '{}'\n")
                .policies().get(0);
        assertThat(ok.fallback().status()).isEqualTo(503);
    }

    @Test
    void throttleKeysIncludingPriorityAndFairShare() {
        SeawallConfig c = parse(HEAD + """
                    throttle:
                      max-concurrent: 4
                      queue: 200
                      max-wait: 2s
                      priority:
                        header: X-Priority
                        roles: {high: [admin], low: [batch]}
                        paths: {low: [/api/export/*]}
                      max-concurrent-per-key: 2
                      per-key: tenant
                """);
        ThrottleConfig t = c.policies().get(0).throttle();
        assertThat(c.line("policies[0].throttle")).isEqualTo(4);
        assertThat(t.maxConcurrent()).isEqualTo(4);
        assertThat(t.queue()).isEqualTo(200);
        assertThat(t.maxWait()).isEqualTo(Duration.ofSeconds(2));
        assertThat(t.priority().header()).isEqualTo("X-Priority");
        assertThat(t.priority().roles()).containsEntry("high", List.of("admin"));
        assertThat(t.priority().paths()).containsEntry("low", List.of("/api/export/*"));
        assertThat(t.maxPerKey()).isEqualTo(2);
        assertThat(t.perKey()).isEqualTo(KeyKind.TENANT);
        fails(HEAD + "    throttle:\n      max-concurrent: 4\n      max-concurrent-per-key: 5\n",
                "seawall.yaml:6: policies[0].throttle.max-concurrent-per-key: 5 is outside 1-4");
        fails(HEAD + "    throttle:\n      max-concurrent: 4\n      per-key: ip\n",
                "seawall.yaml:6: policies[0].throttle.per-key: applies only with max-concurrent-per-key");
        fails(HEAD + "    throttle:\n      max-concurrent: 4\n      priority: {roles: {urgent: [a]}}\n",
                "seawall.yaml:6: policies[0].throttle.priority.roles.urgent: unknown key");
        fails(HEAD + "    throttle:\n      max-concurrent: 4\n      priority: {paths: {low: [/x*]}}\n",
                "seawall.yaml:6: policies[0].throttle.priority.paths.low[0]: \"/x*\" is not a servlet url-pattern (expected /exact, /prefix/*, *.ext or /)");
        fails(HEAD + "    throttle:\n      max-concurrent: 4\n      priority: {}\n",
                "seawall.yaml:6: policies[0].throttle.priority: needs at least one of header, roles or paths");
    }

    @Test
    void laterStagesValidateTheirKeys() {
        failsAll(HEAD + "    throttle:\n      queue: 5\n", "seawall.yaml:5: policies[0].throttle.max-concurrent: is required");
        failsAll(HEAD + "    throttle:\n      max-concurrent: 2\n      max-wait: 2 seconds\n", "seawall.yaml:6: policies[0].throttle.max-wait: \"2 seconds\" is not a duration (expected a whole number and a unit ms, s, m, h or d, like 250ms or 30s)");
        failsAll(HEAD + "    circuit-breaker:\n      failure-rate: 101\n", "seawall.yaml:5: policies[0].circuit-breaker.failure-rate: 101 is outside 1-100");
        failsAll(HEAD + "    circuit-breaker:\n      window: forever\n", "seawall.yaml:5: policies[0].circuit-breaker.window: \"forever\" is not a duration (expected a whole number and a unit ms, s, m, h or d, like 250ms or 30s)");
        failsAll(HEAD + "    circuit-breaker:\n      failure-statuses: [600]\n", "seawall.yaml:5: policies[0].circuit-breaker.failure-statuses[0]: \"600\" is not a status range within 100-599 with from <= to");
        failsAll(HEAD + "    circuit-breaker:\n      failure-statuses: [599-500]\n", "seawall.yaml:5: policies[0].circuit-breaker.failure-statuses[0]: \"599-500\" is not a status range within 100-599 with from <= to");
        failsAll(HEAD + "    circuit-breaker:\n      mode: loud\n", "seawall.yaml:5: policies[0].circuit-breaker.mode: \"loud\" is not a mode (expected enforce or shadow)");
        failsAll(HEAD + "    timeout: {after: 5s, status: 500}\n", "seawall.yaml:4: policies[0].timeout.status: 500 is not a timeout status (expected 503, or 504 for a gateway)");
        failsAll(HEAD + "    timeout: 0s\n", "seawall.yaml:4: policies[0].timeout: \"0s\" must be longer than zero");
        failsAll(HEAD + "    fallback:\n      content-type: \"not a type\"\n", "seawall.yaml:5: policies[0].fallback.content-type: \"not a type\" is not a media type (like application/json)");
        failsAll(HEAD + "    fallback:\n      status: 42\n", "seawall.yaml:5: policies[0].fallback.status: 42 is outside 200-599");
        failsAll(HEAD + "    timeout: 1s\n    order: [timeout, throttle]\n", "seawall.yaml:5: policies[0].order[1]: throttle is not configured in this policy");
        failsAll(HEAD + "    timeout: 1s\n    throttle: {max-concurrent: 1}\n    order: [timeout]\n", "seawall.yaml:6: policies[0].order: must list every stage of the policy exactly once: [throttle, timeout]");
    }

    @Test
    void brokenAndHostileFilesFailCleanly() {
        fails("", "seawall.yaml: the file is empty (expected a mapping with policies or clients)");
        fails("- just\n- a list\n", "seawall.yaml:1: (root): expected a mapping of keys, found a list");
        assertThatThrownBy(() -> parse("policies: [\n  - name: x\n")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("seawall.yaml:").hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> parse("policies:\n  - name: a\n    name: b\n")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("seawall.yaml:3:").hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> parse("a: &x [1, 2]\nb: *x\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("aliases");
        StringBuilder laughs = new StringBuilder("a0: &a0 [x, x]\n");
        for (int i = 1; i < 10; i++) {
            laughs.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
                    .append(i - 1).append("]\n");
        }
        assertThatThrownBy(() -> parse(laughs.toString())).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> parse("a: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nested too deeply");
        assertThatThrownBy(() -> parse("# " + "x".repeat(1_100_000) + "\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("too large");
        assertThatThrownBy(() -> parse("\u0000\u0001binary")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void errorsCarryNoStackTraceOrJavaNames() {
        try {
            parse("policies: [\n");
        } catch (ConfigException e) {
            assertThat(e.getStackTrace()).isEmpty();
            assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("org.yaml");
            assertThat(e.line()).isPositive();
            return;
        }
        throw new AssertionError("no error");
    }

    @Test
    void valueParsersAcceptTheDocumentedSyntax() {
        assertThat(ConfigValues.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ConfigValues.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(ConfigValues.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(ConfigValues.parseRate("5/10s")).isEqualTo(new Rate(5, Duration.ofSeconds(10)));
        assertThat(ConfigValues.parseRate("1000/1h")).isEqualTo(new Rate(1000, Duration.ofHours(1)));
        assertThat(ConfigValues.parseRate("7/d")).isEqualTo(new Rate(7, Duration.ofDays(1)));
        assertThat(ConfigValues.parseRates("[10/1s, 300/1m]")).hasSize(2);
        assertThat(ConfigValues.parseStatusRange("500-599")).isEqualTo(new StatusRange(500, 599));
        assertThat(ConfigValues.parseStatusRange("503").contains(503)).isTrue();
        for (String bad : new String[] {"", "5", "5x", "1.5s", "-1s", "99999999999999999999s"}) {
            assertThatThrownBy(() -> ConfigValues.parseDuration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Set.of(ConfigLoader.suggestion("polices", Set.of("policies", "headers")))).containsExactly("policies");
    }
}
