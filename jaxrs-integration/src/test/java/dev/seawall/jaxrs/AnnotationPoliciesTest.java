package dev.seawall.jaxrs;

import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.fallback.FallbackHandler;
import dev.seawall.core.fallback.FallbackResponse;
import dev.seawall.core.fallback.FallbackTrigger;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Annotations become the very configuration the YAML loader reads from the same keys (compared field by field,
 * line numbers aside), method over class, and bad or hostile values fail naming class, method and attribute.
 */
class AnnotationPoliciesTest {

    private final AnnotationPolicies policies = new AnnotationPolicies(null,
            new PolicyFactory.Context(new ManualClock(), new SimpleMeterRegistry(), null));

    private static Method method(Class<?> type, String name) {
        return Arrays.stream(type.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    private PolicyConfig annotated(Class<?> type, String method) {
        SeawallConfig config = policies.config(type, method(type, method));
        assertThat(config).isNotNull();
        assertThat(config.policies()).hasSize(1);
        return config.policies().get(0);
    }

    /** The YAML policy {@code name} with {@code paths: [/]} and the given stage keys (indented by 4). */
    private static PolicyConfig yaml(String name, String stages) {
        SeawallConfig config = ConfigLoader.parse("seawall.yaml", "policies:\n  - name: " + name
                + "\n    paths: [/]\n" + stages);
        return config.policies().get(0);
    }

    private static void assertSameConfig(PolicyConfig fromAnnotations, PolicyConfig fromYaml) {
        assertThat(fromAnnotations).usingRecursiveComparison().ignoringFieldsMatchingRegexes("line", ".*\\.line")
                .isEqualTo(fromYaml);
    }

    private String failure(Class<?> type, String method) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> policies.policy(type, method(type, method)));
        assertThat(t).as("%s#%s must fail", type.getSimpleName(), method).isInstanceOf(IllegalStateException.class);
        return t.getMessage();
    }

    // ---- every annotation, converted as the YAML loader reads the same keys

    static class Limits {
        @RateLimit(limit = "10/1s, 300/1m", by = KeyKind.API_KEY, name = "plan", header = "X-Key",
                onMissing = "reject", maxKeys = 500)
        @RateLimit(limit = "5000/1h", by = KeyKind.TENANT)
        void both() {
        }

        @RateLimit(limit = "100/1m")
        void defaults() {
        }

        @RateLimit(limit = "100/1m", mode = "shadow")
        void shadow() {
        }
    }

    @Test
    void aShadowLimitIsTheSameItemAsInYaml() {
        assertSameConfig(annotated(Limits.class, "shadow"), yaml("limits.shadow", """
                    rate-limits:
                      - by: ip
                        limit: 100/1m
                        mode: shadow
                """));
    }

    @Test
    void annotationPoliciesShareTheFilesTopLevelExemptBlock() {
        SeawallConfig base = ConfigLoader.parse("seawall.yaml", """
                exempt: {paths: [/health]}
                policies:
                  - name: other
                    paths: [/other/*]
                    timeout: 1s
                """);
        AnnotationPolicies withBase = new AnnotationPolicies(base,
                new PolicyFactory.Context(new ManualClock(), new SimpleMeterRegistry(), null));
        SeawallConfig config = withBase.config(Limits.class, method(Limits.class, "defaults"));
        assertThat(config.exemptFor(config.policies().get(0)).paths()).containsExactly("/health");
    }

    @Test
    void rateLimitsBecomeTheSameItemsAsInYamlInDeclarationOrder() {
        assertSameConfig(annotated(Limits.class, "both"), yaml("limits.both", """
                    rate-limits:
                      - by: api-key
                        name: plan
                        header: X-Key
                        on-missing: reject
                        max-keys: 500
                        limit: [10/1s, 300/1m]
                      - by: tenant
                        limit: 5000/1h
                """));
    }

    @Test
    void attributesLeftAtTheirDefaultTakeTheYamlDefaults() {
        assertSameConfig(annotated(Limits.class, "defaults"), yaml("limits.defaults", """
                    rate-limits:
                      - by: ip
                        limit: 100/1m
                """));
    }

