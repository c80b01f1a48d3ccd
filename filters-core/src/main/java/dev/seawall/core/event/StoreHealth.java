package dev.seawall.core.event;

import java.util.Objects;

/**
 * A shared store became unreachable (decisions then follow its {@code on-failure} mode) or reachable again; the
 * transitions {@code seawall.store.up} shows. Immutable and thread-safe.
 *
 * @param store the store's description, e.g. {@code redis redis://cache:6379} (never a password)
 * @param up    whether the store answers now
 */
public record StoreHealth(String store, boolean up) {

    public StoreHealth {
        Objects.requireNonNull(store, "store");
    }
}
