package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.OnMissing;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.ratelimit.Rate;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The builders are the one rule set: named defaults, setters that refuse naming the key and the value. */
class ConfigBuildersTest {

    private static final Rate PER_MINUTE = new Rate(100, Duration.ofMinutes(1));

    @Test
    void eachBuilderStartsFromItsNamedDefaults() {
        CircuitBreakerConfig cb = CircuitBreakerConfig.builder().build();
        assertThat(cb).isEqualTo(new CircuitBreakerConfig(null, CircuitBreakerConfig.DEFAULT_FAILURE_RATE,
                CircuitBreakerConfig.DEFAULT_MINIMUM_CALLS, CircuitBreakerConfig.DEFAULT_WINDOW_CALLS, null,
                CircuitBreakerConfig.DEFAULT_OPEN_FOR, CircuitBreakerConfig.DEFAULT_HALF_OPEN_CALLS, null,
                CircuitBreakerConfig.DEFAULT_FAILURE_STATUSES, CircuitBreakerConfig.DEFAULT_MODE));
        assertThat(ThrottleConfig.builder().maxConcurrent(4).build()).isEqualTo(new ThrottleConfig(4,
                ThrottleConfig.DEFAULT_QUEUE, ThrottleConfig.DEFAULT_MAX_WAIT, null, 0, ThrottleConfig.DEFAULT_PER_KEY,
                null, null, ThrottleConfig.DEFAULT_MODE));
        assertThat(TimeoutConfig.builder().after(Duration.ofSeconds(5)).build())
                .isEqualTo(new TimeoutConfig(Duration.ofSeconds(5), TimeoutConfig.DEFAULT_STATUS));
        RateLimitConfig l = RateLimitConfig.builder(KeyKind.TENANT).rates(List.of(PER_MINUTE)).build();
        assertThat(l.name()).isEqualTo("tenant");
        assertThat(l.source()).isEqualTo(TenantSource.HEADER);
        assertThat(l.onMissing()).isEqualTo(RateLimitConfig.DEFAULT_ON_MISSING);
        assertThat(l.maxKeys()).isEqualTo(RateLimitConfig.DEFAULT_MAX_KEYS);
        FallbackConfig f = FallbackConfig.builder().body("{}").build();
        assertThat(f.status()).isEqualTo(FallbackConfig.DEFAULT_STATUS);
        assertThat(f.contentType()).isEqualTo(FallbackConfig.DEFAULT_CONTENT_TYPE);
        assertThat(f.on()).isEqualTo(FallbackConfig.DEFAULT_ON);
        assertThat(f.cacheEntries()).isEqualTo(FallbackConfig.DEFAULT_CACHE_ENTRIES);
        PolicyConfig p = PolicyConfig.builder("api").path("/api/*").timeout(TimeoutConfig.builder()
                .after(Duration.ofSeconds(1)).build()).build();
        assertThat(p.bufferBytes()).isEqualTo(PolicyConfig.DEFAULT_BUFFER_BYTES);
        SeawallConfig c = SeawallConfig.builder("code").policy(p).build();
        assertThat(c.ipv6Prefix()).isEqualTo(SeawallConfig.DEFAULT_IPV6_PREFIX);
        assertThat(c.rateLimitHeaders()).isEqualTo(SeawallConfig.DEFAULT_RATE_LIMIT_HEADERS);
        assertThat(c.store()).isEqualTo(StoreConfig.LOCAL);
    }