    static class Throttled {
        @Throttle(maxConcurrent = 3, queue = 7, maxWait = "250ms")
        void full() {
        }

        @Throttle(maxConcurrent = 2)
        void bare() {
        }
    }

    @Test
    void throttleBecomesTheYamlThrottle() {
        assertSameConfig(annotated(Throttled.class, "full"), yaml("throttled.full", """
                    throttle:
                      max-concurrent: 3
                      queue: 7
                      max-wait: 250ms
                """));
        assertSameConfig(annotated(Throttled.class, "bare"), yaml("throttled.bare", """
                    throttle:
                      max-concurrent: 2
                """));
    }

    static class Costs {
        @RateLimit(limit = "100/1m", cost = 5, costAttribute = "app.cost")
        void both() {
        }

        @RateLimit(limit = "100/1m", cost = -1)
        void negative() {
        }

        @RateLimit(limit = "10/1m", cost = 11)
        void neverPasses() {
        }

        @RateLimit(limit = "10/1m", costAttribute = "app cost")
        void attribute() {
        }
    }

    @Test
    void aCostBecomesTheYamlCost() {
        assertSameConfig(annotated(Costs.class, "both"), yaml("costs.both", """
                    rate-limits:
                      - by: ip
                        limit: 100/1m
                        cost: { default: 5, attribute: app.cost }
                """));
        String prefix = Costs.class.getName() + "#";
        assertThat(failure(Costs.class, "negative")).isEqualTo(prefix + "negative: @RateLimit[0].cost: -1 is outside"
                + " 1-1000000");
        assertThat(failure(Costs.class, "neverPasses")).startsWith(prefix + "neverPasses: @RateLimit[0].cost: ")
                .contains("could never pass");
        assertThat(failure(Costs.class, "attribute")).startsWith(prefix + "attribute: @RateLimit[0].costAttribute: ");
    }

    static class AdaptiveThrottles {
        @Throttle(adaptive = true, algorithm = "vegas", initial = 10, min = 2, max = 50, queue = 5, mode = "shadow")
        void full() {
        }

        @Throttle(adaptive = true)
        void bare() {
        }
    }

    @Test
    void anAdaptiveThrottleBecomesTheYamlAdaptiveThrottle() {
        assertSameConfig(annotated(AdaptiveThrottles.class, "full"), yaml("adaptivethrottles.full", """
                    throttle:
                      max-concurrent: adaptive
                      limit: { algorithm: vegas, initial: 10, min: 2, max: 50 }
                      queue: 5
                      mode: shadow
                """));
        assertSameConfig(annotated(AdaptiveThrottles.class, "bare"), yaml("adaptivethrottles.bare", """
                    throttle:
                      max-concurrent: adaptive
                """));
    }

    static class BadAdaptive {
        @Throttle(adaptive = true, maxConcurrent = 5)
        void both() {
        }

        @Throttle(maxConcurrent = 5, initial = 3)
        void initialWithoutAdaptive() {
        }

        @Throttle(adaptive = true, algorithm = "magic")
        void algorithm() {
        }

        @Throttle(adaptive = true, min = 60, max = 50)
        void minAboveMax() {
        }

        @Throttle(maxConcurrent = 5, mode = "loud")
        void mode() {
        }
    }

    @Test
    void badAdaptiveThrottlesFailNamingTheAttribute() {
        String prefix = BadAdaptive.class.getName() + "#";
        assertThat(failure(BadAdaptive.class, "both")).startsWith(prefix + "both: @Throttle.maxConcurrent: ")
                .contains("either a number or adaptive");
        assertThat(failure(BadAdaptive.class, "initialWithoutAdaptive"))
                .isEqualTo(prefix + "initialWithoutAdaptive: @Throttle.initial: applies only with adaptive = true");
        assertThat(failure(BadAdaptive.class, "algorithm")).startsWith(prefix + "algorithm: @Throttle.algorithm: ")
                .contains("\"magic\" is not a choice");
        assertThat(failure(BadAdaptive.class, "minAboveMax")).startsWith(prefix + "minAboveMax: @Throttle.");
        assertThat(failure(BadAdaptive.class, "mode")).startsWith(prefix + "mode: @Throttle.mode: ").contains("loud");
    }

