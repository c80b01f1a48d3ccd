/**
 * Rate limits: token buckets per key, in this JVM or in a shared store, with named plans and the
 * {@code RateLimit} / {@code RateLimit-Policy} headers.
 *
 * <p><b>API</b>: {@code RateLimitStage}, {@code LimitSpec}, {@code Rate}, {@code RateLimitHeaders},
 * {@code MapPlanResolver}, {@code LocalBucketStore} (the default, in-memory store), and the counters the status
 * page and the meters read ({@code LimitView}, {@code Decision}). <b>SPI</b>: {@code BucketStore}
 * with {@code BucketStore.Buckets}, and {@code BucketStoreProvider} (a store module, found through
 * {@code ServiceLoader}), with {@code BucketSpec}, what a store is asked for, and {@code StoreKeys}, the store
 * block's own keys; {@code PlanResolver} (which plan a key is on). Finding the provider a configuration names is
 * internal ({@code dev.seawall.core.internal.ratelimit.Stores}).
 *
 * <p>Thread-safety: everything here is thread-safe but {@code StoreKeys} (one instance per configuration load). A
 * {@code BucketStore}, its {@code Buckets} and a {@code PlanResolver} are shared by every request and must be
 * thread-safe; their per-request methods run on the request's thread, must be bounded in time (a remote store waits at
 * most its timeout) and must not take a lock shared by all requests.
 */
package dev.seawall.core.ratelimit;
