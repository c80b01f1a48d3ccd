/**
 * Helpers shared by Seawall's own modules: gauge bookkeeping across reloads, JSON string writing, SipHash, and
 * {@code CoreAccess}, through which the adapters reach the members of API types that are not API.
 *
 * <p><b>Internal</b>: public only so that Seawall's other shipped modules (servlet-integration, jaxrs-integration,
 * redis-store) can use them. Applications must not: these types change in any release. {@code ArchitectureTest}
 * fails when a module outside the shipped ones imports this package, or when an exported signature names one of
 * its types.
 *
 * <p>Thread-safety: {@code Json} and {@code SipHash} are stateless or immutable and thread-safe; {@code Gauges} is
 * thread-safe and used at build time and on reload only; {@code CoreAccess} is thread-safe (written once, at class
 * initialisation).
 */
package dev.seawall.core.internal;
