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
 * that holds no thread there (docs/programming/jax-rs.md). Method wins over class. The adaptive limit's finer
 * settings and {@code criticality} rules are the YAML policy's ({@code SeawallFeature} with a configuration file).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Throttle {

    /** Requests allowed inside at once; leave at 0 with {@link #adaptive()}. */
    int maxConcurrent() default 0;

    /** Requests allowed to wait for a slot; beyond that, 503. */
    int queue() default 0;

    /** How long a request may wait, e.g. {@code 500ms}; empty: {@code 1s}. */
    String maxWait() default "";

    /** {@code enforce} (default: empty) or {@code shadow}: counted and reported, nothing refused. */
    String mode() default "";

    /**
     * The limit moves by itself ({@code max-concurrent: adaptive}) from {@link #initial()} within {@link #min()} and
     * {@link #max()}, by {@link #algorithm()}; then {@link #maxConcurrent()} stays 0.
     */
    boolean adaptive() default false;

    /** With {@link #adaptive()}: {@code gradient2} (default: empty), {@code vegas} or {@code aimd}. */
    String algorithm() default "";

    /** With {@link #adaptive()}: the limit at start; 0: the default (20). */
    int initial() default 0;

    /** With {@link #adaptive()}: the lowest limit; 0: the default (1). */
    int min() default 0;

    /** With {@link #adaptive()}: the highest limit; 0: the default (200). */
    int max() default 0;
}
