package dev.seawall.core.key;

import dev.seawall.core.http.RequestView;

/**
 * Finds the identity a rate limit is keyed by.
 *
 * <p>Contract, chosen so that hostile input costs no exception and no allocation on the common path:
 * <ul>
 *   <li>a non-null String other than {@link #INVALID}: the identity (for api-key and tenant the raw
 *       value; the rate-limit stage hashes it before storing it, so resolvers need not);</li>
 *   <li>{@code null}: the request carries no identity of this kind ({@link OnMissing} applies);</li>
 *   <li>{@link #INVALID} (compared by identity, {@code ==}): the request carries a malformed identity
 *       (e.g. a tenant id with forbidden characters), answered with 400.</li>
 * </ul>
 * Implementations must be thread-safe and stateless per request; they must never throw on any input.
 */
public interface KeyResolver {

    /** Sentinel for a present but malformed identity. Compare with {@code ==}, never {@code equals}. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    String INVALID = new String("\u0000invalid-key");

    /** @return the identity, null when absent, or {@link #INVALID} */
    String resolve(RequestView request);

    /** What this resolver identifies. */
    KeyKind kind();
}
