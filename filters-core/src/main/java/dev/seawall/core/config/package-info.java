/**
 * Configuration: the settings objects every front end (YAML, servlet init-params, JAX-RS annotations) produces,
 * and the YAML loader.
 *
 * <p><b>API</b>: {@code ConfigLoader} (reads and validates {@code seawall.yaml}, reporting
 * {@code file:line: key.path: problem}), {@code ConfigException}, and the settings objects ({@code SeawallConfig},
 * {@code PolicyConfig}, {@code RateLimitConfig}, {@code ThrottleConfig}, {@code CircuitBreakerConfig},
 * {@code TimeoutConfig}, {@code FallbackConfig}, {@code StoreConfig}, {@code StatusRange}) with their builders and
 * {@code DEFAULT_*} constants where they have them, and {@code InvalidSettingException} (one refused setting). The
 * rules that turn settings into stages ({@code PolicyFactory}) and the value syntax shared by the front ends
 * ({@code ConfigValues}) are internal, in {@code dev.seawall.core.internal.config}.
 *
 * <p>Thread-safety: settings objects are immutable and thread-safe; builders are not thread-safe; the loader is
 * stateless and thread-safe and run at start-up and on reload, never per request.
 */
package dev.seawall.core.config;
