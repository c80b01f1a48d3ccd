package dev.seawall.jaxrs;

import dev.seawall.core.fallback.FallbackHandler;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A fallback, like a YAML policy's {@code fallback}: a static response, an application
 * {@link FallbackHandler}, and/or last-good copies per caller ({@code staleCache}). Method wins over class.
 *
 * <pre>{@code
 * @Fallback(status = 202, body = "{\"status\":\"pending\"}")
 * @Fallback(handler = MyFallback.class)
 * @Fallback(staleCache = "5m")
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Fallback {

    /** The static response's status; 0: no static response (unless a body is given, which implies 200). */
    int status() default 0;

    /** The static response's body. */
    String body() default "";

    /** The static response's media type; empty: {@code application/json}. */
    String contentType() default "";

    /** How old a last-good copy may be to be served, e.g. {@code 5m}; empty: no copies. */
    String staleCache() default "";

    /** An application handler (public no-arg constructor); {@code FallbackHandler.class}: none. */
    Class<? extends FallbackHandler> handler() default FallbackHandler.class;

    /** The failures answered: {@code circuit-open}, {@code timeout}, {@code error}, {@code throttled}; empty: all. */
    String[] on() default {};
}
