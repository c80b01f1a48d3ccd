package dev.seawall.jaxrs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Idempotency keys, like a YAML policy's {@code idempotency}: a request carrying an {@code Idempotency-Key} runs once
 * per caller and key; a repeat while it runs gets 409 with {@code Retry-After}, a repeat after it gets the first
 * answer back byte for byte with {@code Idempotent-Replayed: true}, and a repeat with another body, path or query gets
 * 422. On a method it protects that method; on a class, every method of the class whose HTTP method is listed in
 * {@link #methods()}. Method wins over class. Every element left at its default takes the configuration's default;
 * values are validated when the application starts.
 *
 * <pre>{@code
 * @POST
 * @Idempotent(required = true, expire = "1h")
 * public Response pay(Payment p) { ... }
 * }</pre>
 *
 * <p>Keys of annotation policies live in this JVM (the configuration's shared {@code store:} keeps the keys of YAML
 * policies). A method annotated itself must have an HTTP method {@link #methods()} lists, or the application does not
 * start: an annotation that could never apply is a mistake.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Idempotent {

    /** The request header carrying the key; empty: {@code Idempotency-Key}. */
    String header() default "";

    /** The HTTP methods protected, e.g. {@code {"POST", "PUT"}}; empty: POST and PATCH. */
    String[] methods() default {};

    /** A protected request without the key is refused with 400; default false (it runs unprotected). */
    boolean required() default false;

    /** How long an answer is kept and replayed, e.g. {@code 1h} (1s-30d); empty: {@code 24h}. */
    String expire() default "";

    /**
     * Whose keys these are: {@code ip}, {@code user}, {@code api-key} or {@code tenant} ({@code api-key} and
     * {@code tenant} need a {@link RateLimit} by that identity, which says where it is read); empty: the most specific
     * identity the method's rate limits name, else the client IP.
     */
    String scope() default "";

    /** The largest request body fingerprinted, e.g. {@code 256KB} (1B-64MB); a longer one gets 413; empty: 1MB. */
    String maxBody() default "";

    /**
     * The largest answer kept, e.g. {@code 64KB} (0-64MB); a longer one is sent, and repeats get 409 saying it ran;
     * empty: 1MB.
     */
    String maxResponse() default "";

    /** How long a first run holds its key, e.g. {@code 30s} (1s-1d, not above {@link #expire()}); empty: 60s. */
    String lease() default "";

    /** The statuses whose answers are kept, e.g. {@code {"2xx", "404"}}; empty: 2xx and 4xx. */
    String[] keep() default {};

    /** While a shared store is down: {@code local}, {@code allow} or {@code deny}; empty: the store's own mode. */
    String onFailure() default "";

    /** The most this policy's in-process store holds, e.g. {@code 256MB} (1MB-16GB); empty: 64MB. */
    String maxBytes() default "";
}