    @Test
    void settersRefuseNamingTheKeyAndTheValue() {
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().failureRate(0))
                .isInstanceOf(InvalidSettingException.class).hasMessage("failure-rate: 0 is outside 1-100")
                .satisfies(e -> {
                    InvalidSettingException s = (InvalidSettingException) e;
                    assertThat(s.key()).isEqualTo("failure-rate");
                    assertThat(s.problem()).isEqualTo("0 is outside 1-100");
                });
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().mode("loud"))
                .hasMessage("mode: \"loud\" is not a mode (expected enforce or shadow)");
        assertThatThrownBy(() -> ThrottleConfig.builder().queue(-1)).hasMessage("queue: -1 is outside 0-1000000");
        assertThatThrownBy(() -> TimeoutConfig.builder().status(200)).hasMessage("status: 200 is not a timeout status"
                + " (expected 503, or 504 for a gateway)");
        assertThatThrownBy(() -> RateLimitConfig.builder(KeyKind.IP).onMissing(OnMissing.REJECT))
                .hasMessage("on-missing: does not apply to by: ip (every request has a peer address)");
        assertThatThrownBy(() -> RateLimitConfig.builder(KeyKind.IP).maxKeys(0))
                .hasMessage("max-keys: 0 is outside 1-10000000");
        assertThatThrownBy(() -> FallbackConfig.builder().contentType("json"))
                .hasMessage("content-type: \"json\" is not a media type (like application/json)");
        assertThatThrownBy(() -> FallbackConfig.builder().header("Content-Type", "x"))
                .hasMessage("headers.Content-Type: is set by Seawall (use content-type)");
        assertThatThrownBy(() -> PolicyConfig.builder("Bad Name"))
                .hasMessageStartingWith("name: \"Bad Name\" is not a valid name");
        assertThatThrownBy(() -> StoreConfig.checkType("Redis Cluster"))
                .hasMessage("type: \"Redis Cluster\" is not a store type (expected local or redis)");
    }

    @Test
    void aTimeWindowMustBeWholeSecondsOfAtLeastOne() {
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().windowTime(Duration.ofMillis(500)))
                .hasMessage("window: a time window must be at least 1s");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().windowTime(Duration.ofMillis(1500)))
                .hasMessage("window: \"1500ms\" is not a whole number of seconds (a time window counts whole seconds,"
                        + " like 60s)");
        CircuitBreakerConfig c = CircuitBreakerConfig.builder().windowTime(Duration.ofMinutes(1)).build();
        assertThat(c.windowTime()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.windowCalls()).as("a time window replaces the count window").isNull();
    }

    @Test
    void buildChecksTheRulesBetweenKeys() {
        assertThatThrownBy(() -> ThrottleConfig.builder().queue(5).build())
                .hasMessage("max-concurrent: is required");
        assertThatThrownBy(() -> ThrottleConfig.builder().maxConcurrent(4).maxConcurrentPerKey(5).build())
                .hasMessage("max-concurrent-per-key: 5 is outside 1-4");
        assertThatThrownBy(() -> ThrottleConfig.builder().maxConcurrent(4).perKey(KeyKind.USER).build())
                .hasMessage("per-key: applies only with max-concurrent-per-key");
        assertThatThrownBy(() -> FallbackConfig.builder().build())
                .hasMessage("has nothing to answer with (add body, status, handler or stale-cache)");
        assertThatThrownBy(() -> FallbackConfig.builder().status(200).cacheEntries(5).build())
                .hasMessage("cache-entries: applies only with stale-cache");
        assertThatThrownBy(() -> RateLimitConfig.builder(KeyKind.TENANT).rates(List.of(PER_MINUTE))
                .source(TenantSource.PATH_SEGMENT).build())
                .hasMessage("segment: is required with source: path-segment (0-based index)");
        assertThatThrownBy(() -> RateLimitConfig.builder(KeyKind.API_KEY).rates(List.of(PER_MINUTE))
                .plan("pro", List.of(PER_MINUTE)).planOf(Map.of("k", "gold")))
                .hasMessage("plan-of: \"gold\" is not one of the plans [pro]");
        TimeoutConfig t = TimeoutConfig.builder().after(Duration.ofSeconds(1)).build();
        assertThatThrownBy(() -> PolicyConfig.builder("api").build())
                .hasMessage("paths: is required (servlet url-patterns such as /api/*)");
        assertThatThrownBy(() -> PolicyConfig.builder("api").path("/x").build())
                .hasMessage("policy \"api\" has no stage (add rate-limits, throttle, circuit-breaker, timeout,"
                        + " fallback or idempotency)");
        assertThatThrownBy(() -> PolicyConfig.builder("api").path("/x").timeout(t)
                .order(List.of(StageKind.TIMEOUT, StageKind.TIMEOUT)).build())
                .hasMessage("order[1]: timeout is listed twice");
        assertThatThrownBy(() -> PolicyConfig.builder("api").path("/x").failClosed(true)
                .fallback(FallbackConfig.builder().staleCache(Duration.ofMinutes(1)).build()).build())
                .hasMessage("fallback.stale-cache: a fail-closed policy never serves a stale copy; remove stale-cache"
                        + " or fail-closed");
        assertThatThrownBy(() -> SeawallConfig.builder("code").build())
                .hasMessage("policies: must list at least one policy (or one client)");
        assertThat(FallbackConfig.builder().status(503).on(java.util.Set.of(FallbackTrigger.THROTTLED)).build().on())
                .containsExactly(FallbackTrigger.THROTTLED);
    }

    @Test
    void configurationsThatSayTheSameThingAreEqualWhereverTheirKeysAreWritten() {
        SeawallConfig a = ConfigLoader.parse("a.yaml", "policies:\n  - name: api\n    paths: [/api/*]\n"
                + "    timeout: 1s\n");
        SeawallConfig b = ConfigLoader.parse("a.yaml", "# moved down\n\n\npolicies:\n\n  - paths: [/api/*]\n"
                + "    timeout: 1s\n    name: api\n");
        assertThat(a.line("policies[0].timeout")).isNotEqualTo(b.line("policies[0].timeout"));
        assertThat(a.policies()).isEqualTo(b.policies());
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    }

    @Test
    void durationsAreWrittenInTheConfigurationsSyntax() {
        assertThat(ConfigValues.formatDuration(Duration.ofSeconds(10))).isEqualTo("10s");
        assertThat(ConfigValues.formatDuration(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(ConfigValues.formatDuration(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(ConfigValues.formatDuration(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(ConfigValues.formatDuration(Duration.ofDays(1))).isEqualTo("1d");
        assertThat(ConfigValues.formatDuration(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(ConfigValues.formatDuration(Duration.ofNanos(1500))).isEqualTo("1500ns");
        assertThat(ConfigValues.formatDuration(Duration.ZERO)).isEqualTo("0s");
        for (String text : List.of("250ms", "30s", "5m", "2h", "1d", "1500ms")) {
            assertThat(ConfigValues.formatDuration(ConfigValues.parseDuration(text))).as(text).isEqualTo(text);
        }
        assertThat(ConfigValues.count(1, "policy", "policies")).isEqualTo("1 policy");
        assertThat(ConfigValues.count(0, "policy", "policies")).isEqualTo("0 policies");
        assertThat(ConfigValues.count(3, "policy", "policies")).isEqualTo("3 policies");
    }
}