    static class Breakers {
        @CircuitBreaker(name = "db", failureRate = 40, minimumCalls = 10, window = "60s", openFor = "15s",
                halfOpenCalls = 3, slowCall = "2s", failureStatuses = {"500-599", "429"}, mode = "shadow")
        void full() {
        }

        @CircuitBreaker(window = "50")
        void counted() {
        }

        @CircuitBreaker
        void defaults() {
        }
    }

    @Test
    void circuitBreakerBecomesTheYamlBreakerWithEveryAttribute() {
        assertSameConfig(annotated(Breakers.class, "full"), yaml("breakers.full", """
                    circuit-breaker:
                      name: db
                      failure-rate: 40
                      minimum-calls: 10
                      window: 60s
                      open-for: 15s
                      half-open-calls: 3
                      slow-call: 2s
                      failure-statuses: [500-599, 429]
                      mode: shadow
                """));
        assertSameConfig(annotated(Breakers.class, "counted"), yaml("breakers.counted", """
                    circuit-breaker:
                      window: 50
                """));
        PolicyConfig defaults = annotated(Breakers.class, "defaults");
        assertThat(defaults.circuitBreaker()).as("a bare @CircuitBreaker is a breaker with every default")
                .isNotNull();
        assertThat(defaults.circuitBreaker().failureRate()).isEqualTo(50);
        assertThat(defaults.circuitBreaker().minimumCalls()).isEqualTo(20);
    }

    static class Timed {
        @Timeout("2s")
        void plain() {
        }

        @Timeout(value = "750ms", status = 504)
        void gateway() {
        }

        @Timeout(value = "2s", deadlineHeader = "X-Deadline-Ms")
        void caller() {
        }
    }

    @Test
    void timeoutBecomesTheYamlTimeoutWithItsStatus() {
        assertSameConfig(annotated(Timed.class, "plain"), yaml("timed.plain", """
                    timeout: 2s
                """));
        assertSameConfig(annotated(Timed.class, "gateway"), yaml("timed.gateway", """
                    timeout:
                      after: 750ms
                      status: 504
                """));
        assertSameConfig(annotated(Timed.class, "caller"), yaml("timed.caller", """
                    timeout:
                      after: 2s
                      deadline-header: X-Deadline-Ms
                """));
        assertThat(annotated(Timed.class, "caller").timeout().deadlineHeader()).isEqualTo("X-Deadline-Ms");
        assertThat(annotated(Timed.class, "plain").timeout().deadlineHeader()).as("none by default").isNull();
    }

    /** A fallback handler the annotation names by class. */
    public static class Pending implements FallbackHandler {
        @Override
        public FallbackResponse handle(FallbackTrigger trigger, RequestView request) {
            return null;
        }
    }

    static class Fallbacks {
        @Fallback(status = 202, body = "{\"pending\":true}", contentType = "application/json", staleCache = "5m",
                on = {"circuit-open", "timeout"})
        void full() {
        }

        @Fallback(handler = Pending.class)
        void handler() {
        }
    }

    @Test
    void fallbackBecomesTheYamlFallbackStaticHandlerAndStaleCache() {
        assertSameConfig(annotated(Fallbacks.class, "full"), yaml("fallbacks.full", """
                    fallback:
                      status: 202
                      body: '{"pending":true}'
                      content-type: application/json
                      stale-cache: 5m
                      on: [circuit-open, timeout]
                """));
        assertSameConfig(annotated(Fallbacks.class, "handler"), yaml("fallbacks.handler", """
                    fallback:
                      handler: dev.seawall.jaxrs.AnnotationPoliciesTest$Pending
                """));
    }

    // ---- method over class, repeatable limits, nothing to do

    @RateLimit(limit = "2/1m")
    @RateLimit(limit = "20/1h", by = KeyKind.USER)
    @Timeout("1s")
    @Throttle(maxConcurrent = 9)
    static class ClassWide {
        void inherits() {
        }

