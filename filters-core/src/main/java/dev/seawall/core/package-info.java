/**
 * Seawall's container-neutral policy engine. Nothing here imports a Servlet, JAX-RS, Jetty or Jersey
 * type; the build's enforcer and {@code ArchitectureTest} fail if anything does.
 */
package dev.seawall.core;
