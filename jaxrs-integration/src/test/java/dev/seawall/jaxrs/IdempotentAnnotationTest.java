package dev.seawall.jaxrs;

import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.IdempotencyConfig;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link Idempotent} is a front end of {@link IdempotencyConfig#builder()}: every element becomes the YAML key of the
 * same name (compared field by field), elements left at their default take the YAML defaults, method wins over class,
 * and bad or hostile values fail start-up naming class, method and element.
 */
class IdempotentAnnotationTest {

    private final AnnotationPolicies policies = new AnnotationPolicies(null,
            new PolicyFactory.Context(new ManualClock(), new SimpleMeterRegistry(), null));

    private static Method method(Class<?> type, String name) {
        return Arrays.stream(type.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    private PolicyConfig annotated(Class<?> type, String method) {
        SeawallConfig config = policies.config(type, method(type, method));
        assertThat(config).isNotNull();
        return config.policies().get(0);
    }

    private static IdempotencyConfig yaml(String block) {
        SeawallConfig config = ConfigLoader.parse("seawall.yaml", "policies:\n  - name: p\n    paths: [/]\n" + block);
        return config.policies().get(0).idempotency();
    }

    private String failure(Class<?> type, String method) {
        Throwable t = catchThrowable(() -> policies.policy(type, method(type, method)));
        assertThat(t).as("%s#%s must fail", type.getSimpleName(), method).isInstanceOf(IllegalStateException.class);
        return t.getMessage();
    }

    static class Keys {
        @POST
        @Idempotent(header = "X-Request-Key", methods = {"post", "PUT"}, required = true, expire = "2h",
                scope = "api-key", maxBody = "256KB", maxResponse = "64KB", lease = "30s", keep = {"2xx", "404"},
                onFailure = "deny", maxBytes = "128MB")
        @RateLimit(limit = "100/1m", by = KeyKind.API_KEY)
        void full() {
        }

        @POST
        @Idempotent
        void defaults() {
        }

        @PATCH
        @Idempotent(maxResponse = "0")
        void markerOnly() {
        }
    }

    @Test
    void everyElementBecomesTheYamlKeyOfTheSameName() {
        assertThat(annotated(Keys.class, "full").idempotency()).usingRecursiveComparison().isEqualTo(yaml("""
                    rate-limits:
                      - by: api-key
                        limit: 100/1m
                    idempotency:
                      header: X-Request-Key
                      methods: [post, PUT]
                      required: true
                      expire: 2h
                      scope: api-key
                      max-body: 256KB
                      max-response: 64KB
                      lease: 30s
                      keep: [2xx, 404]
                      on-failure: deny
                      max-bytes: 128MB
                """));
        IdempotencyConfig full = annotated(Keys.class, "full").idempotency();
        assertThat(full.methods()).containsExactlyInAnyOrder("POST", "PUT");
        assertThat(full.maxBody()).isEqualTo(256 * 1024);
        assertThat(full.onFailure()).isEqualTo(IdempotencyConfig.OnFailure.DENY);
    }

    @Test
    void elementsLeftAtTheirDefaultTakeTheYamlDefaults() {
        assertThat(annotated(Keys.class, "defaults").idempotency()).usingRecursiveComparison()
                .isEqualTo(yaml("    idempotency: on\n"));
        assertThat(annotated(Keys.class, "markerOnly").idempotency().maxResponse()).isZero();
    }

    @Test
    void anIdempotentOnlyMethodGetsAPolicyWithTheGuardAndAnEmptyChain() {
        Policy p = policies.policy(Keys.class, method(Keys.class, "defaults"));
        assertThat(p.chain().stages()).isEmpty();
        assertThat(CoreAccess.idempotency(p)).isNotNull();
        assertThat(CoreAccess.idempotency(p).covers("POST")).isTrue();
        assertThat(CoreAccess.idempotency(p).covers("GET")).isFalse();
    }

    @Idempotent(required = true)
    static class OnTheClass {
        @POST
        void create() {
        }

        @GET
        void read() {
        }

        @PUT
        void replace() {
        }

        @POST
        @Idempotent(expire = "1h")
        void own() {
        }
    }

    @Test
    void theClassAnnotationCoversEveryMethodItListsAndTheMethodsOwnWins() {
        assertThat(annotated(OnTheClass.class, "create").idempotency().required()).isTrue();
        // a class-wide annotation over methods it does not protect is no mistake: GET and PUT simply run unprotected
        assertThat(annotated(OnTheClass.class, "read").idempotency().covers("GET")).isFalse();
        assertThat(annotated(OnTheClass.class, "replace").idempotency().covers("PUT")).isFalse();
        IdempotencyConfig own = annotated(OnTheClass.class, "own").idempotency();
        assertThat(own.expire()).hasHours(1);
        assertThat(own.required()).as("the method's annotation replaces the class's as a whole").isFalse();
    }

    static class Bad {
        @POST
        @Idempotent(header = "Bad Header")
        void header() {
        }

        @POST
        @Idempotent(methods = {"POST", "GET"})
        void safeMethod() {
        }

        @POST
        @Idempotent(methods = {"PO ST"})
        void notAMethod() {
        }

        @POST
        @Idempotent(expire = "forever")
        void expire() {
        }

        @POST
        @Idempotent(expire = "60d")
        void longExpire() {
        }

        @POST
        @Idempotent(scope = "everyone")
        void scope() {
        }

        @POST
        @Idempotent(scope = "tenant")
        void scopeWithoutLimit() {
        }

        @POST
        @Idempotent(maxBody = "1TB")
        void maxBody() {
        }

        @POST
        @Idempotent(maxBody = "0")
        void zeroBody() {
        }

        @POST
        @Idempotent(maxResponse = "65MB")
        void maxResponse() {
        }

        @POST
        @Idempotent(lease = "2d")
        void lease() {
        }

        @POST
        @Idempotent(lease = "2h", expire = "1h")
        void leaseOverExpire() {
        }

        @POST
        @Idempotent(lease = "2s")
        @Timeout("5s")
        void leaseUnderTimeout() {
        }

        @POST
        @Idempotent(keep = {"2xx", "nope"})
        void keep() {
        }

        @POST
        @Idempotent(keep = {"1xx"})
        void keepInterim() {
        }

        @POST
        @Idempotent(onFailure = "retry")
        void onFailure() {
        }

        @POST
        @Idempotent(maxBytes = "1KB")
        void maxBytes() {
        }

        @PUT
        @Idempotent
        void uncoveredMethod() {
        }

        @GET
        @Idempotent
        void onAGet() {
        }
    }

    @Test
    void badValuesFailNamingClassMethodAndElement() {
        String prefix = Bad.class.getName() + "#";
        assertThat(failure(Bad.class, "header")).startsWith(prefix + "header: @Idempotent.header: ");
        assertThat(failure(Bad.class, "safeMethod")).startsWith(prefix + "safeMethod: @Idempotent.methods: ")
                .contains("GET is safe");
        assertThat(failure(Bad.class, "notAMethod")).startsWith(prefix + "notAMethod: @Idempotent.methods: ")
                .contains("PO ST");
        assertThat(failure(Bad.class, "expire")).startsWith(prefix + "expire: @Idempotent.expire: ")
                .contains("forever");
        assertThat(failure(Bad.class, "longExpire")).startsWith(prefix + "longExpire: @Idempotent.expire: ")
                .contains("1s-30d");
        assertThat(failure(Bad.class, "scope")).startsWith(prefix + "scope: @Idempotent.scope: ")
                .contains("everyone");
        assertThat(failure(Bad.class, "scopeWithoutLimit"))
                .startsWith(prefix + "scopeWithoutLimit: @Idempotent.scope: ").contains("rate limit by tenant");
        assertThat(failure(Bad.class, "maxBody")).startsWith(prefix + "maxBody: @Idempotent.maxBody: ")
                .contains("1TB");
        assertThat(failure(Bad.class, "zeroBody")).startsWith(prefix + "zeroBody: @Idempotent.maxBody: ");
        assertThat(failure(Bad.class, "maxResponse")).startsWith(prefix + "maxResponse: @Idempotent.maxResponse: ");
        assertThat(failure(Bad.class, "lease")).startsWith(prefix + "lease: @Idempotent.lease: ").contains("1s-1d");
        assertThat(failure(Bad.class, "leaseOverExpire"))
                .startsWith(prefix + "leaseOverExpire: @Idempotent.lease: ").contains("longer than expire");
        assertThat(failure(Bad.class, "leaseUnderTimeout"))
                .startsWith(prefix + "leaseUnderTimeout: @Idempotent.lease: ").contains("timeout");
        assertThat(failure(Bad.class, "keep")).startsWith(prefix + "keep: @Idempotent.keep[1]: ").contains("nope");
        assertThat(failure(Bad.class, "keepInterim")).startsWith(prefix + "keepInterim: @Idempotent.keep: ");
        assertThat(failure(Bad.class, "onFailure")).startsWith(prefix + "onFailure: @Idempotent.onFailure: ")
                .contains("retry");
        assertThat(failure(Bad.class, "maxBytes")).startsWith(prefix + "maxBytes: @Idempotent.maxBytes: ");
        assertThat(failure(Bad.class, "uncoveredMethod"))
                .startsWith(prefix + "uncoveredMethod: @Idempotent.methods: ").contains("PUT").contains("(PATCH, POST)");
        assertThat(failure(Bad.class, "onAGet")).startsWith(prefix + "onAGet: @Idempotent.methods: ").contains("GET");
    }

    @Test
    void messagesNameTheAnnotationNeverTheGeneratedDocument() {
        for (Method m : Bad.class.getDeclaredMethods()) {
            if (m.isSynthetic()) {
                continue;
            }
            assertThat(failure(Bad.class, m.getName())).as(m.getName())
                    .doesNotContain("policies[").doesNotContain("idempotency.").doesNotContain("max-");
        }
    }
}
