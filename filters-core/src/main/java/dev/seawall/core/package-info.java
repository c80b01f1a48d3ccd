/**
 * Seawall's container-neutral policy engine. Nothing here imports a Servlet, JAX-RS, Jetty or Jersey
 * type; the build's enforcer and {@code ArchitectureTest} fail if anything does.
 *
 * <p>Seawall's boundary, in every package of filters-core: <b>API</b> is what applications call and may rely on
 * across minor releases; <b>SPI</b> is what applications and Seawall's modules implement to plug in their own
 * behaviour, with the contract stated on each type; <b>Internal</b> types are public only so that Seawall's
 * other modules (the servlet and JAX-RS adapters, the Redis store) can reach them, and change in any release.
 * {@code ArchitectureTest} keeps {@code ..internal..} packages out of every other module and out of every
 * exported signature; the API snapshot test ({@code src/test/resources/api/filters-core.api}) makes every change
 * of the exported surface a reviewed line.
 *
 * <p>This package: <b>API</b>: {@code Seawall} (the engine: its builder takes YAML or policies built in code),
 * {@code LiveSeawall} (the engine in service, and its reloads). <b>SPI</b>: {@code ConfigSource} (where the YAML
 * text comes from; the built-in file and class-path sources cover most uses).
 *
 * <p>Thread-safety: {@code Seawall} is immutable and thread-safe, one instance serving every request;
 * {@code LiveSeawall} is thread-safe (requests read one volatile field, reloads are serialised). A
 * {@code ConfigSource} is read by one reload at a time, never by a request.
 */
package dev.seawall.core;
