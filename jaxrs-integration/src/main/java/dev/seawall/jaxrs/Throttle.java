package dev.seawall.jaxrs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A concurrency limit with a bounded wait queue, like a YAML policy's {@code throttle}. A queued request to an
 * asynchronous method ({@code @Suspended AsyncResponse}) waits suspended, holding no thread, and the method is
 * invoked when its slot is granted. JAX-RS filters cannot suspend a synchronous method's request, so that one
 * waits on its own thread, at most {@code maxWait}; put the servlet {@code SeawallFilter} in front for queueing
 * that holds no thread there (docs/programming/jax-rs.md). Method wins over class.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Throttle {

    /** Requests allowed inside at once. */
    int maxConcurrent();

    /** Requests allowed to wait for a slot; beyond that, 503. */
    int queue() default 0;

    /** How long a request may wait, e.g. {@code 500ms}; empty: {@code 1s}. */
    String maxWait() default "";
}
