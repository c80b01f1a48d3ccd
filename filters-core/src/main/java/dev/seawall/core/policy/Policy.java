package dev.seawall.core.policy;

import dev.seawall.core.chain.Chain;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named policy: where it applies (path patterns, methods) and the chain its requests walk.
 * Immutable and thread-safe.
 *
 * @param name    unique name, used in headers, metrics and logs
 * @param paths   servlet url-patterns
 * @param methods upper-case methods it applies to; empty = every method
 * @param chain   the stages, outer to inner
 */
public record Policy(String name, List<String> paths, Set<String> methods, Chain chain) {

    public Policy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(chain, "chain");
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("policy " + name + ": paths must not be empty");
        }
        for (String p : paths) {
            PathPattern.parse(p);
        }
    }
}
