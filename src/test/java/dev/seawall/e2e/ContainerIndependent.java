package dev.seawall.e2e;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test that starts no servlet container (Jersey's own Grizzly server, configuration errors found before any
 * deployment): the suite runs once per container, these run in the Jetty execution only (src/test/pom.xml excludes
 * the tag from the others).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("container-independent")
@interface ContainerIndependent {
}
