/** Internals of the throttle: the adaptive concurrency limits. Not API. */
package dev.seawall.core.internal.throttle;
