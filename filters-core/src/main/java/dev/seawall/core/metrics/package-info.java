/**
 * Micrometer meters for Seawall's stages, kept beside the stages: stages count in plain fields and never touch
 * Micrometer; one binder per stage kind publishes those counts by pull, registered once per registry at start-up and
 * handed over on reload.
 *
 * <p><b>API</b>: {@code SeawallMeters} (binds the stages of policies built in code to a registry; the engine and the
 * adapters call it for everything they build). Meter names, tags and descriptions are listed in the
 * status-and-metrics page of the documentation. <b>Internal</b>, package-private: the per-kind binders
 * ({@code RateLimitMeters}, {@code ThrottleMeters}, {@code BreakerMeters}, {@code TimeoutMeters},
 * {@code FallbackMeters}) with their common type {@code StageMeterBinder}, reached through {@code SeawallMeters},
 * and {@code MeterTable} (one registration per meter and registry, across reloads).
 *
 * <p>Thread-safety: every type here is thread-safe; binding runs at start-up and on reload, never per request, and
 * the registered meters read the stages' counters without locking.
 */
package dev.seawall.core.metrics;
