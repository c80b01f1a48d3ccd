/**
 * Internal: delivers Seawall's events to the application's {@link dev.seawall.core.event.SeawallListener}s. Not API.
 */
package dev.seawall.core.internal.event;