        @RateLimit(limit = "4/1m", name = "own")
        @Timeout("3s")
        void overrides() {
        }
    }

    @Test
    void aMethodWithoutAnnotationsTakesEveryAnnotationOfItsClass() {
        PolicyConfig p = annotated(ClassWide.class, "inherits");
        assertThat(p.rateLimits()).extracting(l -> l.by()).containsExactly(KeyKind.IP, KeyKind.USER);
        assertThat(p.timeout().after()).hasSeconds(1);
        assertThat(p.throttle().maxConcurrent()).isEqualTo(9);
    }

    @Test
    void theMethodsAnnotationOfAKindReplacesTheClasssAndTheOtherKindsStillComeFromTheClass() {
        PolicyConfig p = annotated(ClassWide.class, "overrides");
        assertThat(p.rateLimits()).as("the method's limits replace all of the class's").hasSize(1);
        assertThat(p.rateLimits().get(0).name()).isEqualTo("own");
        assertThat(p.rateLimits().get(0).rates().get(0).tokens()).isEqualTo(4);
        assertThat(p.timeout().after()).hasSeconds(3);
        assertThat(p.throttle().maxConcurrent()).as("no throttle on the method: the class's").isEqualTo(9);
    }

    static class Plain {
        void nothing() {
        }

        void twice() {
        }
    }

    @Test
    void aMethodWithoutAnyAnnotationHasNoPolicy() {
        assertThat(policies.config(Plain.class, method(Plain.class, "nothing"))).isNull();
        assertThat(policies.policy(Plain.class, method(Plain.class, "nothing"))).isNull();
    }

    static class Named {
        @Timeout("1s")
        void get() {
        }

        @Timeout("1s")
        void get(int overload) {
        }
    }

    @Test
    void everyMethodGetsItsOwnPolicyNameEvenOverloads() throws Exception {
        Policy first = policies.policy(Named.class, Named.class.getDeclaredMethod("get"));
        Policy second = policies.policy(Named.class, Named.class.getDeclaredMethod("get", int.class));
        assertThat(first.name()).isEqualTo("named.get");
        assertThat(second.name()).isEqualTo("named.get-2");
    }

    // ---- bad values fail naming class, method and attribute

    static class Bad {
        @RateLimit(limit = "10/xyz")
        void rate() {
        }

        @RateLimit(limit = "1/1s")
        @RateLimit(limit = "1/1s", onMissing = "maybe", by = KeyKind.API_KEY)
        void secondOnMissing() {
        }

        @Throttle(maxConcurrent = 0)
        void noConcurrency() {
        }

        @Throttle(maxConcurrent = 1, queue = -1)
        void negativeQueue() {
        }

        @Throttle(maxConcurrent = 1, maxWait = "forever")
        void maxWait() {
        }

        @CircuitBreaker(failureRate = 101)
        void failureRate() {
        }

        @CircuitBreaker(minimumCalls = -5)
        void minimumCalls() {
        }

        @CircuitBreaker(failureStatuses = "5xy")
        void failureStatuses() {
        }

        @CircuitBreaker(mode = "sometimes")
        void mode() {
        }

        @CircuitBreaker(halfOpenCalls = -1)
        void halfOpenCalls() {
        }

        @Timeout("soon")
        void timeout() {
        }

        @Timeout(value = "1s", status = 418)
        void timeoutStatus() {
        }

        @Timeout(value = "1s", deadlineHeader = "X Deadline")
        void deadlineHeader() {
        }

        @Fallback(on = "sometimes")
        void fallbackOn() {
        }

        @Fallback(staleCache = "a while")
        void staleCache() {
        }
    }

