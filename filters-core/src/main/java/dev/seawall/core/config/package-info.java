/**
 * Configuration: the settings objects every front end (YAML, servlet init-params, JAX-RS annotations) produces,
 * and the YAML loader.
 *
 * <p><b>API</b>: {@code ConfigLoader} (reads and validates {@code seawall.yaml}, reporting
 * {@code file:line: key.path: problem}), {@code ConfigException}, and the settings objects ({@code SeawallConfig},
 * {@code PolicyConfig}, {@code RateLimitConfig}, {@code ThrottleConfig}, {@code CircuitBreakerConfig},
 * {@code TimeoutConfig}, {@code FallbackConfig}, {@code StoreConfig}, {@code StatusRange}) with their builders and
 * {@code DEFAULT_*} constants where they have them, {@code InvalidSettingException} (one refused setting) and {@code
 * SourceMap} (where each setting was written, kept beside the settings so that reload compares them with {@code
 * equals}). The rules that turn settings into stages ({@code PolicyFactory}) and the value syntax shared by the front
 * ends ({@code ConfigValues}) are internal, in {@code dev.seawall.core.internal.config}.
 *
 * <p>Thread-safety: settings objects and {@code SourceMap} are immutable and thread-safe; builders are not
 * thread-safe; the loader is stateless and thread-safe and runs at start-up and on reload, never per request.
 */
package dev.seawall.core.config;
