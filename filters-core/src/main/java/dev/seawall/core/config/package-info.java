/**
 * Configuration: the settings objects every front end (YAML, servlet init-params, JAX-RS annotations) produces,
 * and the YAML loader.
 *
 * <p><b>API</b>: {@code ConfigLoader} (reads and validates {@code seawall.yaml}, reporting
 * {@code file:line: key.path: problem}), {@code ConfigException}, and the settings objects ({@code SeawallConfig},
 * {@code PolicyConfig}, {@code RateLimitConfig}, {@code ThrottleConfig}, {@code CircuitBreakerConfig},
 * {@code TimeoutConfig}, {@code FallbackConfig}, {@code StoreConfig}, {@code StatusRange}) with their builders and
 * {@code DEFAULT_*} constants where they have them. <b>Internal</b>: {@code PolicyFactory} (settings to stages) and
 * {@code ConfigValues} (the value syntax shared by the front ends), used by Seawall's adapters.
 *
 * <p>Thread-safety: settings objects are immutable and thread-safe; builders are not thread-safe; the loader and
 * the factory are stateless and thread-safe and run at start-up and on reload, never per request.
 */
package dev.seawall.core.config;