    @Test
    void badValuesFailNamingClassMethodAndAttribute() {
        String prefix = Bad.class.getName() + "#";
        assertThat(failure(Bad.class, "rate"))
                .startsWith(prefix + "rate: @RateLimit[0].limit: ").contains("\"10/xyz\" is not a rate");
        assertThat(failure(Bad.class, "secondOnMissing"))
                .startsWith(prefix + "secondOnMissing: @RateLimit[1].onMissing: ").contains("maybe");
        assertThat(failure(Bad.class, "noConcurrency")).startsWith(prefix + "noConcurrency: @Throttle.maxConcurrent: ");
        assertThat(failure(Bad.class, "negativeQueue")).startsWith(prefix + "negativeQueue: @Throttle.queue: ");
        assertThat(failure(Bad.class, "maxWait")).startsWith(prefix + "maxWait: @Throttle.maxWait: ").contains("forever");
        assertThat(failure(Bad.class, "failureRate"))
                .startsWith(prefix + "failureRate: @CircuitBreaker.failureRate: ").contains("101");
        assertThat(failure(Bad.class, "minimumCalls")).startsWith(prefix + "minimumCalls: @CircuitBreaker.minimumCalls: ");
        assertThat(failure(Bad.class, "failureStatuses"))
                .startsWith(prefix + "failureStatuses: @CircuitBreaker.failureStatuses").contains("5xx");
        assertThat(failure(Bad.class, "mode")).startsWith(prefix + "mode: @CircuitBreaker.mode: ").contains("sometimes");
        assertThat(failure(Bad.class, "halfOpenCalls")).startsWith(prefix + "halfOpenCalls: @CircuitBreaker.halfOpenCalls: ");
        assertThat(failure(Bad.class, "timeout")).startsWith(prefix + "timeout: @Timeout.value: ").contains("soon");
        assertThat(failure(Bad.class, "timeoutStatus")).startsWith(prefix + "timeoutStatus: @Timeout.status: ").contains("418");
        assertThat(failure(Bad.class, "deadlineHeader")).startsWith(prefix + "deadlineHeader: @Timeout.deadlineHeader: ");
        assertThat(failure(Bad.class, "fallbackOn")).startsWith(prefix + "fallbackOn: @Fallback.on").contains("sometimes");
        assertThat(failure(Bad.class, "staleCache")).startsWith(prefix + "staleCache: @Fallback.staleCache: ");
    }

    @Test
    void messagesNameTheAnnotationNeverTheGeneratedDocument() {
        for (Method m : Bad.class.getDeclaredMethods()) {
            if (m.isSynthetic()) {
                continue;
            }
            assertThat(failure(Bad.class, m.getName())).as(m.getName())
                    .doesNotContain("policies[").doesNotContain("rate-limits").doesNotContain("{\"");
        }
    }

    // ---- hostile values: huge numbers, empty strings, injection attempts

    static class Hostile {
        @RateLimit(limit = "99999999999999999999999/1s")
        void hugeRate() {
        }

        @RateLimit(limit = "1/99999999999999999999d")
        void hugeDuration() {
        }

        @RateLimit(limit = "")
        void emptyLimit() {
        }

        @RateLimit(limit = " , ")
        void onlyCommas() {
        }

        @RateLimit(limit = "1/1s", maxKeys = Long.MAX_VALUE)
        void hugeMaxKeys() {
        }

        @RateLimit(limit = "1/1s", maxKeys = -1)
        void negativeMaxKeys() {
        }

        @RateLimit(limit = "1/1s", name = "\"],\"evil\":[\"")
        void jsonInName() {
        }

        @Throttle(maxConcurrent = Integer.MAX_VALUE, queue = Integer.MAX_VALUE)
        void hugeThrottle() {
        }

        @Timeout("")
        void emptyTimeout() {
        }

        @Timeout("999999999999999999999h")
        void hugeTimeout() {
        }

        @Fallback(status = 200, body = "\"}]},{\"name\":\"injected\",\"paths\":[\"/\"],\"timeout\":\"1s\"}],\"x\":[{\"")
        void jsonInBody() {
        }

        @Fallback(status = 99999)
        void hugeStatus() {
        }

        @CircuitBreaker(failureStatuses = "")
        void emptyStatus() {
        }

        @CircuitBreaker(window = "-3")
        void negativeWindow() {
        }
    }

