/**
 * Settings to stages: the rules every front end shares once its values are read.
 *
 * <p><b>Internal</b>: {@code PolicyFactory} (builds a policy's stages from its settings, reusing unchanged stages
 * on reload), {@code ConfigValues} (the value syntax the YAML, init-param and annotation front ends share: rates,
 * durations, sizes, lists) and {@code StageResolvers} (key, plan and priority resolvers from settings). Public only
 * for Seawall's servlet and JAX-RS adapters and the Redis store; applications must not use them, and they change
 * in any release. {@code ArchitectureTest} enforces both.
 *
 * <p>Thread-safety: {@code ConfigValues} and {@code StageResolvers} are stateless and thread-safe;
 * {@code PolicyFactory} is stateless and thread-safe, and runs at start-up and on reload, never per request.
 */
package dev.seawall.core.internal.config;
