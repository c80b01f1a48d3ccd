package dev.seawall.jaxrs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A circuit breaker, like a YAML policy's {@code circuit-breaker}; every attribute left at its default takes
 * the YAML default. Methods naming the same breaker share it (their settings must be equal). Method wins over
 * class.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface CircuitBreaker {

    /** A shared breaker's name; empty: one breaker for this resource method (or class). */
    String name() default "";

    /** Failure rate in percent (1-100) that opens the breaker; 0: 50. */
    int failureRate() default 0;

    /** Calls in the window before the rate counts; 0: 20. */
    int minimumCalls() default 0;

    /** The window: a call count ({@code 100}) or a duration ({@code 60s}); empty: 100 calls. */
    String window() default "";

    /** How long the breaker stays open, e.g. {@code 30s}; empty: 30s. */
    String openFor() default "";

    /** Trial calls while half-open; 0: 5. */
    int halfOpenCalls() default 0;

    /** Calls slower than this count as failures, e.g. {@code 2s}; empty: none. */
    String slowCall() default "";

    /** Statuses that count as failures ({@code 500}, {@code 500-599}); empty: 500-599. */
    String[] failureStatuses() default {};

    /** {@code enforce} or {@code shadow}; empty: enforce. */
    String mode() default "";
}