    @Test
    void hugeNumbersFailCleanlyNamingTheAttribute() {
        String prefix = Hostile.class.getName() + "#";
        assertThat(failure(Hostile.class, "hugeRate")).startsWith(prefix + "hugeRate: @RateLimit[0].limit: ");
        assertThat(failure(Hostile.class, "hugeDuration")).startsWith(prefix + "hugeDuration: @RateLimit[0].limit: ");
        assertThat(failure(Hostile.class, "hugeTimeout")).startsWith(prefix + "hugeTimeout: @Timeout.value: ");
        assertThat(failure(Hostile.class, "hugeStatus")).startsWith(prefix + "hugeStatus: @Fallback.status: ");
        assertThat(failure(Hostile.class, "negativeMaxKeys")).startsWith(prefix + "negativeMaxKeys: @RateLimit[0].maxKeys: ");
        assertThat(failure(Hostile.class, "negativeWindow")).startsWith(prefix + "negativeWindow: @CircuitBreaker.window: ");
        assertThat(failure(Hostile.class, "hugeThrottle"))
                .startsWith(prefix + "hugeThrottle: @Throttle.maxConcurrent: ").contains("2147483647");
    }

    @Test
    void aMaxKeysBeyondWhatTheYamlAcceptsFailsWithTheYamlsProblem() {
        Throwable fromYaml = org.assertj.core.api.Assertions.catchThrowable(() -> yaml("h", """
                    rate-limits:
                      - by: ip
                        limit: 1/1s
                        max-keys: 9223372036854775807
                """));
        assertThat(fromYaml).isInstanceOf(dev.seawall.core.config.ConfigException.class);
        String problem = ((dev.seawall.core.config.ConfigException) fromYaml).problem();
        assertThat(failure(Hostile.class, "hugeMaxKeys"))
                .isEqualTo(Hostile.class.getName() + "#hugeMaxKeys: @RateLimit[0].maxKeys: " + problem);
    }

    @Test
    void emptyStringsFailNamingTheAttribute() {
        String prefix = Hostile.class.getName() + "#";
        assertThat(failure(Hostile.class, "emptyLimit")).startsWith(prefix + "emptyLimit: @RateLimit[0].limit");
        assertThat(failure(Hostile.class, "onlyCommas")).startsWith(prefix + "onlyCommas: @RateLimit[0].limit");
        assertThat(failure(Hostile.class, "emptyTimeout")).startsWith(prefix + "emptyTimeout: @Timeout.value");
        assertThat(failure(Hostile.class, "emptyStatus"))
                .startsWith(prefix + "emptyStatus: @CircuitBreaker.failureStatuses");
    }

    @Test
    void quotesAndBracketsInValuesStayValuesAndCannotAddKeysOrPolicies() {
        assertThat(failure(Hostile.class, "jsonInName")).startsWith(Hostile.class.getName()
                + "#jsonInName: @RateLimit[0].name: ");
        PolicyConfig p = annotated(Hostile.class, "jsonInBody");
        assertThat(p.fallback().body()).isEqualTo(
                "\"}]},{\"name\":\"injected\",\"paths\":[\"/\"],\"timeout\":\"1s\"}],\"x\":[{\"");
        assertThat(p.timeout()).as("nothing injected").isNull();
        assertThat(p.name()).isEqualTo("hostile.jsoninbody");
    }

    @Test
    void attributePathsAreMappedFromTheLoadersKeyPaths() {
        assertThat(AnnotationPolicies.attribute("policies[0].rate-limits[1].max-keys")).isEqualTo("@RateLimit[1].maxKeys: ");
        assertThat(AnnotationPolicies.attribute("policies[0].timeout.after")).isEqualTo("@Timeout.value: ");
        assertThat(AnnotationPolicies.attribute("policies[0].timeout")).isEqualTo("@Timeout: ");
        assertThat(AnnotationPolicies.attribute("policies[0].circuit-breaker.failure-statuses[2]"))
                .isEqualTo("@CircuitBreaker.failureStatuses[2]: ");
        assertThat(AnnotationPolicies.attribute("policies[0]")).isEmpty();
        assertThat(AnnotationPolicies.attribute("trusted-proxies[0]")).isEmpty();
    }
}
