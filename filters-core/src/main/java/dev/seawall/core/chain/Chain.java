package dev.seawall.core.chain;

import dev.seawall.core.http.RequestView;

import java.util.List;

/**
 * An ordered, immutable list of stages, outer to inner, built by {@link ChainBuilder}.
 *
 * <p>Thread-safe: one chain serves every request of its policy. {@link #admit} allocates one
 * {@link Exchange} and one permit array per request and takes no lock of its own.
 */
public final class Chain {

    static {
        dev.seawall.core.internal.CoreAccess.registerChain((c, e) -> c.events = e);
    }

    private final Stage[] stages;
    /** Where refusals are published; set by the engine serving this chain's policy, null without one. */
    private volatile dev.seawall.core.internal.event.EventHub.PolicyEvents events;
    private final List<String> warnings;
    private final Stage[] byKind = new Stage[StageKind.values().length];
    /** null when nothing is exempt */
    private final Exemption exemption;

    Chain(Stage[] stages, List<String> warnings, Exemption exemption) {
        this.stages = stages;
        this.warnings = List.copyOf(warnings);
        this.exemption = exemption;
        for (Stage s : stages) {
            if (byKind[s.kind().ordinal()] == null) {
                byKind[s.kind().ordinal()] = s;
            }
        }
    }

    /** @return the first stage of this kind, or null; allocation-free */
    public Stage stage(StageKind kind) {
        return byKind[kind.ordinal()];
    }

    /**
     * Walks the stages outer to inner. The first rejection stops the walk, and the permits already
     * taken are released, inner to outer, before this method returns. A deferral pauses the walk: the
     * exchange is {@linkplain Exchange#pending() pending} until the adapter {@linkplain Exchange#resume resumes} it.
     * An {@linkplain Exemption exempt} request is counted and skips the rate-limit and throttle stages.
     *
     * @param nowNanos the clock reading for this request, read once by the adapter
     */
    public Exchange admit(RequestView request, long nowNanos) {
        Exchange exchange = new Exchange(stages, nowNanos, exemption != null && exemption.admitExempt(request),
                events);
        exchange.walk(request, nowNanos, 0);
        return exchange;
    }

    static void releaseAll(Permit[] permits, int count) {
        RuntimeException first = null;
        for (int i = count - 1; i >= 0; i--) {
            try {
                permits[i].release();
            } catch (RuntimeException e) {
                // keep releasing the outer permits: one faulty stage must not leak the others
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** @return who is never limited or shed by this chain, or null when nobody is */
    public Exemption exemption() {
        return exemption;
    }

    /** @return the stages, outer to inner */
    public List<Stage> stages() {
        return List.of(stages);
    }

    /** @return the builder's warnings about this chain's order (empty when the order is sound) */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Chain[");
        for (int i = 0; i < stages.length; i++) {
            if (i > 0) {
                sb.append(" -> ");
            }
            sb.append(stages[i].kind().configName()).append(':').append(stages[i].name());
        }
        return sb.append(']').toString();
    }
}
