/**
 * Finding the bucket store a configuration names.
 *
 * <p><b>Internal</b>: {@code Stores} looks the {@code store: {type: ...}} up among the {@code BucketStoreProvider}s
 * on the class path; public only for Seawall's own modules, and changes in any release.
 *
 * <p>Thread-safety: stateless and thread-safe; runs at start-up and on reload.
 */
package dev.seawall.core.internal.ratelimit;
