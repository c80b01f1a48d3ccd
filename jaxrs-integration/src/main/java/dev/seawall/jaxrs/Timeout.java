package dev.seawall.jaxrs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A request timeout, like a YAML policy's {@code timeout}: the client is answered at the deadline, for
 * synchronous and asynchronous resource methods alike, even when the method does not return. Method wins over
 * class.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Timeout {

    /** The deadline after the method is called, e.g. {@code 2s}. */
    String value();

    /** 503 or 504; 0: 503. */
    int status() default 0;
}
