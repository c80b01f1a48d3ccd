package dev.seawall.jaxrs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A request timeout, like a YAML policy's {@code timeout}: the client is answered at the deadline, for
 * synchronous and asynchronous resource methods alike, even when the method does not return. While the method
 * runs, the request's deadline is bound to its thread ({@link dev.seawall.core.timeout.Deadline#current()}), so
 * outbound calls through Seawall get at most the time left. Method wins over class.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Timeout {

    /** The deadline after the method is called, e.g. {@code 2s}. */
    String value();

    /** 503 or 504; 0: 503. */
    int status() default 0;

    /**
     * A request header in which a caller may send its own time left in whole milliseconds (as Seawall's outbound
     * clients send it, e.g. {@code X-Deadline-Ms}): a shorter time than {@link #value()} shortens this request's
     * deadline, a longer or malformed one is ignored. Empty (the default): none.
     */
    String deadlineHeader() default "";
}
