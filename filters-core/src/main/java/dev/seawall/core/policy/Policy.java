package dev.seawall.core.policy;

import dev.seawall.core.chain.Chain;
import dev.seawall.core.timeout.TimeoutStage;

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
 * @param failClosed  never serve a substitute; an application failure becomes a 503 problem
 * @param bufferBytes how much of a response the adapter holds back so that a timeout or fallback can still
 *                    replace it (0: no buffering; a timeout is then recorded, not answered)
 */
public record Policy(String name, List<String> paths, Set<String> methods, Chain chain, boolean failClosed,
                     int bufferBytes) {

    /**
     * The request attribute (a JAX-RS request property in a servlet container) naming the policy a Seawall
     * servlet filter applied to the request, so that a {@code SeawallFeature} behind it never applies the same
     * policy a second time. Set only where that feature's class can be loaded: it is the mark's one reader.
     */
    public static final String APPLIED_ATTRIBUTE = "dev.seawall.policy";

    /** A policy that fails open, with the default response buffer. */
    public Policy(String name, List<String> paths, Set<String> methods, Chain chain) {
        this(name, paths, methods, chain, false, TimeoutStage.DEFAULT_BUFFER_BYTES);
    }

    public Policy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(chain, "chain");
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
        if (bufferBytes < 0) {
            throw new IllegalArgumentException("policy " + name + ": bufferBytes must not be negative");
        }
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("policy " + name + ": paths must not be empty");
        }
        for (String p : paths) {
            PathPattern.parse(p);
        }
    }
}
