package dev.seawall.jaxrs;

import dev.seawall.core.key.KeyKind;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A rate limit on a resource class or method, like one item of a YAML policy's {@code rate-limits}
 * (docs/operations/configuration-reference.md). Repeatable: all limits must admit the request. Limits on a method
 * replace the class's limits. Values are validated when the application starts.
 *
 * <pre>{@code
 * @RateLimit(limit = "10/1m", by = KeyKind.IP)
 * @RateLimit(limit = "1000/1h", by = KeyKind.API_KEY, header = "X-API-Key")
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(RateLimits.class)
public @interface RateLimit {

    /** A rate {@code N/duration} ({@code 100/1m}) or several, comma-separated ({@code 10/1s, 300/1m}). */
    String limit();

    /** What the limit is keyed by. */
    KeyKind by() default KeyKind.IP;

    /** The limit's name in headers and metrics; empty: the {@code by} value. */
    String name() default "";

    /** For {@code API_KEY} and {@code TENANT}: the header carrying the key; empty: the default header. */
    String header() default "";

    /** For identities a request may lack: {@code skip}, {@code shared} or {@code reject}; empty: {@code skip}. */
    String onMissing() default "";

    /** Bound on tracked keys; 0: the default (100,000). */
    long maxKeys() default 0;

    /**
     * {@code enforce} or {@code shadow} (decide and count {@code would-reject}, refuse nothing, send no rate-limit
     * headers); empty: enforce.
     */
    String mode() default "";

    /** Tokens a request spends (1-1,000,000); 0: the default (1). */
    long cost() default 0;

    /**
     * A request attribute, set by an earlier filter of the application, holding the request's cost as a whole
     * number; absent or invalid, {@link #cost()} applies. Empty: none.
     */
    String costAttribute() default "";
}
