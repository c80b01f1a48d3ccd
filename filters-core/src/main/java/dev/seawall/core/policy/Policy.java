package dev.seawall.core.policy;

import dev.seawall.core.chain.Chain;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.answer.AnswerPlan;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.timeout.TimeoutStage;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named policy: where it applies (path patterns, methods) and the chain its requests walk, with its
 * answer plan compiled once, here (adapters read it through {@code internal.CoreAccess}), so that adapters never look
 * stages up per request. A value class: equal when its name, paths, methods, chain (by identity), fail-closed flag and
 * buffer are. Immutable and thread-safe.
 */
public final class Policy {

    static {
        CoreAccess.registerPolicy(new CoreAccess.PolicyAccess() {
            @Override
            public AnswerPlan answerPlan(Policy p) {
                return p.answerPlan;
            }

            @Override
            public IdempotencyGuard idempotency(Policy p) {
                return p.idempotency;
            }

            @Override
            public Policy withIdempotency(Policy p, IdempotencyGuard guard) {
                return new Policy(p, guard);
            }
        });
    }

    /**
     * The request attribute (a JAX-RS request property in a servlet container) naming the policy a Seawall
     * servlet filter applied to the request, so that a {@code SeawallFeature} behind it never applies the same
     * policy a second time. Set only where that feature's class can be loaded: it is the mark's one reader.
     */
    public static final String APPLIED_ATTRIBUTE = "dev.seawall.policy";

    private final String name;
    private final List<String> paths;
    private final Set<String> methods;
    private final Chain chain;
    private final boolean failClosed;
    private final int bufferBytes;
    private final AnswerPlan answerPlan;
    /** The policy's idempotency step, run by the adapters before the chain; null for none. */
    private final IdempotencyGuard idempotency;

    /** A policy that fails open, with the default response buffer. */
    public Policy(String name, List<String> paths, Set<String> methods, Chain chain) {
        this(name, paths, methods, chain, false, TimeoutStage.DEFAULT_BUFFER_BYTES);
    }

    /**
     * @param name        unique name, used in headers, metrics and logs
     * @param paths       servlet url-patterns
     * @param methods     upper-case methods it applies to; empty = every method
     * @param chain       the stages, outer to inner
     * @param failClosed  never serve a substitute; an application failure becomes a 503 problem
     * @param bufferBytes how much of a response the adapter holds back so that a timeout or fallback can still
     *                    replace it (0: no buffering; a timeout is then recorded, not answered)
     */
    public Policy(String name, List<String> paths, Set<String> methods, Chain chain, boolean failClosed,
                  int bufferBytes) {
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
        this.name = name;
        this.paths = paths;
        this.methods = methods;
        this.chain = chain;
        this.failClosed = failClosed;
        this.bufferBytes = bufferBytes;
        this.answerPlan = AnswerPlan.of(name, chain, failClosed, bufferBytes);
        this.idempotency = null;
    }

    private Policy(Policy p, IdempotencyGuard idempotency) {
        this.name = p.name;
        this.paths = p.paths;
        this.methods = p.methods;
        this.chain = p.chain;
        this.failClosed = p.failClosed;
        this.bufferBytes = p.bufferBytes;
        this.answerPlan = p.answerPlan;
        this.idempotency = idempotency;
    }

    /** @return unique name, used in headers, metrics and logs */
    public String name() {
        return name;
    }

    /** @return servlet url-patterns */
    public List<String> paths() {
        return paths;
    }

    /** @return upper-case methods it applies to; empty = every method */
    public Set<String> methods() {
        return methods;
    }

    /** @return the stages, outer to inner */
    public Chain chain() {
        return chain;
    }

    /** @return whether the policy never serves a substitute (an application failure becomes a 503 problem) */
    public boolean failClosed() {
        return failClosed;
    }

    /** @return how much of a response the adapter holds back (0: none) */
    public int bufferBytes() {
        return bufferBytes;
    }


    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Policy p && p.name.equals(name) && p.paths.equals(paths)
                && p.methods.equals(methods) && p.chain.equals(chain) && p.failClosed == failClosed
                && p.bufferBytes == bufferBytes && p.idempotency == idempotency;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, paths, methods, chain, failClosed, bufferBytes);
    }

    @Override
    public String toString() {
        return "Policy[name=" + name + ", paths=" + paths + ", methods=" + methods + ", chain=" + chain
                + ", failClosed=" + failClosed + ", bufferBytes=" + bufferBytes
                + (idempotency != null ? ", idempotency=" + idempotency.config() : "") + "]";
    }
}
